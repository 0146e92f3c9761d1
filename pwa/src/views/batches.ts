// The operator's "run a batch now" panel: fold taps into work records, the nightly and monthly closes, residence
// expiry alerts, level evaluation. The API answers 202 with a job id (the same id within a minute).

import { html, nothing } from "lit-html";
import { api, NetworkError } from "../api";
import { flash, update, View } from "../app";
import { formatDateTime, t, tr } from "../i18n";
import { statusFromError } from "../ui";

const BATCHES = ["fold", "close", "monthly-close", "residence-alerts", "levels", "face-purge", "face-refresh"] as const;

interface Run {
  name: string;
  job_id: string;
  at: string;
}

const runs: Run[] = []; // this session's runs, newest first (kept across visits to the page)

export function batchesView(): View {
  let busy = "";

  async function run(name: string) {
    if (!navigator.onLine) {
      flash(t("batches.offline"), "error");
      return;
    }
    busy = name;
    update();
    try {
      const out = await api<{ job_id: string }>("POST", `/admin/batches/${name}`);
      runs.unshift({ name, job_id: out.job_id, at: new Date().toISOString() });
      flash(t("batches.started", { name: tr("batch", name), id: out.job_id }));
    } catch (e) {
      const text = e instanceof NetworkError ? t("app.network_error") : statusFromError(e).message ?? t("err.generic");
      flash(text, "error");
    } finally {
      busy = "";
      update();
    }
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
          <button type="button" class="primary" data-batch=${name} aria-describedby="batch-${name} batch-${name}-desc"
            ?disabled=${busy === name} @click=${() => run(name)}>${t("batches.run")}</button>
        </li>`)}
      </ul>
      <section class="card" aria-labelledby="runs-h">
        <h2 id="runs-h">${t("batches.runs")}</h2>
        ${runs.length
          ? html`<ul class="list" data-testid="batch-runs">${runs.map((r) => html`<li>
              <strong>${tr("batch", r.name)}</strong> <span class="mono">${r.job_id}</span>
              <div class="meta">${formatDateTime(r.at)}</div></li>`)}</ul>`
          : html`<p>${t("batches.no_runs")}</p>`}
        ${nothing}
      </section>
    </section>`,
  };
}
