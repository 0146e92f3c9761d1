// The employer's monthly 建退共 page (/firm/kentaikyo?month=YYYY-MM): the month's work days per technician and site
// (a day counts once), adjustments of single days with their reason, the confirmation that locks the month, the
// export of the confirmed month (就労実績報告 CSV) and the import of the report sent to 建退共.
//
// Confirming and importing need the server's answer at once, so they are never queued in the outbox.

import { html, nothing, TemplateResult } from "lit-html";
import { api, ApiError, get, session } from "../api";
import { flash, navigate, update, View } from "../app";
import { addMonths, Downloads, Forms, todayJst, values } from "../forms";
import { codeMessage, formatDate, formatDateTime, t } from "../i18n";
import { errorSummary, field, fileFrom, requiredErrors } from "../ui";
import { firmTabs } from "./firm";

interface Row {
  technician_pk: number; technician_id: string; name: string; site_pk: number; site_id: string; site_name: string;
  days: number[]; total: number;
}
interface Adjustment { technician_id: string; site_id: string; work_date: string; worked: boolean; reason: string; at: string }
interface Month {
  month: string; status: "open" | "confirmed"; confirmed_at: string | null; rows: Row[]; total_days: number;
  adjustments: Adjustment[]; warnings: string[];
}
interface Imported { rows: number; days: number; already_recorded: number; candidates: number }

const ENCODINGS: [string, string][] = [["utf-8", "UTF-8"], ["shift_jis", "Shift_JIS"]];

function daysIn(month: string): number {
  const [y, m] = month.split("-").map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export async function kentaikyoView(query: URLSearchParams): Promise<View> {
  const pk = session.me?.business_pk;
  if (!pk) throw new Error("no business");
  const base = `/businesses/${pk}/kentaikyo`;
  const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(query.get("month") ?? "") ? query.get("month")! : addMonths(todayJst().slice(0, 7), -1);
  const forms = new Forms();
  const downloads = new Downloads();
  // The adjustment form offers every technician of the firm and every site it is on, so a day can be added for
  // someone with no record that month.
  let [m, employees, sites] = await Promise.all([
    get<Month>(`${base}/month?month=${month}`),
    get<{ technician_id: string | null; name: string }[]>(`/businesses/${pk}/employees`).catch(() => []),
    get<{ site_id: string; name: string }[]>("/sites").catch(() => []),
  ]);
  let importLines: string[] = [];

  const reload = async () => {
    m = await get<Month>(`${base}/month?month=${month}`);
    update();
  };

  function onMonth(ev: SubmitEvent) {
    ev.preventDefault();
    const v = values(ev.target as HTMLFormElement);
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(v("month"))) return forms.invalid("km-", { month: t("reports.month_format") });
    void navigate(`/firm/kentaikyo?month=${v("month")}`);
  }

  async function onAdjust(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    if (Object.keys(errors).length) return forms.invalid("ka-", errors);
    const technician_id = v("technician_id"), site_id = v("site_id");
    const sent = await forms.run("ka-", () => api<Month>("POST", `${base}/adjustments`, {
      json: { technician_id, site_id, work_date: v("work_date"), worked: v("worked") === "true", reason: v("reason") } }));
    if (sent.state !== "done") return;
    m = sent.result;
    form.reset();
    flash(t("kt.adjusted"));
  }

  async function onConfirm() {
    if (!confirm(t("kt.confirm_ask", { month }))) return;
    const sent = await forms.run("kc-", () => api<Month>("POST", `${base}/confirm`, { json: { month } }));
    if (sent.state === "done") {
      m = sent.result;
      flash(t("kt.confirmed", { month }));
    } else if (sent.state === "failed" && sent.error instanceof ApiError && sent.error.code === "kentaikyo_month_confirmed") {
      await reload();
    }
  }

  async function onImport(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const file = fileFrom(form, "file");
    importLines = [];
    if (!file) return forms.invalid("ki-", { file: t("err.required") });
    const sent = await forms.run("ki-", () => api<Imported>("POST", `${base}/imports`, { form: [["file", file], ["filename", file.filename]] }), {
      refusal: (e) => {
        if (!(e instanceof ApiError && e.code === "import_rows_invalid")) return null;
        // Every bad row, by line and column, in the user's language where the code has a text.
        importLines = (e.fields as { field: string; message: string; code?: string }[]).map((f) =>
          `${f.field.replace(/^line (\d+)/, "$1 行目")}: ${(f.code && codeMessage(f.code)) || f.message}`);
        return { errors: {}, message: codeMessage(e.code), busy: false };
      },
    });
    if (sent.state !== "done") return;
    const out = sent.result;
    form.reset();
    flash(t("kt.imported", { rows: out.rows, days: out.days, have: out.already_recorded, n: out.candidates }));
    await reload();
  }

  function table(): TemplateResult {
    if (!m.rows.length) return html`<p data-testid="kt-none">${t("kt.none")}</p>`;
    const last = daysIn(month);
    const adjusted = new Set(m.adjustments.map((a) => `${a.technician_id}/${a.site_id}/${Number(a.work_date.slice(8))}`));
    return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t("kt.title")}><table class="data" data-testid="kt-rows">
      <caption class="vh">${t("kt.title")} ${month}</caption>
      <thead><tr>
        <th scope="col">${t("kt.technician")}</th><th scope="col">${t("kt.site")}</th>
        ${Array.from({ length: last }, (_, i) => html`<th scope="col" class="num">${i + 1}</th>`)}
        <th scope="col" class="num">${t("kt.total")}</th>
      </tr></thead>
      <tbody>${m.rows.map((r) => html`<tr data-technician=${r.technician_id} data-site=${r.site_id}>
        <th scope="row">${r.name}<br><span class="mono">${r.technician_id}</span></th>
        <td>${r.site_name}<br><span class="mono">${r.site_id}</span></td>
        ${Array.from({ length: last }, (_, i) => {
          const day = i + 1;
          const mark = adjusted.has(`${r.technician_id}/${r.site_id}/${day}`) ? "*" : "";
          return html`<td class="num" data-day=${day}>${r.days.includes(day) ? `1${mark}` : mark}</td>`;
        })}
        <td class="num" data-testid="kt-total">${r.total}</td>
      </tr>`)}</tbody>
    </table></div>`;
  }

  return {
    title: () => t("kt.title"),
    render: () => {
      const ka = forms.get("ka-"), kc = forms.get("kc-"), ki = forms.get("ki-"), km = forms.get("km-");
      const open = m.status === "open";
      const techOptions: [string, string][] = [...new Map([
        ...m.rows.map((r) => [r.technician_id, `${r.name}（${r.technician_id}）`] as [string, string]),
        ...employees.filter((e) => e.technician_id).map((e) => [e.technician_id!, `${e.name}（${e.technician_id}）`] as [string, string]),
      ])];
      const siteOptions: [string, string][] = [...new Map([
        ...m.rows.map((r) => [r.site_id, `${r.site_name}（${r.site_id}）`] as [string, string]),
        ...sites.map((x) => [x.site_id, `${x.name}（${x.site_id}）`] as [string, string]),
      ])];
      return html`<section>
        <h1 tabindex="-1">${t("kt.title")}</h1>
        ${firmTabs("/firm/reports")}
        <p class="hint">${t("kt.intro")}</p>
        ${errorSummary(km, ["month"], "km-")}
        <form @submit=${onMonth} novalidate class="inline">
          ${field({ name: "month", prefix: "km-", label: t("kt.month"), type: "month", required: true, value: month, errors: km.errors })}
          <button type="submit">${t("kt.show")}</button>
        </form>
        <p><strong data-testid="kt-status">${t(open ? "kt.status.open" : "kt.status.confirmed")}</strong>
          ${m.confirmed_at ? html` — ${t("kt.confirmed_at", { at: formatDateTime(m.confirmed_at) })}` : nothing}
          — <span data-testid="kt-total-days">${t("kt.total_days", { n: m.total_days })}</span></p>
        ${table()}
        ${m.warnings.length ? html`<section class="notice" aria-labelledby="kt-w"><h2 id="kt-w">${t("kt.warnings")}</h2>
          <ul>${m.warnings.map((w) => html`<li>${w}</li>`)}</ul></section>` : nothing}
        ${m.adjustments.length ? html`<section aria-labelledby="kt-adj-h"><h2 id="kt-adj-h">${t("kt.adjustments")}</h2>
          <ul data-testid="kt-adjustments">${m.adjustments.map((a) => html`<li>${formatDate(a.work_date)} ${a.technician_id} ${a.site_id}:
            ${t(a.worked ? "kt.worked.true" : "kt.worked.false")} — ${a.reason}</li>`)}</ul></section>` : nothing}
        <div class="grid2 wide">
          ${open && techOptions.length && siteOptions.length ? html`<section class="card" aria-labelledby="ka-h">
            <h2 id="ka-h">${t("kt.adjust")}</h2>
            <p class="hint">${t("kt.adjust_intro")}</p>
            ${errorSummary(ka, ["technician_id", "site_id", "work_date", "worked", "reason"], "ka-")}
            <form @submit=${onAdjust} novalidate data-testid="kt-adjust">
              ${field({ name: "technician_id", prefix: "ka-", label: t("kt.technician"), required: true, options: techOptions, value: techOptions[0][0], errors: ka.errors })}
              ${field({ name: "site_id", prefix: "ka-", label: t("kt.site"), required: true, options: siteOptions, value: siteOptions[0][0], errors: ka.errors })}
              ${field({ name: "work_date", prefix: "ka-", label: t("kt.work_date"), type: "date", required: true, value: `${month}-01`, errors: ka.errors })}
              ${field({ name: "worked", prefix: "ka-", label: t("kt.worked"), required: true, value: "true", options: [["true", t("kt.worked.true")], ["false", t("kt.worked.false")]], errors: ka.errors })}
              ${field({ name: "reason", prefix: "ka-", label: t("kt.reason"), maxlength: 500, errors: ka.errors })}
              <button type="submit" ?disabled=${ka.busy}>${t("kt.adjust_save")}</button>
            </form>
          </section>` : nothing}
          <section class="card" aria-labelledby="kc-h">
            <h2 id="kc-h">${open ? t("kt.confirm") : t("kt.export")}</h2>
            ${errorSummary(kc, [], "kc-")}
            ${open
              ? html`<button type="button" class="primary" data-testid="kt-confirm" ?disabled=${kc.busy} @click=${onConfirm}>${t("kt.confirm")}</button>`
              : ENCODINGS.map(([enc, label]) => html`<button type="button" class="primary" data-testid="kt-export-${enc}"
                  ?disabled=${downloads.busy(enc)} @click=${() => downloads.get(enc, `${base}/export?${new URLSearchParams({ month, encoding: enc })}`)}>${t("kt.export")}（${label}）</button> `)}
          </section>
          <section class="card" aria-labelledby="ki-h">
            <h2 id="ki-h">${t("kt.import")}</h2>
            <p class="hint">${t("kt.import_intro")}</p>
            ${errorSummary(ki, ["file"], "ki-")}
            ${importLines.length ? html`<ul class="error-list" data-testid="kt-import-errors">${importLines.map((l) => html`<li>${l}</li>`)}</ul>` : nothing}
            <form @submit=${onImport} novalidate>
              <label for="ki-file">${t("kt.file")}</label>
              <input id="ki-file" name="file" type="file" accept=".csv,text/csv">
              <button type="submit" ?disabled=${ki.busy}>${t("kt.import_run")}</button>
            </form>
          </section>
        </div>
      </section>`;
    },
  };
}
