// 経審: the 工事経歴書 rows (entered, corrected and deleted with a reason) and 別紙一 (完成工事高 per industry).

import { html, nothing, TemplateResult } from "lit-html";
import { ifDefined } from "lit-html/directives/if-defined.js";
import { api, get, NetworkError } from "../api";
import { flash, update, View } from "../app";
import { Downloads, Forms, send, values } from "../forms";
import { formatWareki, t, tr } from "../i18n";
import { industries } from "../masters";
import type { CompletedWorks, ContractHistory } from "../types";
import { checkbox, errorSummary, field, requiredErrors } from "../ui";
import { firmTabs } from "./firm-tabs";
import { businessPk, defaultIndustries, industryChecks, keishinTabs, lastFiscalYearEnd, loadError, why, yen } from "./keishin-common";

// --- 工事経歴書 and 別紙一 ------------------------------------------------------------------------------------------------

export async function keishinWorksView(): Promise<View> {
  const pk = businessPk();
  const forms = new Forms();
  const end = lastFiscalYearEnd();
  const cond = { base_date: end, fiscal_year_end: end, averaging_years: "2", application_date: "", industries: await defaultIndustries(pk) };
  let rows: ContractHistory[] = [];
  let works: CompletedWorks | null = null;
  let worksError = "";
  const downloads = new Downloads();

  const query = (format: string, encoding?: string) => {
    const qs = new URLSearchParams({ base_date: cond.base_date, fiscal_year_end: cond.fiscal_year_end,
      averaging_years: cond.averaging_years, industries: cond.industries.join(","), format });
    if (cond.application_date) qs.set("application_date", cond.application_date);
    if (encoding) qs.set("encoding", encoding);
    return `/businesses/${pk}/keishin/completed-works?${qs}`;
  };

  /** The table for the conditions; asked from the conditions form (`fromForm`), a refusal is the form's to show. */
  async function loadWorks(fromForm = false) {
    try {
      works = await get<CompletedWorks>(query("json"));
      worksError = "";
    } catch (e) {
      works = null;
      worksError = fromForm ? "" : loadError(e);
      if (fromForm || (e instanceof NetworkError && !navigator.onLine)) throw e;
    }
  }

  async function load() {
    [rows] = await Promise.all([get<ContractHistory[]>(`/businesses/${pk}/contract-history`), loadWorks()]);
  }
  await load();

  async function onAdd(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    const amount = v("amount_thousand_yen").replace(/[,，\s]/g, "");
    if (amount && !/^\d+$/.test(amount)) errors.amount_thousand_yen = t("keishin.amount_format");
    if (Object.keys(errors).length) return forms.invalid("ch-", errors);
    const body = {
      customer: v("customer"), work_name: v("work_name"), prime: new FormData(form).get("prime") === "true",
      location: v("location"), amount_thousand_yen: Number(amount), started_on: v("started_on") || null,
      completed_on: v("completed_on") || null, industry_code: v("industry_code") || null, breakdown_code: v("breakdown_code") || null,
    };
    const sent = await send<ContractHistory>(forms, "ch-", { ja: `工事経歴書（${body.work_name}）`, en: `Contract history (${body.work_name})` },
      { method: "POST", path: `/businesses/${pk}/contract-history`, json: body });
    if (sent.state === "failed") return;
    form.reset();
    if (sent.state === "done") {
      rows = [...rows, sent.result];
      await loadWorks();
      flash(t("keishin.contract_added", { name: body.work_name }));
    }
  }

  // 工事経歴書 rows are corrected and deleted with a reason (kept in the audit trail); the W1⑩ fields (public,
  // exemption) are corrected the same way. Both are one form for the table ("cr-"): one request at a time, a refusal
  // in the summary under the table, linking to the correction's fields.
  let editing: number | null = null;
  const rowForm = forms.form("cr-");

  async function onCorrect(ev: SubmitEvent, row: ContractHistory) {
    ev.preventDefault();
    const fd = new FormData(ev.target as HTMLFormElement);
    const exemption = String(fd.get("exemption") || "");
    const body = {
      customer: row.customer, work_name: row.work_name, prime: row.prime, location: row.location,
      amount_thousand_yen: Number(String(fd.get("amount_thousand_yen") || row.amount_thousand_yen).replace(/[,，\s]/g, "")),
      started_on: row.started_on, completed_on: row.completed_on, industry_code: String(fd.get("industry_code") || row.industry_code),
      breakdown_code: row.breakdown_code, site_id: row.site_id ?? null, public: fd.get("public") === "true",
      exemption: exemption || null, reason: String(fd.get("reason") || ""),
    };
    await rowForm.action(() => api<ContractHistory>("PUT", `/businesses/${pk}/contract-history/${row.id}`, { json: body }), {
      done: async (fixed) => {
        rows = rows.map((r) => (r.id === row.id ? fixed : r));
        editing = null;
        await loadWorks();
        flash(t("keishin.contract_corrected", { name: row.work_name }));
      },
    });
  }

  async function onDelete(row: ContractHistory) {
    if (rowForm.status.busy) return; // not even asked while the previous request runs
    const reason = window.prompt(t("keishin.delete_reason", { name: row.work_name }));
    if (reason === null) return;
    await rowForm.action(() => api("DELETE", `/businesses/${pk}/contract-history/${row.id}?reason=${encodeURIComponent(reason)}`), {
      done: async () => {
        rows = rows.filter((r) => r.id !== row.id);
        await loadWorks();
        flash(t("keishin.contract_deleted", { name: row.work_name }));
      },
    });
  }

  const CORRECT_FIELDS = ["amount_thousand_yen", "industry_code", "public", "exemption", "reason"];
  const invalid = (name: string) => (rowForm.status.errors[name] ? "true" : undefined);
  const correctForm = (r: ContractHistory) => html`<tr><td colspan="6">
    <form class="inline" novalidate @submit=${(ev: SubmitEvent) => onCorrect(ev, r)} data-testid="contract-correct">
      <label>${t("keishin.amount")} <input id="f-cr-amount_thousand_yen" name="amount_thousand_yen" inputmode="numeric" aria-invalid=${ifDefined(invalid("amount_thousand_yen"))} .value=${String(r.amount_thousand_yen)}></label>
      <label>${t("keishin.industry_code")} <input id="f-cr-industry_code" name="industry_code" maxlength="2" aria-invalid=${ifDefined(invalid("industry_code"))} .value=${r.industry_code ?? ""}></label>
      <label><input id="f-cr-public" type="checkbox" name="public" value="true" ?checked=${!!r.public}> ${t("keishin.public_work")}</label>
      <label>${t("keishin.exemption")} <select id="f-cr-exemption" name="exemption">
        ${(["", "overseas", "minor", "disaster"] as const).map((x) => html`<option value=${x} ?selected=${(r.exemption ?? "") === x}>${t(`keishin.exemption_${x || "none"}` as Parameters<typeof t>[0])}</option>`)}
      </select></label>
      <label>${t("keishin.correction_reason")} <input id="f-cr-reason" name="reason" required maxlength="1000" aria-invalid=${ifDefined(invalid("reason"))}></label>
      <button type="submit" ?disabled=${rowForm.status.busy}>${t("keishin.correct_save")}</button>
    </form></td></tr>`;

  async function onConditions(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const chosen = new FormData(form).getAll("industries").map(String);
    const errors = requiredErrors(form);
    if (!chosen.length) errors.industries = t("keishin.choose_industry");
    if (Object.keys(errors).length) return forms.invalid("kw-", errors);
    Object.assign(cond, { base_date: v("base_date"), fiscal_year_end: v("fiscal_year_end"), averaging_years: v("averaging_years"),
      application_date: v("application_date"), industries: chosen });
    await forms.run("kw-", () => loadWorks(true));
  }

  const dl_ = (key: string, path: string) => downloads.get(key, path);

  const amount = (a: { completed: number; prime: number }) => html`${yen(a.completed)}<div class="meta">${t("keishin.of_which_prime")} ${yen(a.prime)}</div>`;

  function worksTable(w: CompletedWorks): TemplateResult {
    return html`<p class="meta">${w.fiscal_years.map((fy, i) => `${t("keishin.year_n", { n: i + 1 })}: ${formatWareki(fy.start)} – ${formatWareki(fy.end)}`).join(" · ")}</p>
      <div class="table-wrap" role="region" aria-labelledby="works-h" tabindex="0">
        <table class="data" data-testid="completed-works">
          <thead><tr><th scope="col">${t("keishin.work_kind")}</th>
            ${w.fiscal_years.map((_, i) => html`<th scope="col">${t("keishin.year_n", { n: i + 1 })}</th>`)}
            <th scope="col">${t("keishin.average", { n: w.averaging_years })}</th></tr></thead>
          <tbody>${w.rows.map((r) => html`<tr class="kind-${r.kind}">
            <th scope="row">${r.code ? html`<span class="mono">${r.code}</span> ` : nothing}${r.name}</th>
            ${r.years.map((y) => html`<td>${amount(y)}</td>`)}
            <td><strong>${amount(r.average)}</strong></td></tr>`)}</tbody>
        </table>
      </div>
      ${w.excluded.length
        ? html`<h3>${t("keishin.works_excluded")}</h3><ul>${w.excluded.map((x) => html`<li>${x.work_name}: ${tr("keishin.excl", x.code)} <span class="meta">${why(x)}</span></li>`)}</ul>`
        : nothing}
      <div class="actions downloads">
        <button type="button" ?disabled=${downloads.busy("csv")} @click=${() => dl_("csv", query("csv", "utf-8"))}>${t("keishin.download_csv")}</button>
        <button type="button" ?disabled=${downloads.busy("pdf")} @click=${() => dl_("pdf", query("pdf"))}>${t("keishin.download_pdf")}</button>
      </div>`;
  }

  return {
    title: () => `${t("keishin.title")} — ${t("keishin.tab_works")}`,
    refresh: async () => {
      await load();
      update();
    },
    render: () => {
      const st = forms.get("ch-");
      const kw = forms.get("kw-");
      return html`<section>
        <h1 tabindex="-1">${t("keishin.title")} <span class="sub">${t("keishin.tab_works")}</span></h1>
        ${firmTabs("/firm/keishin")}
        ${keishinTabs("works")}
        <section class="card" aria-labelledby="ch-h">
          <h2 id="ch-h">${t("keishin.contracts_title", { n: rows.length })}</h2>
          ${rows.length
            ? html`<div class="table-wrap" role="region" aria-labelledby="ch-h" tabindex="0">
                <table class="data" data-testid="contract-history">
                  <thead><tr><th scope="col">${t("keishin.work_name")}</th><th scope="col">${t("keishin.customer")}</th>
                    <th scope="col">${t("keishin.industry_code")}</th><th scope="col">${t("keishin.amount")}</th>
                    <th scope="col">${t("keishin.period")}</th><th scope="col">${t("keishin.row_actions")}</th></tr></thead>
                  <tbody>${rows.map((r) => html`<tr>
                    <th scope="row">${r.work_name}${r.prime ? html` <span class="badge">${t("keishin.prime")}</span>` : nothing}<div class="meta">${r.location}</div></th>
                    <td>${r.customer}</td>
                    <td class="mono">${r.industry_code ?? "—"}${r.breakdown_code ? ` / ${r.breakdown_code}` : ""}</td>
                    <td>${yen(r.amount_thousand_yen)}</td>
                    <td>${r.started_on ? formatWareki(r.started_on) : "—"} – ${r.completed_on ? formatWareki(r.completed_on) : t("keishin.not_completed")}${r.exemption ? html` <span class="badge">${t(`keishin.exemption_${r.exemption}` as Parameters<typeof t>[0])}</span>` : nothing}</td>
                    <td><button type="button" class="link" @click=${() => { editing = editing === r.id ? null : r.id; update(); }}>${t("keishin.correct")}</button>
                      <button type="button" class="link danger" ?disabled=${rowForm.status.busy} @click=${() => onDelete(r)}>${t("keishin.delete")}</button></td></tr>
                    ${editing === r.id ? correctForm(r) : nothing}`)}</tbody>
                </table>
              </div>
              ${errorSummary(rowForm.status, editing === null ? [] : CORRECT_FIELDS, "cr-")}`
            : html`<p>${t("keishin.no_contracts")}</p>`}
          <h3>${t("keishin.add_contract")}</h3>
          ${errorSummary(st, ["customer", "work_name", "location", "amount_thousand_yen", "started_on", "completed_on", "industry_code", "breakdown_code"], "ch-")}
          <form @submit=${onAdd} novalidate>
            <div class="grid2">
              ${field({ name: "work_name", prefix: "ch-", label: t("keishin.work_name"), required: true, maxlength: 200, errors: st.errors })}
              ${field({ name: "customer", prefix: "ch-", label: t("keishin.customer"), required: true, maxlength: 200, errors: st.errors })}
              ${field({ name: "location", prefix: "ch-", label: t("keishin.location"), required: true, maxlength: 200, errors: st.errors })}
              ${field({ name: "amount_thousand_yen", prefix: "ch-", label: t("keishin.amount"), required: true, inputmode: "numeric", errors: st.errors })}
              ${field({ name: "started_on", prefix: "ch-", label: t("keishin.started_on"), type: "date", errors: st.errors })}
              ${field({ name: "completed_on", prefix: "ch-", label: t("keishin.completed_on"), type: "date", hint: t("keishin.completed_hint"), errors: st.errors })}
              ${field({ name: "industry_code", prefix: "ch-", label: t("keishin.industry"), required: true,
                options: industries.map((i) => [i.code, `${i.code} ${i.name}`]), errors: st.errors })}
              ${field({ name: "breakdown_code", prefix: "ch-", label: t("keishin.breakdown_code"), inputmode: "numeric", maxlength: 3, pattern: "\\d{3}", hint: t("keishin.breakdown_hint"), errors: st.errors })}
            </div>
            ${checkbox({ name: "prime", label: t("keishin.prime_label"), checked: false, errors: st.errors })}
            <button type="submit" class="primary" ?disabled=${st.busy}>${t("keishin.add_contract")}</button>
          </form>
        </section>
        <section class="card" aria-labelledby="works-h">
          <h2 id="works-h">${t("keishin.works_title")}</h2>
          ${errorSummary(kw, ["base_date", "fiscal_year_end", "averaging_years", "application_date", "industries"], "kw-")}
          <form @submit=${onConditions} novalidate>
            <div class="grid2">
              ${field({ name: "base_date", prefix: "kw-", label: t("keishin.base_date"), type: "date", required: true, value: cond.base_date, errors: kw.errors })}
              ${field({ name: "fiscal_year_end", prefix: "kw-", label: t("keishin.fiscal_year_end"), type: "date", required: true, value: cond.fiscal_year_end, errors: kw.errors })}
              ${field({ name: "averaging_years", prefix: "kw-", label: t("keishin.averaging_years"), required: true, hideRequiredMark: true, value: cond.averaging_years,
                options: [["2", t("keishin.years_n", { n: 2 })], ["3", t("keishin.years_n", { n: 3 })]], errors: kw.errors })}
              ${field({ name: "application_date", prefix: "kw-", label: t("keishin.application_date_optional"), type: "date", value: cond.application_date, errors: kw.errors })}
            </div>
            ${industryChecks("kw-", new Set(cond.industries), kw.errors.industries)}
            <button type="submit" class="primary" ?disabled=${kw.busy}>${t("keishin.show")}</button>
          </form>
          ${worksError ? html`<p class="notice returned" role="alert">${worksError}</p>` : nothing}
          ${works ? worksTable(works) : nothing}
        </section>
      </section>`;
    },
  };
}
