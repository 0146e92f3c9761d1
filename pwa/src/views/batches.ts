// The operator's "run a batch now" panel: fold taps into work records, the nightly and monthly closes, residence
// expiry alerts, level evaluation, the billing close. The API answers 202 with the run (or the one already queued or
// running: a batch runs once at a time); the list shows recent runs with their status and counts from the server.

import { html, nothing } from "lit-html";
import { api } from "../api";
import { flash, update, View } from "../app";
import { codeMessage, formatDate, formatDateTime, formatMonth, getLang, t, tr } from "../i18n";
import { confirmAction } from "../confirm";
import { Forms } from "../forms";
import type { BatchRun } from "../types";
import { errorSummary } from "../ui";

const BATCHES = ["fold", "close", "monthly-close", "residence-alerts", "invoice-overdue", "levels", "face-purge", "face-refresh"] as const;

type Run = BatchRun;

// A run's counts by their Japanese names (batch.count.*); a count this version has no name for is shown as "その他".
const countLabel = (k: string) => tr("batch.count", k) !== k ? tr("batch.count", k) : getLang() === "ja" ? t("batch.count_other") : k;
// Only the numbers: a result's other entries (the close's "period" as an ISO date) are shown by the run itself.
const counts = (r: Run) => Object.entries(r.counts).filter(([, v]) => typeof v === "number")
  .map(([k, v]) => `${countLabel(k)}: ${(v as number).toLocaleString("ja-JP")}`).join("、");
// A failed run's error is "code: English text": shown by its code's text.
const runError = (e: string) => codeMessage(e.split(":", 1)[0].trim()) ?? (getLang() === "ja" ? t("err.generic") : e);

export async function batchesView(): Promise<View> {
  // Each batch's button is a form of its own (Forms, keyed "b-<name>-"): busy while it is asked for, the refusal under it.
  const forms = new Forms();
  let runs: Run[] = [];

  async function load() {
    try {
      runs = await api<Run[]>("GET", "/admin/batches/runs?limit=20");
    } catch {
      /* offline: keep what is shown */
    }
  }
  await load();

  async function refresh() {
    await load();
    update();
  }

  async function run(name: string) {
    const form = forms.form(`b-${name}-`);
    if (form.status.busy) return;
    if (!navigator.onLine) return form.invalid({}, t("batches.offline"));
    const ok = await confirmAction({ title: t("batches.confirm_title", { name: tr("batch", name) }),
      body: t("batches.confirm_body", { desc: tr("batch.desc", name) }), confirm: t("batches.confirm_run") });
    if (!ok) return;
    await form.action(() => api<Run>("POST", `/admin/batches/${name}`), {
      done: async (out) => {
        flash(t(out.already_running ? "batches.already_running" : "batches.started", { name: tr("batch", name) }));
        await load();
      },
    });
  }

  return {
    title: () => t("batches.title"),
    render: () => html`<section>
      <h1 tabindex="-1">${t("batches.title")}</h1>
      <p>${t("batches.intro")}</p>
      <ul class="list batches" data-testid="batches">
        ${BATCHES.map((name) => html`<li>
          <div class="row-head"><strong id="batch-${name}">${tr("batch", name)}</strong> <span class="mono meta">${name}</span></div>
          <p class="meta" id="batch-${name}-desc">${tr("batch.desc", name)}</p>
          ${errorSummary(forms.get(`b-${name}-`), [], `b-${name}-`)}
          <button type="button" class="primary" data-batch=${name} aria-describedby="batch-${name} batch-${name}-desc"
            ?disabled=${forms.get(`b-${name}-`).busy} @click=${() => run(name)}>${t("batches.run")}</button>
        </li>`)}
      </ul>
      <section class="card" aria-labelledby="runs-h">
        <h2 id="runs-h">${t("batches.runs")}</h2>
        <button type="button" data-testid="batch-refresh" @click=${refresh}>${t("batches.refresh")}</button>
        ${runs.length
          ? html`<ul class="list" data-testid="batch-runs">${runs.map((r) => html`<li data-run=${r.id} data-status=${r.status}>
              <strong>${tr("batch", r.name)}</strong>${r.period ? ` ${r.period.length === 7 ? formatMonth(r.period) : formatDate(r.period)}` : ""}
              <span class="badge status-${r.status}">${tr("batchstatus", r.status)}</span>
              <div class="meta">${formatDateTime(r.created_at)}${counts(r) ? ` · ${counts(r)}` : ""}</div>
              ${r.error ? html`<div class="meta error">${runError(r.error)}</div>` : nothing}</li>`)}</ul>`
          : html`<p>${t("batches.no_runs")}</p>`}
      </section>
    </section>`,
  };
}
