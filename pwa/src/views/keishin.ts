// 経審 (経営事項審査) from CCUS data in the firm portal: 別紙二 技術職員名簿 with each technician's 業種コード /
// 有資格区分コード / points, the totals and who is left out and why, with each employee's employment start; the
// 工事経歴書 rows and 別紙一 (完成工事高 per industry); W1⑩ (CCUS on every directly contracted site). The tables
// download as CSV or PDF in the form's layout.

import { html, nothing, TemplateResult } from "lit-html";
import { get, NetworkError } from "../api";
import { flash, update, View } from "../app";
import { Downloads, Forms, send, values } from "../forms";
import { formatWareki, t, tr } from "../i18n";
import { industryName } from "../masters";
import type { KeishinStaff, TechnicianSummary } from "../types";
import { errorSummary, field, requiredErrors } from "../ui";
import { firmTabs } from "./firm-tabs";
import { businessPk, defaultIndustries, industryChecks, keishinTabs, lastFiscalYearEnd, loadError, why } from "./keishin-common";

export { keishinWorksView } from "./keishin-works";
export { keishinW1View } from "./keishin-w1";

// --- 別紙二 技術職員名簿 and employment dates ---------------------------------------------------------------------------

export async function keishinStaffView(): Promise<View> {
  const pk = businessPk();
  const forms = new Forms();
  const cond = { base_date: lastFiscalYearEnd(), application_date: "", industries: await defaultIndustries(pk) };
  let staff: KeishinStaff | null = null;
  let staffError = "";
  let employees: TechnicianSummary[] = [];
  const downloads = new Downloads();

  const query = (format: string, encoding?: string) => {
    const qs = new URLSearchParams({ base_date: cond.base_date, industries: cond.industries.join(","), format });
    if (cond.application_date) qs.set("application_date", cond.application_date);
    if (encoding) qs.set("encoding", encoding);
    return `/businesses/${pk}/keishin/staff?${qs}`;
  };

  /** The roster for the conditions; asked from the conditions form (`fromForm`), a refusal is the form's to show. */
  async function loadStaff(fromForm = false) {
    try {
      staff = await get<KeishinStaff>(query("json"));
      staffError = "";
    } catch (e) {
      staff = null;
      staffError = fromForm ? "" : loadError(e);
      if (fromForm || (e instanceof NetworkError && !navigator.onLine)) throw e;
    }
  }

  async function load() {
    [employees] = await Promise.all([
      get<TechnicianSummary[]>(`/businesses/${pk}/employees`).then((xs) => xs.filter((e) => e.technician_id)),
      loadStaff(),
    ]);
  }
  await load();

  async function onConditions(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const chosen = new FormData(form).getAll("industries").map(String);
    const errors = requiredErrors(form);
    if (!chosen.length) errors.industries = t("keishin.choose_industry");
    if (Object.keys(errors).length) return forms.invalid("ks-", errors);
    Object.assign(cond, { base_date: v("base_date"), application_date: v("application_date"), industries: chosen });
    await forms.run("ks-", () => loadStaff(true));
  }

  async function onEmployment(ev: SubmitEvent, e: TechnicianSummary) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const key = `emp-${e.id}-`;
    const errors = requiredErrors(form);
    if (Object.keys(errors).length) return forms.invalid(key, errors);
    const since = values(form)("employed_since");
    const sent = await send(forms, key, { ja: `入社日（${e.name}）`, en: `Employment start (${e.name})` },
      { method: "PUT", path: `/businesses/${pk}/employees/${e.id}/employment`, json: { employed_since: since } });
    if (sent.state === "done") {
      await loadStaff();
      flash(t("keishin.employment_saved", { name: e.name, on: since }));
    }
  }

  const dl_ = (key: string, path: string) => downloads.get(key, path);

  function results(s: KeishinStaff): TemplateResult {
    const applied = s.applied_industries;
    return html`
      <p class="meta">${t("keishin.base_date")}: ${formatWareki(s.base_date)} · ${t("keishin.application_date")}: ${formatWareki(s.application_date)}
        · ${t("keishin.industries")}: ${applied.join(", ")}</p>
      <h3 id="staff-rows-h">${t("keishin.rows_title", { n: s.rows.length })}</h3>
      ${s.rows.length
        ? html`<div class="table-wrap" role="region" aria-labelledby="staff-rows-h" tabindex="0">
            <table class="data" data-testid="staff-rows">
              <thead><tr>
                <th scope="col">${t("keishin.serial")}</th><th scope="col">${t("keishin.name")}</th>
                <th scope="col">${t("keishin.birth")}</th><th scope="col">${t("keishin.codes")}</th>
                <th scope="col">${t("keishin.points")}</th>
              </tr></thead>
              <tbody>${s.rows.map((r) => html`<tr>
                <td>${r.serial}</td>
                <th scope="row">${r.name}<div class="meta mono">${r.technician_id}</div>${r.newly_listed ? html`<span class="badge">${t("keishin.new")}</span>` : nothing}</th>
                <td>${formatWareki(r.birth_date)}<div class="meta">${t("keishin.age", { n: r.age })}</div></td>
                <td>${r.groups.map((g) => html`<div class="group">
                  <span title=${industryName(g.industry_code)}>${t("keishin.industry_code")} <strong class="mono">${g.industry_code}</strong></span>
                  / ${t("keishin.qualification_code")} <strong class="mono">${g.qualification_code}</strong>
                  ${g.lecture ? html`<span class="badge">${t("keishin.lecture")}</span>` : nothing}
                </div>`)}</td>
                <td><strong data-testid="applied-points">${r.applied_points}</strong>
                  <div class="meta">${Object.entries(r.points).map(([code, p]) => `${code}: ${p}`).join(" · ")}</div></td>
              </tr>`)}</tbody>
            </table>
          </div>`
        : html`<p>${t("keishin.no_rows")}</p>`}
      <h3 id="totals-h">${t("keishin.totals")}</h3>
      <div class="table-wrap" role="region" aria-labelledby="totals-h" tabindex="0">
        <table class="data" data-testid="staff-totals">
          <thead><tr><th scope="col">${t("keishin.industry_code")}</th><th scope="col">${t("keishin.industry")}</th>
            <th scope="col">${t("keishin.headcount")}</th><th scope="col">${t("keishin.points")}</th></tr></thead>
          <tbody>${s.totals.map((x) => html`<tr class=${x.applied ? "" : "muted"}>
            <td class="mono">${x.industry_code}</td><th scope="row">${x.name}${x.applied ? nothing : html` <span class="meta">(${t("keishin.not_applied")})</span>`}</th>
            <td>${x.headcount}</td><td><strong>${x.points}</strong></td></tr>`)}</tbody>
        </table>
      </div>
      <h3>${t("keishin.excluded", { n: s.excluded.length })}</h3>
      ${s.excluded.length
        ? html`<ul class="list excluded" data-testid="staff-excluded">${s.excluded.map((x) => html`<li>
            <strong>${x.name}</strong> <span class="mono meta">${x.technician_id}</span>
            <div>${tr("keishin.excl", x.code)}</div><div class="meta">${why(x)}</div></li>`)}</ul>`
        : html`<p>${t("keishin.none_excluded")}</p>`}
      ${s.notes.length ? html`<h3>${t("keishin.notes")}</h3><ul>${s.notes.map((n) => html`<li>${why(n)}</li>`)}</ul>` : nothing}
      <div class="actions downloads">
        <button type="button" data-testid="staff-csv" ?disabled=${downloads.busy("csv")} @click=${() => dl_("csv", query("csv", "utf-8"))}>${t("keishin.download_csv")}</button>
        <button type="button" ?disabled=${downloads.busy("sjis")} @click=${() => dl_("sjis", query("csv", "shift_jis"))}>${t("keishin.download_csv_sjis")}</button>
        <button type="button" data-testid="staff-pdf" ?disabled=${downloads.busy("pdf")} @click=${() => dl_("pdf", query("pdf"))}>${t("keishin.download_pdf")}</button>
      </div>`;
  }

  return {
    title: () => `${t("keishin.title")} — ${t("keishin.tab_staff")}`,
    refresh: async () => {
      await load();
      update();
    },
    render: () => {
      const st = forms.get("ks-");
      return html`<section>
        <h1 tabindex="-1">${t("keishin.title")} <span class="sub">${t("keishin.tab_staff")}</span></h1>
        ${firmTabs("/firm/keishin")}
        ${keishinTabs("staff")}
        <p>${t("keishin.staff_intro")}</p>
        <section class="card" aria-labelledby="cond-h">
          <h2 id="cond-h">${t("keishin.conditions")}</h2>
          ${errorSummary(st, ["base_date", "application_date", "industries"], "ks-")}
          <form @submit=${onConditions} novalidate>
            <div class="grid2">
              ${field({ name: "base_date", prefix: "ks-", label: t("keishin.base_date"), type: "date", required: true, value: cond.base_date, hint: t("keishin.base_date_hint"), errors: st.errors })}
              ${field({ name: "application_date", prefix: "ks-", label: t("keishin.application_date_optional"), type: "date", value: cond.application_date, errors: st.errors })}
            </div>
            ${industryChecks("ks-", new Set(cond.industries), st.errors.industries)}
            <button type="submit" class="primary" ?disabled=${st.busy}>${t("keishin.show")}</button>
          </form>
        </section>
        <section class="card" aria-labelledby="staff-h">
          <h2 id="staff-h">${t("keishin.staff_title")}</h2>
          ${staffError ? html`<p class="notice returned" role="alert">${staffError}</p>` : nothing}
          ${staff ? results(staff) : nothing}
        </section>
        <section class="card" aria-labelledby="emp-h" id="employment">
          <h2 id="emp-h">${t("keishin.employment_title")}</h2>
          <p class="hint">${t("keishin.employment_intro")}</p>
          ${employees.length
            ? html`<ul class="list employment" data-testid="employment">${employees.map((e) => {
                const key = `emp-${e.id}-`;
                const es = forms.get(key);
                return html`<li data-employee=${e.id}>
                  ${errorSummary(es, ["employed_since"], key)}
                  <form class="inline-form" @submit=${(ev: SubmitEvent) => onEmployment(ev, e)} novalidate>
                    ${field({ name: "employed_since", prefix: key, label: t("keishin.employed_since", { name: e.name }), type: "date", required: true, errors: es.errors })}
                    <button type="submit" ?disabled=${es.busy}>${t("me.save")}</button>
                  </form>
                </li>`;
              })}</ul>`
            : html`<p>${t("firm.no_employees")}</p>`}
        </section>
      </section>`;
    },
  };
}
