// The operator's payment correction queue (/admin/payments): payments that could not be applied by themselves
// (unknown or ambiguous payer, amount mismatch, an invoice already paid, a cancelled transfer). Each can be assigned
// to an invoice, split over invoices and a refund, or refunded — always with a reason, which the API audits. The
// 全銀 振込入金通知 file is imported here too, with what became of each of its lines.

import { html, nothing, TemplateResult } from "lit-html";
import { api, get } from "../api";
import { flash, update, View } from "../app";
import type { BankImport, Invoice, PaymentException } from "../billing-types";
import { Forms, send, values } from "../forms";
import { formatDate, formatDateTime, formatYen, t, tr } from "../i18n";
import { badge, dl, errorSummary, field, fileFrom, requiredErrors } from "../ui";

type Action = "assign" | "split" | "refund";
const SPLIT_ROWS = [0, 1, 2];

export async function paymentsView(query: URLSearchParams): Promise<View> {
  const status = query.get("status") === "resolved" ? "resolved" : "open";
  const forms = new Forms();
  let items = await get<PaymentException[]>(`/admin/payments/exceptions?status=${status}`);
  // The candidate invoices by their number (INV-2026-0000002), as on the bank statement: no internal id is shown.
  const numbers = new Map<number, string>();
  async function loadNumbers() {
    const pks = [...new Set(items.map((e) => e.candidate_invoice_pk).filter((pk): pk is number => !!pk && !numbers.has(pk)))];
    await Promise.all(pks.map((pk) => get<Invoice>(`/invoices/${pk}`).then((i) => numbers.set(pk, i.number)).catch(() => undefined)));
  }
  await loadNumbers();
  /** The invoice's id from its number: a candidate's, or the one invoice the search finds. */
  async function invoicePk(number: string): Promise<number | null> {
    const text = number.trim().toUpperCase();
    for (const [pk, n] of numbers) if (n === text) return pk;
    if (!/^(?:[A-Z]+-)?\d{4}-\d{1,7}$/.test(text)) return null;
    try {
      const found = await get<Invoice[]>(`/admin/invoices?q=${encodeURIComponent(text)}&limit=2`);
      return found.length === 1 ? found[0].id : null;
    } catch {
      return null;
    }
  }
  const payment = (e: PaymentException) => `${e.payer_name || t("corr.payer_unknown")} ${formatYen(e.amount_yen)}`;
  const open: Record<number, Action | null> = {};
  let imported: BankImport | null = null;

  async function reload() {
    items = await get<PaymentException[]>(`/admin/payments/exceptions?status=${status}`);
    await loadNumbers();
    update();
  }

  function toggle(id: number, action: Action) {
    open[id] = open[id] === action ? null : action;
    update();
    requestAnimationFrame(() => document.getElementById(`f-${action}-${id}-reason`)?.focus());
  }

  async function onAction(ev: SubmitEvent, e: PaymentException, action: Action) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const key = `${action}-${e.id}-`;
    const errors = requiredErrors(form);
    if (v("reason") && v("reason").length < 2) errors.reason = t("corr.reason_short");
    let json: Record<string, unknown> = { reason: v("reason") };
    if (action === "assign") {
      const pk = v("invoice_id") ? await invoicePk(v("invoice_id")) : null;
      if (v("invoice_id") && pk == null) errors.invoice_id = t("corr.invoice_number_hint");
      json.invoice_id = pk;
    } else if (action === "split") {
      const rows = SPLIT_ROWS.map((i) => ({ invoice_id: v(`invoice_${i}`), amount_yen: v(`amount_${i}`) }))
        .filter((p) => p.invoice_id || p.amount_yen);
      const parts = await Promise.all(rows.map(async (p) => ({ invoice_id: (p.invoice_id && (await invoicePk(p.invoice_id))) || NaN, amount_yen: Number(p.amount_yen) })));
      if (parts.some((p) => !Number.isInteger(p.invoice_id) || p.invoice_id <= 0 || !Number.isInteger(p.amount_yen) || p.amount_yen <= 0)) {
        errors.invoice_0 = t("corr.split_rows");
      }
      const refund = Number(v("refund_yen") || "0");
      if (!Number.isInteger(refund) || refund < 0) errors.refund_yen = t("corr.yen_hint");
      const total = parts.reduce((s, p) => s + p.amount_yen, 0) + refund;
      if (!errors.invoice_0 && !errors.refund_yen && total !== e.unapplied_yen) {
        errors.invoice_0 = t("corr.split_total", { total: formatYen(total), amount: formatYen(e.unapplied_yen) });
      }
      json = { parts, refund_yen: refund, reason: v("reason") };
    }
    if (Object.keys(errors).length) return forms.invalid(key, errors);
    const label = { assign: ["入金の充当", "Assign a payment"], split: ["入金の分割", "Split a payment"], refund: ["入金の返金", "Refund a payment"] }[action];
    const sent = await send<PaymentException>(forms, key, { ja: `${label[0]}（${payment(e)}）`, en: `${label[1]} (${payment(e)})` },
      { method: "POST", path: `/admin/payments/exceptions/${e.id}/${action}`, json });
    if (sent.state !== "done") return;
    open[e.id] = null;
    flash(tr("corr.done", action).replace("{id}", payment(e)));
    await reload();
  }

  async function onImport(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const file = fileFrom(form, "file");
    if (!file) return forms.invalid("bank-", { file: t("corr.file_required") });
    const sent = await forms.run("bank-", () => api<BankImport>("POST", "/admin/payments/bank-imports", { form: [["file", file], ["filename", file.filename]] }),
      { needsConnection: t("corr.import_offline") });
    if (sent.state !== "done") return;
    imported = sent.result;
    form.reset();
    await reload();
    requestAnimationFrame(() => document.getElementById("import-result")?.focus());
  }

  function actionForm(e: PaymentException, action: Action): TemplateResult {
    const key = `${action}-${e.id}-`;
    const st = forms.get(key);
    const p = key;
    const fieldsFor: Record<Action, TemplateResult | typeof nothing> = {
      assign: field({ name: "invoice_id", prefix: p, label: t("corr.invoice_id"), required: true, inputmode: "numeric",
        value: (e.candidate_invoice_pk && numbers.get(e.candidate_invoice_pk)) || "", hint: t("corr.invoice_id_hint"), errors: st.errors }),
      split: html`<div role="group" aria-labelledby="${p}parts">
          <p class="group-label" id="${p}parts">${t("corr.parts", { amount: formatYen(e.unapplied_yen) })}</p>
          ${SPLIT_ROWS.map((i) => html`<div class="grid2">
            ${field({ name: `invoice_${i}`, prefix: p, label: t("corr.part_invoice", { n: i + 1 }), inputmode: "numeric",
              value: i === 0 ? (e.candidate_invoice_pk && numbers.get(e.candidate_invoice_pk)) || "" : "", errors: st.errors })}
            ${field({ name: `amount_${i}`, prefix: p, label: t("corr.part_amount", { n: i + 1 }), inputmode: "numeric", errors: {} })}
          </div>`)}
        </div>
        ${field({ name: "refund_yen", prefix: p, label: t("corr.refund_yen"), inputmode: "numeric", value: "0", errors: st.errors })}`,
      refund: html`<p>${t("corr.refund_intro", { amount: formatYen(e.unapplied_yen), source: tr("source", e.source) })}</p>`,
    };
    return html`<form class="card subtle" @submit=${(ev: SubmitEvent) => onAction(ev, e, action)} novalidate data-testid="${action}-form">
      <h3>${tr("corr", action)}</h3>
      ${errorSummary(st, ["invoice_id", "invoice_0", "refund_yen", "reason"], key)}
      ${fieldsFor[action]}
      ${field({ name: "reason", prefix: p, label: t("corr.reason"), type: "textarea", required: true, maxlength: 1000, hint: t("corr.reason_hint"), errors: st.errors })}
      <button type="submit" class=${action === "refund" ? "danger" : "primary"} ?disabled=${st.busy}>${tr("corr.submit", action)}</button>
    </form>`;
  }

  function item(e: PaymentException): TemplateResult {
    return html`<li data-exception=${e.id}>
      <div class="row-head"><strong>${payment(e)}</strong> ${badge("exreason", e.reason)}
        ${e.resolution ? badge("resolution", e.resolution) : nothing}</div>
      ${dl([
        [t("corr.payer"), e.payer_name || "—"],
        [t("corr.received_on"), `${formatDate(e.received_on)}（${tr("source", e.source)}）`],
        [t("corr.unapplied"), formatYen(e.unapplied_yen)],
        [t("corr.reference"), html`<span class="mono">${e.reference || "—"}</span>`],
        [t("corr.detail"), e.detail],
        ...(e.candidate_invoice_pk ? [[t("corr.candidate"), html`<a href="/admin/invoices/${e.candidate_invoice_pk}" class="mono">${numbers.get(e.candidate_invoice_pk) ?? t("corr.open_invoice")}</a>`] as [string, unknown]] : []),
        ...(e.resolved_at ? [[t("corr.resolved"), `${formatDateTime(e.resolved_at)} — ${e.note ?? ""}`] as [string, unknown]] : []),
      ])}
      ${e.status === "open"
        ? html`<div class="actions" role="group" aria-label=${t("corr.actions_for", { payer: e.payer_name || t("corr.payer_unknown"), amount: formatYen(e.amount_yen) })}>
            ${(["assign", "split", "refund"] as const).map((a) => html`<button type="button" aria-expanded=${open[e.id] === a ? "true" : "false"}
              data-action=${a} @click=${() => toggle(e.id, a)}>${tr("corr", a)}</button>`)}
          </div>
          ${open[e.id] ? actionForm(e, open[e.id]!) : nothing}`
        : nothing}
    </li>`;
  }

  function importSection(): TemplateResult {
    const st = forms.get("bank-");
    return html`<section class="card" aria-labelledby="bank-h">
      <h2 id="bank-h">${t("corr.import_title")}</h2>
      <p class="hint">${t("corr.import_intro")}</p>
      ${errorSummary(st, ["file"], "bank-")}
      <form @submit=${onImport} novalidate>
        <div class="field ${st.errors.file ? "has-error" : ""}">
          <label for="f-bank-file">${t("corr.file")} <span class="req">${t("f.required")}</span></label>
          ${st.errors.file ? html`<p class="field-error" id="f-bank-file-error">${st.errors.file}</p>` : nothing}
          <input id="f-bank-file" name="file" type="file" accept=".txt,.dat,.csv,text/plain" required
            aria-describedby=${st.errors.file ? "f-bank-file-error" : nothing} />
        </div>
        <button type="submit" class="primary" ?disabled=${st.busy}>${t("corr.import")}</button>
      </form>
      ${imported
        ? html`<div class="notice code-box" id="import-result" tabindex="-1" role="status" data-testid="import-result">
            <h3>${t("corr.imported", { name: imported.filename })}</h3>
            <p>${t("corr.import_counts", { records: imported.records, matched: imported.matched, queued: imported.queued, dup: imported.duplicates })}</p>
            <div class="table-wrap" tabindex="0" role="region" aria-label=${t("corr.import_lines")}><table class="data">
              <caption class="vh">${t("corr.import_lines")}</caption>
              <thead><tr><th scope="col">${t("corr.line_no")}</th><th scope="col">${t("corr.payer")}</th><th scope="col" class="num">${t("invoice.amount")}</th>
                <th scope="col">${t("corr.outcome")}</th><th scope="col">${t("corr.detail")}</th></tr></thead>
              <tbody>${imported.lines.map((l) => html`<tr><td>${l.record}</td><td>${l.payer_name}</td><td class="num">${formatYen(l.amount_yen)}</td>
                <td>${tr("outcome", l.outcome)}</td><td>${l.invoice_pk ? html`<a href="/admin/invoices/${l.invoice_pk}">${t("corr.open_invoice")}</a> ` : nothing}${l.reason ?? ""}</td></tr>`)}</tbody>
            </table></div>
          </div>`
        : nothing}
    </section>`;
  }

  return {
    title: () => t("corr.title"),
    refresh: reload,
    render: () => html`<section>
      <h1 tabindex="-1">${t("corr.title")}</h1>
      <p>${t("corr.intro")}</p>
      <nav class="tabs sub-tabs" aria-label=${t("corr.filter")}>
        <a href="/admin/payments" aria-current=${status === "open" ? "page" : "false"}>${t("corr.open")}</a>
        <a href="/admin/payments?status=resolved" aria-current=${status === "resolved" ? "page" : "false"}>${t("corr.resolved_tab")}</a>
      </nav>
      ${items.length
        ? html`<ul class="list exceptions" data-testid="exceptions">${items.map(item)}</ul>`
        : html`<p data-testid="no-exceptions">${status === "open" ? t("corr.none_open") : t("corr.none_resolved")}</p>`}
      ${importSection()}
    </section>`,
  };
}
