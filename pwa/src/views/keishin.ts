// 経審 (経営事項審査) from CCUS data in the firm portal: 別紙二 技術職員名簿 with each technician's 業種コード /
// 有資格区分コード / points, the totals and who is left out and why, with each employee's employment start; the
// 工事経歴書 rows and 別紙一 (完成工事高 per industry); W1⑩ (CCUS on every directly contracted site). The tables
// download as CSV or PDF in the form's layout.

import { html, nothing, TemplateResult } from "lit-html";
import { api, get, NetworkError, session } from "../api";
import { flash, update, View } from "../app";
import { download, Forms, send, todayJst, values } from "../forms";
import { getLang, t, tr } from "../i18n";
import { industries, industryName } from "../masters";
import type { Business, CompletedWorks, ContractHistory, KeishinStaff, TechnicianSummary, W1Result, W1Skills } from "../types";
import { checkbox, dl, errorSummary, field, requiredErrors, statusFromError } from "../ui";
import { firmTabs } from "./firm-tabs";

type KTab = "staff" | "works" | "w1";

function businessPk(): number {
  const pk = session.me?.business_pk;
  if (!pk) throw new Error("no business");
  return pk;
}

/** The most recent 31 March on or before today: the usual 審査基準日 (決算日). */
function lastFiscalYearEnd(): string {
  const today = todayJst();
  const y = Number(today.slice(0, 4));
  return today >= `${y}-03-31` ? `${y}-03-31` : `${y - 1}-03-31`;
}

function dayAfterYearBefore(end: string): string {
  const d = new Date(`${end}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() - 1);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function keishinTabs(tab: KTab): TemplateResult {
  const items: [KTab, string, string][] = [
    ["staff", "/firm/keishin", t("keishin.tab_staff")],
    ["works", "/firm/keishin/works", t("keishin.tab_works")],
    ["w1", "/firm/keishin/w1", t("keishin.tab_w1")],
  ];
  return html`<nav class="tabs sub-tabs" aria-label=${t("keishin.tabs")}>
    ${items.map(([k, href, text]) => html`<a href=${href} aria-current=${k === tab ? "page" : "false"}>${text}</a>`)}
  </nav>`;
}

function industryChecks(prefix: string, chosen: Set<string>, error?: string): TemplateResult {
  return html`<fieldset class=${error ? "has-error" : ""} id="f-${prefix}industries" tabindex="-1">
    <legend>${t("keishin.industries")} <span class="req">${t("f.required")}</span></legend>
    ${error ? html`<p class="field-error">${error}</p>` : nothing}
    <div class="industries">
      ${industries.map((i) => html`<div class="field check">
        <input type="checkbox" id="f-${prefix}ind-${i.code}" name="industries" value=${i.code} ?checked=${chosen.has(i.code)} />
        <label for="f-${prefix}ind-${i.code}">${i.code} ${i.name}</label>
      </div>`)}
    </div>
  </fieldset>`;
}

const yen = (n: number) => n.toLocaleString(getLang() === "ja" ? "ja-JP" : "en-GB");

async function defaultIndustries(pk: number): Promise<string[]> {
  const biz = await get<Business>(`/businesses/${pk}`).catch(() => null);
  return biz?.permitted_industries.length ? [...biz.permitted_industries] : ["01"];
}

// The 経審 results explain themselves in sentences (W1⑩ reasons, why a person or a work is left out): result text, not
// refusals, so they are not in the error catalogue. Their Japanese wording lives here, with the view that shows them.
// (Refusals are translated by code: messages/errors.ts.)
const REASONS_JA: [RegExp, string | ((m: RegExpMatchArray) => string)][] = [
  [/^employed since (\S+): not more than 6 months before the base date (\S+)/i, (m) => `入社日 ${m[1]}: 審査基準日 ${m[2]} の6か月前より後です。`],
  [/^W1⑩ applies to base dates from (\S+)/i, (m) => `W1⑩ は審査基準日が ${m[1]} 以降の場合に適用されます。`],
  [/^no directly contracted work in the year$/i, "審査対象年度に元請工事がありません。"],
  [/^(.+): left out \((.+)\)$/, (m) => `${m[1]}: 対象外（${m[2]}）`],
  [/^(.+): work records entered by 直接入力$/, (m) => `${m[1]}: 直接入力による就業履歴があります`],
  [/^(.+): no card reader, face kiosk or private system in use on the site \(直接入力 only\)$/,
    (m) => `${m[1]}: カードリーダー・顔認証端末・民間システムが使われていません（直接入力のみ）`],
  [/^(.+): site and contract not registered in CCUS$/, (m) => `${m[1]}: 現場・契約が CCUS に登録されていません`],
  [/^誓約書 \(様式第6号\) not submitted$/, "誓約書（様式第6号）が提出されていません。"],
  [/^every directly contracted work accumulates in CCUS$/, "すべての元請工事で CCUS に就業履歴を蓄積しています。"],
  [/^every public directly contracted work accumulates in CCUS$/, "すべての公共の元請工事で CCUS に就業履歴を蓄積しています。"],
];

function keishinReason(text: string): string {
  if (getLang() !== "ja") return text;
  for (const [re, ja] of REASONS_JA) {
    const m = text.match(re);
    if (m) return typeof ja === "string" ? ja : ja(m);
  }
  return text;
}

function loadError(e: unknown): string {
  if (e instanceof NetworkError) return navigator.onLine ? t("app.network_error") : t("app.offline_view");
  const st = statusFromError(e);
  return [st.message, ...Object.entries(st.errors).map(([k, v]) => `${k}: ${v}`)].filter(Boolean).join(" ");
}

// --- 別紙二 技術職員名簿 and employment dates ---------------------------------------------------------------------------

export async function keishinStaffView(): Promise<View> {
  const pk = businessPk();
  const forms = new Forms();
  const cond = { base_date: lastFiscalYearEnd(), application_date: "", industries: await defaultIndustries(pk) };
  let staff: KeishinStaff | null = null;
  let staffError = "";
  let employees: TechnicianSummary[] = [];
  let busy = "";

  const query = (format: string, encoding?: string) => {
    const qs = new URLSearchParams({ base_date: cond.base_date, industries: cond.industries.join(","), format });
    if (cond.application_date) qs.set("application_date", cond.application_date);
    if (encoding) qs.set("encoding", encoding);
    return `/businesses/${pk}/keishin/staff?${qs}`;
  };

  async function loadStaff() {
    try {
      staff = await get<KeishinStaff>(query("json"));
      staffError = "";
    } catch (e) {
      if (e instanceof NetworkError && !navigator.onLine) throw e;
      staff = null;
      staffError = loadError(e);
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
    forms.set("ks-", { errors: {}, message: null, busy: true });
    await loadStaff();
    forms.set("ks-", { errors: {}, message: null, busy: false });
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

  async function dl_(key: string, path: string) {
    busy = key;
    update();
    await download(path);
    busy = "";
    update();
  }

  function results(s: KeishinStaff): TemplateResult {
    const applied = s.applied_industries;
    return html`
      <p class="meta">${t("keishin.base_date")}: ${s.base_date} · ${t("keishin.application_date")}: ${s.application_date}
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
                <td>${r.birth_date}<div class="meta">${t("keishin.age", { n: r.age })}</div></td>
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
            <div>${tr("keishin.excl", x.code)}</div><div class="meta">${keishinReason(x.reason)}</div></li>`)}</ul>`
        : html`<p>${t("keishin.none_excluded")}</p>`}
      ${s.notes.length ? html`<h3>${t("keishin.notes")}</h3><ul>${s.notes.map((n) => html`<li>${n}</li>`)}</ul>` : nothing}
      <div class="actions downloads">
        <button type="button" data-testid="staff-csv" ?disabled=${busy === "csv"} @click=${() => dl_("csv", query("csv", "utf-8"))}>${t("keishin.download_csv")}</button>
        <button type="button" ?disabled=${busy === "sjis"} @click=${() => dl_("sjis", query("csv", "shift_jis"))}>${t("keishin.download_csv_sjis")}</button>
        <button type="button" data-testid="staff-pdf" ?disabled=${busy === "pdf"} @click=${() => dl_("pdf", query("pdf"))}>${t("keishin.download_pdf")}</button>
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

// --- 工事経歴書 and 別紙一 ------------------------------------------------------------------------------------------------

export async function keishinWorksView(): Promise<View> {
  const pk = businessPk();
  const forms = new Forms();
  const end = lastFiscalYearEnd();
  const cond = { base_date: end, fiscal_year_end: end, averaging_years: "2", application_date: "", industries: await defaultIndustries(pk) };
  let rows: ContractHistory[] = [];
  let works: CompletedWorks | null = null;
  let worksError = "";
  let busy = "";

  const query = (format: string, encoding?: string) => {
    const qs = new URLSearchParams({ base_date: cond.base_date, fiscal_year_end: cond.fiscal_year_end,
      averaging_years: cond.averaging_years, industries: cond.industries.join(","), format });
    if (cond.application_date) qs.set("application_date", cond.application_date);
    if (encoding) qs.set("encoding", encoding);
    return `/businesses/${pk}/keishin/completed-works?${qs}`;
  };

  async function loadWorks() {
    try {
      works = await get<CompletedWorks>(query("json"));
      worksError = "";
    } catch (e) {
      if (e instanceof NetworkError && !navigator.onLine) throw e;
      works = null;
      worksError = loadError(e);
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
  // exemption) are corrected the same way.
  let editing: number | null = null;
  let rowError: string | null = null;

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
    try {
      const fixed = await api<ContractHistory>("PUT", `/businesses/${pk}/contract-history/${row.id}`, { json: body });
      rows = rows.map((r) => (r.id === row.id ? fixed : r));
      editing = null;
      rowError = null;
      await loadWorks();
      flash(t("keishin.contract_corrected", { name: row.work_name }));
    } catch (e) {
      rowError = statusFromError(e).message ?? Object.values(statusFromError(e).errors).join(" ");
    }
    update();
  }

  async function onDelete(row: ContractHistory) {
    const reason = window.prompt(t("keishin.delete_reason", { name: row.work_name }));
    if (reason === null) return;
    try {
      await api("DELETE", `/businesses/${pk}/contract-history/${row.id}?reason=${encodeURIComponent(reason)}`);
      rows = rows.filter((r) => r.id !== row.id);
      rowError = null;
      await loadWorks();
      flash(t("keishin.contract_deleted", { name: row.work_name }));
    } catch (e) {
      rowError = statusFromError(e).message ?? Object.values(statusFromError(e).errors).join(" ");
    }
    update();
  }

  const correctForm = (r: ContractHistory) => html`<tr><td colspan="6">
    <form class="inline" novalidate @submit=${(ev: SubmitEvent) => onCorrect(ev, r)} data-testid="contract-correct">
      <label>${t("keishin.amount")} <input name="amount_thousand_yen" inputmode="numeric" .value=${String(r.amount_thousand_yen)}></label>
      <label>${t("keishin.industry_code")} <input name="industry_code" maxlength="2" .value=${r.industry_code ?? ""}></label>
      <label><input type="checkbox" name="public" value="true" ?checked=${!!r.public}> ${t("keishin.public_work")}</label>
      <label>${t("keishin.exemption")} <select name="exemption">
        ${(["", "overseas", "minor", "disaster"] as const).map((x) => html`<option value=${x} ?selected=${(r.exemption ?? "") === x}>${t(`keishin.exemption_${x || "none"}` as Parameters<typeof t>[0])}</option>`)}
      </select></label>
      <label>${t("keishin.correction_reason")} <input name="reason" required maxlength="1000"></label>
      <button type="submit">${t("keishin.correct_save")}</button>
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
    forms.set("kw-", { errors: {}, message: null, busy: true });
    await loadWorks();
    forms.set("kw-", { errors: {}, message: null, busy: false });
  }

  async function dl_(key: string, path: string) {
    busy = key;
    update();
    await download(path);
    busy = "";
    update();
  }

  const amount = (a: { completed: number; prime: number }) => html`${yen(a.completed)}<div class="meta">${t("keishin.of_which_prime")} ${yen(a.prime)}</div>`;

  function worksTable(w: CompletedWorks): TemplateResult {
    return html`<p class="meta">${w.fiscal_years.map((fy, i) => `${t("keishin.year_n", { n: i + 1 })}: ${fy.start} – ${fy.end}`).join(" · ")}</p>
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
        ? html`<h3>${t("keishin.works_excluded")}</h3><ul>${w.excluded.map((x) => html`<li>${x.work_name}: ${tr("keishin.excl", x.code)} <span class="meta">${keishinReason(x.reason)}</span></li>`)}</ul>`
        : nothing}
      <div class="actions downloads">
        <button type="button" ?disabled=${busy === "csv"} @click=${() => dl_("csv", query("csv", "utf-8"))}>${t("keishin.download_csv")}</button>
        <button type="button" ?disabled=${busy === "pdf"} @click=${() => dl_("pdf", query("pdf"))}>${t("keishin.download_pdf")}</button>
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
                    <td>${r.started_on ?? "—"} – ${r.completed_on ?? t("keishin.not_completed")}${r.exemption ? html` <span class="badge">${t(`keishin.exemption_${r.exemption}` as Parameters<typeof t>[0])}</span>` : nothing}</td>
                    <td><button type="button" class="link" @click=${() => { editing = editing === r.id ? null : r.id; update(); }}>${t("keishin.correct")}</button>
                      <button type="button" class="link danger" @click=${() => onDelete(r)}>${t("keishin.delete")}</button></td></tr>
                    ${editing === r.id ? correctForm(r) : nothing}`)}</tbody>
                </table>
              </div>
              ${rowError ? html`<p class="error" role="alert">${rowError}</p>` : nothing}`
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

// --- W1⑧ (judged level rises) --------------------------------------------------------------------------------------

function skillsCard(s: W1Skills): TemplateResult {
  return html`<section class="card" aria-labelledby="w18-h">
    <h2 id="w18-h">${t("keishin.w18_title")}</h2>
    <p class="hint">${t("keishin.w18_intro")}</p>
    ${dl([
      [t("keishin.w18_points"), s.points == null
        ? html`<span data-testid="w18-points">${t("keishin.w18_needs_engineers")}</span>`
        : html`<strong class="big" data-testid="w18-points">${t("keishin.points_n", { n: s.points })}</strong>`],
      [t("keishin.w18_technicians"), t("keishin.people_n", { n: s.technicians })],
      [t("keishin.w18_risen"), html`<span data-testid="w18-risen">${t("keishin.people_n", { n: s.risen })}</span>`],
      [t("keishin.w18_deducted"), t("keishin.people_n", { n: s.deducted })],
      [t("keishin.w18_ratio"), s.ratio == null ? "—" : `${(s.ratio * 100).toFixed(1)}%`],
      [t("keishin.w18_skill_value"), s.skill_value_status === "confirmed" ? String(s.skill_value)
        : `${s.skill_value}（${t("keishin.w18_inferred")}）`],
      ...(s.computed_value == null ? [] : [[t("keishin.w18_computed"), String(s.computed_value)] as [string, unknown]]),
    ])}
  </section>`;
}

// --- W1⑩ ------------------------------------------------------------------------------------------------------------

export async function keishinW1View(): Promise<View> {
  const pk = businessPk();
  const forms = new Forms();
  const end = lastFiscalYearEnd();
  const cond = { base_date: end, fiscal_year_start: dayAfterYearBefore(end), pledge_submitted: true, engineers: "", engineer_value: "0" };
  let result: W1Result | null = null;
  let error = "";

  async function load() {
    try {
      const qs = new URLSearchParams({ base_date: cond.base_date, fiscal_year_start: cond.fiscal_year_start,
        pledge_submitted: String(cond.pledge_submitted), engineer_value: cond.engineer_value || "0" });
      if (cond.engineers !== "") qs.set("engineers", cond.engineers);
      result = await get<W1Result>(`/businesses/${pk}/keishin/w1?${qs}`);
      error = "";
    } catch (e) {
      if (e instanceof NetworkError && !navigator.onLine) throw e;
      result = null;
      error = loadError(e);
    }
  }
  await load();

  async function onConditions(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    if (Object.keys(errors).length) return forms.invalid("w1-", errors);
    const engineers = v("engineers").trim();
    const engineerValue = v("engineer_value").trim() || "0";
    if (engineers !== "" && !/^\d{1,6}$/.test(engineers)) errors.engineers = t("keishin.engineers_format");
    if (!/^(10|\d)$/.test(engineerValue)) errors.engineer_value = t("keishin.engineer_value_format");
    if (Object.keys(errors).length) return forms.invalid("w1-", errors);
    Object.assign(cond, { base_date: v("base_date"), fiscal_year_start: v("fiscal_year_start"),
      pledge_submitted: new FormData(form).get("pledge_submitted") === "true", engineers, engineer_value: engineerValue });
    forms.set("w1-", { errors: {}, message: null, busy: true });
    await load();
    forms.set("w1-", { errors: {}, message: null, busy: false });
  }

  return {
    title: () => `${t("keishin.title")} — ${t("keishin.tab_w1")}`,
    refresh: async () => {
      await load();
      update();
    },
    render: () => {
      const st = forms.get("w1-");
      return html`<section>
        <h1 tabindex="-1">${t("keishin.title")} <span class="sub">${t("keishin.tab_w1")}</span></h1>
        ${firmTabs("/firm/keishin")}
        ${keishinTabs("w1")}
        <p>${t("keishin.w1_intro")}</p>
        <section class="card" aria-labelledby="w1c-h">
          <h2 id="w1c-h">${t("keishin.conditions")}</h2>
          ${errorSummary(st, ["base_date", "fiscal_year_start", "engineers", "engineer_value"], "w1-")}
          <form @submit=${onConditions} novalidate>
            <div class="grid2">
              ${field({ name: "base_date", prefix: "w1-", label: t("keishin.base_date"), type: "date", required: true, value: cond.base_date, errors: st.errors })}
              ${field({ name: "fiscal_year_start", prefix: "w1-", label: t("keishin.fiscal_year_start"), type: "date", required: true, value: cond.fiscal_year_start, errors: st.errors })}
            </div>
            ${checkbox({ name: "pledge_submitted", label: t("keishin.pledge"), checked: cond.pledge_submitted, errors: st.errors })}
            <div class="grid2">
              ${field({ name: "engineers", prefix: "w1-", label: t("keishin.engineers"), type: "number", inputmode: "numeric", min: 0, value: cond.engineers, hint: t("keishin.engineers_hint"), errors: st.errors })}
              ${field({ name: "engineer_value", prefix: "w1-", label: t("keishin.engineer_value"), type: "number", inputmode: "numeric", min: 0, max: 10, value: cond.engineer_value, errors: st.errors })}
            </div>
            <button type="submit" class="primary" ?disabled=${st.busy}>${t("keishin.show")}</button>
          </form>
        </section>
        <section class="card" aria-labelledby="w1-h">
          <h2 id="w1-h">${t("keishin.w1_title")}</h2>
          ${error ? html`<p class="notice returned" role="alert">${error}</p>` : nothing}
          ${result
            ? html`${dl([
                [t("keishin.w1_points"), html`<strong class="big" data-testid="w1-points">${t("keishin.points_n", { n: result.points })}</strong>`],
                [t("keishin.w1_considered"), t("keishin.sites_n", { n: result.considered })],
              ])}
              <ul data-testid="w1-reasons">${result.reasons.map((r) => html`<li>${keishinReason(r)}</li>`)}</ul>`
            : nothing}
        </section>
        ${result ? skillsCard(result.skills) : nothing}
      </section>`;
    },
  };
}

