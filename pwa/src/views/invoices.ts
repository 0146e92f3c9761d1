// Invoices for the one who pays them (a firm's admin at /firm/invoices, a technician at /me/invoices) and for the
// operator (/admin/invoices, with the monthly closes): the list, one invoice with its lines, credit notes and
// payments, the PDF and the receipt, and paying online (card or konbini through the payment provider).
//
// Paying is never queued: the provider's answer is needed at once. The money is recorded when the provider's webhook
// reaches the API, so after starting a payment the page polls the invoice until it is paid.

import { html, nothing, TemplateResult } from "lit-html";
import { api, ApiError, get, NetworkError, session } from "../api";
import { flash, navigate, update, View } from "../app";
import type { BillingRun, Charge, Invoice, InvoiceDetail, PayOut } from "../billing-types";
import { confirmAction } from "../confirm";
import { download, Forms, send, todayJst, values } from "../forms";
import { formatDateTime, formatYen, getLang, t, tr } from "../i18n";
import { badge, dl, errorSummary, field, statusFromError } from "../ui";
import { firmTabs } from "./firm-tabs";
import { technicianTabs } from "./technician";

/** "2026-11" → 2026年11月 / November 2026, in the page's language. */
function monthLabel(period: string): string {
  const [y, m] = period.split("-").map(Number);
  return t("invoice.month_label", { y, m, en: new Date(Date.UTC(y, m - 1, 1)).toLocaleString("en", { month: "long", timeZone: "UTC" }) });
}

/** The month the close takes when none is given: the previous one (Japan time). */
function previousMonth(): string {
  const [y, m] = todayJst().split("-").map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

export type Scope = "firm" | "me" | "admin";

const BASE: Record<Scope, string> = { firm: "/firm/invoices", me: "/me/invoices", admin: "/admin/invoices" };
const POLL_MS = 3000;
const POLL_LIMIT_MS = 15 * 60_000;

function listPath(scope: Scope, query: URLSearchParams): string {
  const qs = new URLSearchParams();
  for (const k of ["status", "period"]) if (query.get(k)) qs.set(k, query.get(k)!);
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

function periodText(inv: Invoice): string {
  return inv.period ? inv.period.slice(0, 7) : tr("invoice.kind", inv.kind);
}

function invoiceTable(scope: Scope, rows: Invoice[]): TemplateResult {
  if (!rows.length) return html`<p data-testid="no-invoices">${t("invoice.none")}</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t("invoice.list")}><table class="data" data-testid="invoices">
    <caption class="vh">${t("invoice.list")}</caption>
    <thead><tr>
      <th scope="col">${t("invoice.number")}</th><th scope="col">${t("invoice.period")}</th>
      <th scope="col">${t("invoice.issued_on")}</th><th scope="col">${t("invoice.due_on")}</th>
      <th scope="col" class="num">${t("invoice.total")}</th><th scope="col" class="num">${t("invoice.balance")}</th>
      <th scope="col">${t("invoice.payment_status")}</th>
    </tr></thead>
    <tbody>${rows.map((i) => html`<tr data-invoice=${i.id}>
      <th scope="row"><a href="${BASE[scope]}/${i.id}" class="mono">${i.number}</a></th>
      <td>${periodText(i)}</td><td>${i.issued_on}</td><td>${i.due_on}</td>
      <td class="num">${formatYen(i.total_yen)}</td><td class="num">${formatYen(i.balance_yen)}</td>
      <td>${badge("paystatus", i.payment_status)}</td>
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
      const c = run.counts as Record<string, number>;
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
  async function finishedRun(id: number): Promise<{ status: string; counts: Record<string, unknown> } | null> {
    for (let i = 0; i < 20; i++) {
      try {
        const run = await get<{ status: string; counts: Record<string, unknown> }>(`/admin/batches/runs/${id}`);
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
    void navigate(`${BASE[scope]}${next.toString() ? `?${next}` : ""}`);
  }

  const filters = () => html`<form class="filters" @submit=${onFilter} aria-label=${t("invoice.filter")}>
    ${field({ name: "status", prefix: "q-", label: t("invoice.status_filter"), value: query.get("status") ?? "", emptyLabel: t("invoice.all"),
      options: [["open", t("invoice.status.open")], ["paid", t("invoice.status.paid")]], errors: {} })}
    ${field({ name: "period", prefix: "q-", label: t("invoice.period"), type: "month", value: query.get("period") ?? "", placeholder: "2026-04", errors: {} })}
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
            <tbody>${d.charges.map((c) => html`<tr><td>${c.event_date}</td><td>${c.label}</td>
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

// --- one invoice ------------------------------------------------------------------------------------------------

export async function invoiceView(scope: Scope, pk: number): Promise<View> {
  let inv = await get<InvoiceDetail>(`/invoices/${pk}`);
  let started: PayOut | null = null;
  let payError: string | null = null;
  let paying = false;
  let pollTimer: number | undefined;
  let pollSince = 0;
  // Back from the provider's hosted payment page (?payment=done|cancelled): wait for its webhook, or say it stopped.
  const returned = new URLSearchParams(location.search).get("payment");
  let returnNote: string | null = returned === "done" && inv.balance_yen > 0 ? t("pay.returned")
    : returned === "cancelled" ? t("pay.cancelled") : null;
  if (returned) history.replaceState(history.state, "", location.pathname);
  const canPay = () => scope !== "admin" && inv.balance_yen > 0 && (session.me?.role === "business_admin" || session.me?.role === "technician");

  async function reload() {
    inv = await get<InvoiceDetail>(`/invoices/${pk}`);
    update();
  }

  function stopPolling() {
    if (pollTimer !== undefined) clearTimeout(pollTimer);
    pollTimer = undefined;
  }

  /** Ask again until the provider's webhook has recorded the money (or the page is left, or 15 minutes pass). */
  function poll() {
    stopPolling();
    pollTimer = window.setTimeout(async () => {
      if (!document.querySelector(`[data-invoice-detail="${pk}"]`) || Date.now() - pollSince > POLL_LIMIT_MS) return stopPolling();
      try {
        const next = await get<InvoiceDetail>(`/invoices/${pk}`);
        const wasPaid = inv.balance_yen <= 0;
        inv = next;
        if (!wasPaid && inv.balance_yen <= 0) {
          started = null;
          stopPolling();
          flash(t("pay.confirmed"));
          return;
        }
        const mine = started && inv.online_payments.find((o) => o.intent_id === started!.intent_id);
        if (mine && (mine.status === "canceled" || (mine.status === "requires_payment_method" && mine.failure_message))) {
          // The provider's reason is its own English text: Japanese users read our sentence.
          payError = mine.failure_message && getLang() === "en" ? mine.failure_message : t("pay.failed");
          started = null;
          stopPolling();
          update();
          return;
        }
        update();
      } catch {
        /* offline for a moment: keep asking */
      }
      poll();
    }, POLL_MS);
  }

  async function onPay(ev: SubmitEvent) {
    ev.preventDefault();
    const method = values(ev.target as HTMLFormElement)("method") || "card";
    payError = null;
    if (!navigator.onLine) {
      payError = t("pay.offline");
      update();
      return;
    }
    paying = true;
    update();
    try {
      // The card is entered on the provider's own page (no card number touches OpenCCUS); it sends the payer back
      // here, and its webhook records the money.
      started = await api<PayOut>("POST", `/invoices/${pk}/payments`, { json: { method, return_path: location.pathname } });
      if (started.hosted_url) {
        returnNote = t("pay.redirecting");
        update();
        location.assign(started.hosted_url);
        return;
      }
      pollSince = Date.now();
      await reload().catch(() => {});
      poll();
      requestAnimationFrame(() => document.getElementById("pay-started")?.focus());
    } catch (e) {
      payError = e instanceof NetworkError ? t("app.network_error")
        : e instanceof ApiError && e.code === "payments_not_configured" ? t("pay.not_configured")
          : e instanceof ApiError && e.code === "invoice_already_paid" ? t("pay.already_paid")
            : statusFromError(e).message ?? t("err.generic");
      if (e instanceof ApiError && e.code === "invoice_already_paid") await reload().catch(() => {});
      requestAnimationFrame(() => document.getElementById("pay-error")?.focus());
    } finally {
      paying = false;
      update();
    }
  }

  function paySection(): TemplateResult | typeof nothing {
    if (!canPay() && !started) return nothing;
    return html`<section class="card pay" aria-labelledby="pay-h" data-testid="pay">
      <h2 id="pay-h">${t("pay.title")}</h2>
      ${payError ? html`<div class="error-summary" role="alert" tabindex="-1" id="pay-error" data-testid="pay-error"><p>${payError}</p></div>` : nothing}
      ${started
        ? html`<div class="notice code-box" id="pay-started" tabindex="-1" role="status" data-testid="pay-started">
            <h3>${t("pay.started", { amount: formatYen(started.amount_yen) })}</h3>
            ${dl([
              [t("pay.method"), tr("pay.method", started.method)],
              [t("pay.intent"), html`<span class="mono">${started.intent_id}</span>`],
              [t("pay.state"), tr("intent", inv.online_payments.find((o) => o.intent_id === started!.intent_id)?.status ?? started.status)],
            ])}
            <p>${started.method === "konbini" ? t("pay.konbini_next") : t("pay.card_next")}</p>
            ${started.hosted_url ? html`<p><a class="button primary" href=${started.hosted_url} rel="noopener">${t("pay.open_provider")}</a></p>` : nothing}
            <p class="meta" aria-live="off">${t("pay.waiting")}</p>
          </div>`
        : !inv.online_payment_available
          ? html`<p data-testid="pay-online-unavailable">${t("pay.online_unavailable")}</p>`
          : html`<p>${t("pay.intro", { amount: formatYen(inv.balance_yen) })}</p>
          <form @submit=${onPay} novalidate>
            <fieldset>
              <legend>${t("pay.method")}</legend>
              ${(["card", "konbini"] as const).map((m, i) => html`<div class="field check">
                <input type="radio" id="pay-${m}" name="method" value=${m} ?checked=${i === 0} aria-describedby="pay-${m}-hint" />
                <label for="pay-${m}">${tr("pay.method", m)}</label>
                <p class="hint" id="pay-${m}-hint">${tr("pay.method_hint", m)}</p>
              </div>`)}
            </fieldset>
            <button type="submit" class="primary" data-testid="pay-submit" ?disabled=${paying}>${t("pay.submit", { amount: formatYen(inv.balance_yen) })}</button>
          </form>`}
      ${transferBox()}
    </section>`;
  }

  // 振込先 with the payment reference to type: always there while something is owed, so paying never dead-ends.
  function transferBox(): TemplateResult {
    const a = inv.transfer_to;
    return html`<div class="transfer" data-testid="transfer-to">
      <h3>${t("pay.transfer_title")}</h3>
      ${a
        ? dl([
            [t("pay.bank"), `${a.bank} ${a.branch}`],
            [t("pay.account"), `${a.account_type} ${a.account_number}`],
            [t("pay.holder"), a.holder],
          ])
        : html`<p>${t("pay.transfer_ask")}</p>`}
      ${a?.demo ? html`<p class="notice warn">${t("pay.transfer_demo")}</p>` : nothing}
      <p class="hint">${t("pay.transfer", { ref: inv.payment_reference })}</p>
    </div>`;
  }

  function linesTable(): TemplateResult {
    return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t("invoice.lines")}><table class="data" data-testid="invoice-lines">
      <caption>${t("invoice.lines")}</caption>
      <thead><tr><th scope="col">${t("invoice.item")}</th><th scope="col" class="num">${t("invoice.unit_price")}</th>
        <th scope="col" class="num">${t("invoice.quantity")}</th><th scope="col" class="num">${t("invoice.amount")}</th>
        <th scope="col" class="num">${t("invoice.tax_rate")}</th></tr></thead>
      <tbody>${inv.lines.map((l) => html`<tr><th scope="row">${l.label}${l.site_pk ? html` <span class="meta">(${t("invoice.site")} #${l.site_pk})</span>` : nothing}</th>
        <td class="num">${formatYen(l.unit_price_yen)}</td><td class="num">${l.quantity}</td>
        <td class="num">${formatYen(l.amount_yen)}</td><td class="num">${l.tax_rate_percent}%</td></tr>`)}</tbody>
      <tfoot>${inv.by_rate.map((r) => html`<tr><th scope="row" colspan="3">${t("invoice.rate_total", { rate: r.tax_rate_percent })}</th>
        <td class="num">${formatYen(r.amount_yen)}</td><td class="num">${t("invoice.tax_of", { tax: formatYen(r.tax_yen) })}</td></tr>`)}</tfoot>
    </table></div>`;
  }

  if (returned === "done" && inv.balance_yen > 0) {
    pollSince = Date.now();
    poll();
  } else if (returned === "done") {
    window.setTimeout(() => flash(t("pay.confirmed")), 0); // the webhook was quicker than the way back
  }
  const back = BASE[scope];
  return {
    title: () => `${t("invoice.detail_title")} ${inv.number}`,
    refresh: reload,
    render: () => html`<section data-invoice-detail=${pk}>
      <h1 tabindex="-1">${t("invoice.detail_title")} <span class="sub mono">${inv.number}</span></h1>
      <p><a href=${back}>← ${scope === "admin" ? t("invoice.admin_title") : t("invoice.title")}</a></p>
      ${inv.balance_yen <= 0 ? html`<p class="notice paid" role="status" data-testid="invoice-paid">${t("invoice.paid_notice")}</p>` : nothing}
      ${returnNote && inv.balance_yen > 0 ? html`<p class="notice" role="status" data-testid="pay-returned">${returnNote}</p>` : nothing}
      <section class="card" aria-labelledby="inv-h">
        <h2 id="inv-h">${t("invoice.summary")}</h2>
        ${dl([
          [t("invoice.number"), html`<span class="mono">${inv.number}</span>`],
          [t("invoice.kind_label"), tr("invoice.kind", inv.kind)],
          [t("invoice.period"), periodText(inv)],
          [t("invoice.issued_on"), inv.issued_on],
          [t("invoice.due_on"), inv.due_on],
          [t("invoice.total"), html`<strong>${formatYen(inv.total_yen)}</strong> <span class="meta">${t("invoice.tax_of", { tax: formatYen(inv.tax_yen) })}</span>`],
          ...(inv.credited_yen ? [[t("invoice.credited"), formatYen(inv.credited_yen)] as [string, unknown]] : []),
          [t("invoice.paid"), formatYen(inv.paid_yen)],
          [t("invoice.balance"), html`<strong data-testid="invoice-balance">${formatYen(inv.balance_yen)}</strong>`],
          [t("invoice.payment_status"), html`<span data-testid="invoice-status">${badge("paystatus", inv.payment_status)}</span>`],
          [t("invoice.reference"), html`<span class="mono">${inv.payment_reference}</span>`],
        ])}
        <div class="actions downloads">
          <button type="button" data-testid="invoice-pdf" @click=${() => download(`/invoices/${pk}/pdf`)}>${t("invoice.pdf")}</button>
          ${inv.balance_yen <= 0 && inv.total_yen > 0
            ? html`<button type="button" class="primary" data-testid="invoice-receipt" @click=${() => download(`/invoices/${pk}/receipt`)}>${t("invoice.receipt")}</button>`
            : nothing}
        </div>
      </section>
      ${paySection()}
      ${linesTable()}
      ${inv.credit_notes.length
        ? html`<section class="card" aria-labelledby="cn-h"><h2 id="cn-h">${t("invoice.credit_notes")}</h2>
            <ul class="list">${inv.credit_notes.map((c) => html`<li><strong class="mono">${c.number}</strong> ${c.issued_on}
              — ${formatYen(c.total_yen)}<div class="meta">${c.reason}</div></li>`)}</ul></section>`
        : nothing}
      <section class="card" aria-labelledby="paid-h">
        <h2 id="paid-h">${t("invoice.payments")}</h2>
        ${inv.payments.length
          ? html`<ul class="list" data-testid="invoice-payments">${inv.payments.map((p) => html`<li>
              <strong>${formatYen(p.amount_yen)}</strong> ${tr("source", p.source)} <span class="meta">${p.received_on} · ${tr("matched", p.matched_by)}</span></li>`)}</ul>`
          : html`<p>${t("invoice.no_payments")}</p>`}
        ${inv.online_payments.length
          ? html`<h3>${t("invoice.online_payments")}</h3>
            <ul class="list">${inv.online_payments.map((o) => html`<li><span class="mono">${o.intent_id}</span>
              ${tr("pay.method", o.method)} ${formatYen(o.amount_yen)} — ${tr("intent", o.status)}
              ${o.failure_message ? html`<div class="warn">${getLang() === "en" ? o.failure_message : t("pay.failed")}</div>` : nothing}</li>`)}</ul>`
          : nothing}
      </section>
    </section>`,
  };
}
