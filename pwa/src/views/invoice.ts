// One invoice for its payer or the operator: its lines, credit notes and payments, the 振込先, the PDF and the
// receipt, and paying online (card or konbini through the payment provider; never queued, the page polls the invoice
// until the provider's webhook has recorded the money).

import { html, nothing, TemplateResult } from "lit-html";
import { api, ApiError, get, session } from "../api";
import { flash, update, View } from "../app";
import type { InvoiceDetail, PayOut } from "../billing-types";
import { Downloads, Form, values } from "../forms";
import { formatDate, formatYen, getLang, t, tr } from "../i18n";
import { badge, dl, errorSummary } from "../ui";
import { BASE, periodText, POLL_LIMIT_MS, POLL_MS, Scope } from "./invoices-common";

// The pay page's own words for two refusals (what to do next), instead of the catalogue's.
const PAY_REFUSALS: Record<string, "pay.not_configured" | "pay.already_paid"> = {
  payments_not_configured: "pay.not_configured", invoice_already_paid: "pay.already_paid",
};

// --- one invoice ------------------------------------------------------------------------------------------------

export async function invoiceView(scope: Scope, pk: number): Promise<View> {
  let inv = await get<InvoiceDetail>(`/invoices/${pk}`);
  let started: PayOut | null = null;
  // Paying is the invoice's one form ("pay-"): busy while the API starts the payment, its refusal in the summary.
  const paying = new Form("pay-");
  const downloads = new Downloads();
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
          paying.set({ errors: {}, busy: false,
            message: mine.failure_message && getLang() === "en" ? mine.failure_message : t("pay.failed") });
          started = null;
          stopPolling();
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
    // The card is entered on the provider's own page (no card number touches OpenCCUS); it sends the payer back
    // here, and its webhook records the money.
    await paying.action(() => api<PayOut>("POST", `/invoices/${pk}/payments`, { json: { method, return_path: location.pathname } }), {
      needsConnection: t("pay.offline"),
      refusal: (e) => {
        if (!(e instanceof ApiError) || !PAY_REFUSALS[e.code]) return null;
        if (e.code === "invoice_already_paid") void reload().catch(() => {}); // shown as paid, the message kept
        return { errors: {}, message: t(PAY_REFUSALS[e.code]), busy: false };
      },
      done: async (out) => {
        started = out;
        if (out.hosted_url) {
          returnNote = t("pay.redirecting");
          location.assign(out.hosted_url);
          return;
        }
        pollSince = Date.now();
        await reload().catch(() => {});
        poll();
        requestAnimationFrame(() => document.getElementById("pay-started")?.focus());
      },
    });
  }

  function paySection(): TemplateResult | typeof nothing {
    // Paid meanwhile (invoice_already_paid): the section goes, the refusal stays readable.
    if (!canPay() && !started) return errorSummary(paying.status, [], "pay-");
    return html`<section class="card pay" aria-labelledby="pay-h" data-testid="pay">
      <h2 id="pay-h">${t("pay.title")}</h2>
      ${errorSummary(paying.status, [], "pay-")}
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
            <button type="submit" class="primary" data-testid="pay-submit" ?disabled=${paying.status.busy}>${t("pay.submit", { amount: formatYen(inv.balance_yen) })}</button>
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
      <tbody>${inv.lines.map((l) => html`<tr><th scope="row">${l.label}${l.site_name ? html` <span class="meta">(${t("invoice.site")}: ${l.site_name})</span>` : nothing}</th>
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
          [t("invoice.issued_on"), formatDate(inv.issued_on)],
          [t("invoice.due_on"), formatDate(inv.due_on)],
          [t("invoice.total"), html`<strong>${formatYen(inv.total_yen)}</strong> <span class="meta">${t("invoice.tax_of", { tax: formatYen(inv.tax_yen) })}</span>`],
          ...(inv.credited_yen ? [[t("invoice.credited"), formatYen(inv.credited_yen)] as [string, unknown]] : []),
          [t("invoice.paid"), formatYen(inv.paid_yen)],
          [t("invoice.balance"), html`<strong data-testid="invoice-balance">${formatYen(inv.balance_yen)}</strong>`],
          [t("invoice.payment_status"), html`<span data-testid="invoice-status">${badge("paystatus", inv.payment_status)}</span>`],
          [t("invoice.reference"), html`<span class="mono">${inv.payment_reference}</span>`],
        ])}
        <div class="actions downloads">
          <button type="button" data-testid="invoice-pdf" ?disabled=${downloads.busy("pdf")} @click=${() => downloads.get("pdf", `/invoices/${pk}/pdf`)}>${t("invoice.pdf")}</button>
          ${inv.balance_yen <= 0 && inv.total_yen > 0
            ? html`<button type="button" class="primary" data-testid="invoice-receipt" ?disabled=${downloads.busy("receipt")} @click=${() => downloads.get("receipt", `/invoices/${pk}/receipt`)}>${t("invoice.receipt")}</button>`
            : nothing}
        </div>
      </section>
      ${paySection()}
      ${linesTable()}
      ${inv.credit_notes.length
        ? html`<section class="card" aria-labelledby="cn-h"><h2 id="cn-h">${t("invoice.credit_notes")}</h2>
            <ul class="list">${inv.credit_notes.map((c) => html`<li><strong class="mono">${c.number}</strong> ${formatDate(c.issued_on)}
              — ${formatYen(c.total_yen)}<div class="meta">${c.reason}</div></li>`)}</ul></section>`
        : nothing}
      <section class="card" aria-labelledby="paid-h">
        <h2 id="paid-h">${t("invoice.payments")}</h2>
        ${inv.payments.length
          ? html`<ul class="list" data-testid="invoice-payments">${inv.payments.map((p) => html`<li>
              <strong>${formatYen(p.amount_yen)}</strong> ${tr("source", p.source)} <span class="meta">${formatDate(p.received_on)} · ${tr("matched", p.matched_by)}</span></li>`)}</ul>`
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
