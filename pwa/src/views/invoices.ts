// Invoices for the one who pays them (a firm's admin at /firm/invoices, a technician at /me/invoices) and for the
// operator (/admin/invoices, with the monthly closes): the list, one invoice with its lines, credit notes and
// payments, the PDF and the receipt, and paying online (card or konbini through the payment provider).
//
// Paying is never queued: the provider's answer is needed at once. The money is recorded when the provider's webhook
// reaches the API, so after starting a payment the page polls the invoice until it is paid.

import { html, nothing, TemplateResult } from "lit-html";
import { get, session } from "../api";
import { flash, navigate, update, View } from "../app";
import type { BillingRun, Charge, Invoice } from "../billing-types";
import type { BatchRun } from "../types";
import { confirmAction } from "../confirm";
import { Forms, send, todayJst, values } from "../forms";
import { formatDate, formatDateTime, formatYen, t } from "../i18n";
import { badge, checkbox, errorSummary, field } from "../ui";
import { firmTabs } from "./firm-tabs";
import { technicianTabs } from "./technician";
import { BASE, monthLabel, periodText, Scope } from "./invoices-common";

export type { Scope } from "./invoices-common";
export { invoiceView } from "./invoice";

/** The month the close takes when none is given: the previous one (Japan time). */
function previousMonth(): string {
  const [y, m] = todayJst().split("-").map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

function listPath(scope: Scope, query: URLSearchParams): string {
  const qs = new URLSearchParams();
  for (const k of ["status", "period", "q", "overdue"]) if (query.get(k)) qs.set(k, query.get(k)!);
  const q = qs.toString() ? `?${qs}` : "";
  if (scope === "firm") return `/businesses/${session.me?.business_pk}/invoices${q}`;
  if (scope === "admin") return `/admin/invoices${q}`;
  return `/invoices${q}`;
}

function tabs(scope: Scope): TemplateResult | typeof nothing {
  if (scope === "firm") return firmTabs("/firm/invoices");
  if (scope === "me" && session.me?.technician_pk) return technicianTabs("invoices", true, session.me.technician_pk);
  return nothing;
}

function invoiceTable(scope: Scope, rows: Invoice[]): TemplateResult {
  if (!rows.length) return html`<p data-testid="no-invoices">${t("invoice.none")}</p>`;
  const payer = scope === "admin";
  // On a phone each row is a card (styles.css .cards): every cell says what it is (data-label).
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t("invoice.list")}><table class="data cards" data-testid="invoices">
    <caption class="vh">${t("invoice.list")}</caption>
    <thead><tr>
      <th scope="col">${t("invoice.number")}</th>${payer ? html`<th scope="col">${t("invoice.payer")}</th>` : nothing}<th scope="col">${t("invoice.period")}</th>
      <th scope="col">${t("invoice.issued_on")}</th><th scope="col">${t("invoice.due_on")}</th>
      <th scope="col" class="num">${t("invoice.total")}</th><th scope="col" class="num">${t("invoice.balance")}</th>
      <th scope="col">${t("invoice.payment_status")}</th>
    </tr></thead>
    <tbody>${rows.map((i) => html`<tr data-invoice=${i.id}>
      <th scope="row" data-label=${t("invoice.number")}><a href="${BASE[scope]}/${i.id}" class="mono">${i.number}</a></th>
      ${payer ? html`<td data-label=${t("invoice.payer")} data-testid="payer">${i.payer_name ?? "—"}</td>` : nothing}
      <td data-label=${t("invoice.period")}>${periodText(i)}</td><td data-label=${t("invoice.issued_on")}>${formatDate(i.issued_on)}</td>
      <td data-label=${t("invoice.due_on")}>${formatDate(i.due_on)}</td>
      <td class="num" data-label=${t("invoice.total")}>${formatYen(i.total_yen)}</td><td class="num" data-label=${t("invoice.balance")}>${formatYen(i.balance_yen)}</td>
      <td data-label=${t("invoice.payment_status")}>${badge("paystatus", i.payment_status)}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

export async function invoicesView(scope: Scope, query: URLSearchParams): Promise<View> {
  const forms = new Forms();
  const load = async () => {
    const [rows, charges, runs] = await Promise.all([
      get<Invoice[]>(listPath(scope, query)),
      scope === "firm" ? get<Charge[]>(`/businesses/${session.me?.business_pk}/charges`) : Promise.resolve([] as Charge[]),
      scope === "admin" ? get<BillingRun[]>("/admin/billing/runs") : Promise.resolve([] as BillingRun[]),
    ]);
    return { rows, charges, runs };
  };
  let d = await load();

  async function onClose(ev: SubmitEvent) {
    ev.preventDefault();
    const v = values(ev.target as HTMLFormElement);
    const period = v("period");
    if (period && !/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) return forms.invalid("close-", { period: t("reports.month_format") });
    const named = monthLabel(period || previousMonth());
    if (!(await confirmAction({ title: t("invoice.close_confirm_title", { month: named }),
      body: t("invoice.close_confirm_body", { month: named }), confirm: t("invoice.close_confirm_run"), danger: true }))) return;
    const sent = await send<{ run_id: number; period: string; already_running: boolean }>(forms, "close-", { ja: `月次締め（${period}）`, en: `Monthly close (${period})` },
      { method: "POST", path: "/admin/billing/close", json: period ? { period } : {} });
    if (sent.state !== "done") return;
    // The close runs as a batch: wait a little for it, then say what it did in words (month, counts), never its id.
    const month = monthLabel(sent.result.period);
    const run = await finishedRun(sent.result.run_id);
    d = await load();
    if (run?.status === "done") {
      const c = run.counts;
      flash(t("invoice.close_done", { month, invoices: c.invoices ?? 0, yen: formatYen(c.invoiced_yen ?? 0),
        usage: c.usage_charges ?? 0, renewals: c.renewal_charges ?? 0, carried: c.carried_businesses ?? 0 }));
    } else if (run?.status === "failed") {
      flash(t("invoice.close_failed", { month }), "error");
    } else {
      flash(t(sent.result.already_running ? "invoice.close_running" : "invoice.close_started", { month }));
    }
  }

  /** The batch run once it has finished, or null if it is still queued or running after a few seconds (a long close:
   * the list of closes below shows it when it ends). */
  async function finishedRun(id: number): Promise<BatchRun | null> {
    for (let i = 0; i < 20; i++) {
      try {
        const run = await get<BatchRun>(`/admin/batches/runs/${id}`);
        if (run.status === "done" || run.status === "failed") return run;
      } catch {
        return null;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    return null;
  }

  function onFilter(ev: SubmitEvent) {
    ev.preventDefault();
    const v = values(ev.target as HTMLFormElement);
    const next = new URLSearchParams();
    if (v("status")) next.set("status", v("status"));
    if (/^\d{4}-\d{2}$/.test(v("period"))) next.set("period", v("period"));
    if (v("q").trim()) next.set("q", v("q").trim());
    if ((ev.target as HTMLFormElement).querySelector<HTMLInputElement>("#f-overdue")?.checked) next.set("overdue", "true");
    void navigate(`${BASE[scope]}${next.toString() ? `?${next}` : ""}`);
  }

  const filters = () => html`<form class="filters" role="search" @submit=${onFilter} aria-label=${t("invoice.filter")}>
    ${field({ name: "q", prefix: "q-", label: t("invoice.search"), type: "search", value: query.get("q") ?? "", maxlength: 100,
      hint: scope === "admin" ? t("invoice.search_hint_admin") : t("invoice.search_hint"), errors: {} })}
    ${field({ name: "status", prefix: "q-", label: t("invoice.status_filter"), value: query.get("status") ?? "", emptyLabel: t("invoice.all"),
      options: [["open", t("invoice.status.open")], ["paid", t("invoice.status.paid")]], errors: {} })}
    ${field({ name: "period", prefix: "q-", label: t("invoice.period"), type: "month", value: query.get("period") ?? "", placeholder: "2026-04", errors: {} })}
    ${checkbox({ name: "overdue", label: t("invoice.overdue_only"), checked: query.get("overdue") === "true", errors: {} })}
    <button type="submit">${t("invoice.apply_filter")}</button>
  </form>`;

  const chargesSection = () => {
    const total = d.charges.reduce((s, c) => s + c.amount_yen, 0);
    return html`<section class="card" aria-labelledby="charges-h">
      <h2 id="charges-h">${t("invoice.charges")}</h2>
      <p class="hint">${t("invoice.charges_intro")}</p>
      ${d.charges.length
        ? html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t("invoice.charges")}><table class="data" data-testid="charges">
            <caption class="vh">${t("invoice.charges")}</caption>
            <thead><tr><th scope="col">${t("invoice.event_date")}</th><th scope="col">${t("invoice.item")}</th>
              <th scope="col" class="num">${t("invoice.quantity")}</th><th scope="col" class="num">${t("invoice.amount")}</th></tr></thead>
            <tbody>${d.charges.map((c) => html`<tr><td>${formatDate(c.event_date)}</td><td>${c.label}</td>
              <td class="num">${c.quantity}</td><td class="num">${formatYen(c.amount_yen)}</td></tr>`)}</tbody>
            <tfoot><tr><th scope="row" colspan="3">${t("invoice.charges_total")}</th><td class="num">${formatYen(total)}</td></tr></tfoot>
          </table></div>`
        : html`<p>${t("invoice.no_charges")}</p>`}
    </section>`;
  };

  const runsSection = () => {
    const st = forms.get("close-");
    return html`<section class="card" aria-labelledby="runs-h">
      <h2 id="runs-h">${t("invoice.runs")}</h2>
      ${errorSummary(st, ["period"], "close-")}
      <form class="inline-form" @submit=${onClose} novalidate>
        ${field({ name: "period", prefix: "close-", label: t("invoice.close_period"), type: "month", hint: t("invoice.close_hint"), placeholder: "2026-04", errors: st.errors })}
        <button type="submit" class="primary" ?disabled=${st.busy}>${t("invoice.close_run")}</button>
      </form>
      ${d.runs.length
        ? html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t("invoice.runs")}><table class="data" data-testid="billing-runs">
            <caption class="vh">${t("invoice.runs")}</caption>
            <thead><tr><th scope="col">${t("invoice.period")}</th><th scope="col">${t("invoice.run_finished")}</th>
              <th scope="col" class="num">${t("invoice.run_invoices")}</th><th scope="col" class="num">${t("invoice.run_amount")}</th>
              <th scope="col" class="num">${t("invoice.run_carried")}</th></tr></thead>
            <tbody>${d.runs.map((r) => html`<tr><th scope="row">${r.period.slice(0, 7)}</th>
              <td>${r.finished_at ? formatDateTime(r.finished_at) : t("invoice.run_running")}</td>
              <td class="num">${r.invoices}</td><td class="num">${formatYen(r.invoiced_yen)}</td><td class="num">${r.carried_businesses}</td></tr>`)}</tbody>
          </table></div>`
        : html`<p>${t("invoice.no_runs")}</p>`}
    </section>`;
  };

  const title = () => (scope === "admin" ? t("invoice.admin_title") : t("invoice.title"));
  return {
    title,
    refresh: async () => {
      d = await load();
      update();
    },
    render: () => html`<section>
      <h1 tabindex="-1">${title()}</h1>
      ${tabs(scope)}
      ${scope === "me" ? html`<p class="hint">${t("invoice.me_intro")}</p>` : nothing}
      ${filters()}
      ${invoiceTable(scope, d.rows)}
      ${scope === "firm" ? chargesSection() : nothing}
      ${scope === "admin" ? runsSection() : nothing}
    </section>`,
  };
}
