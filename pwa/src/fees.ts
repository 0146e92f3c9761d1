// The fee of an application, quoted before it is submitted (GET /fees/quote): applications are charged the price of
// the day they are submitted (docs/billing.md §4), so the form shows that price next to its submit button.

import { html, nothing, TemplateResult } from "lit-html";
import { get } from "./api";
import { formatYen, t } from "./i18n";

export interface Quote {
  kind: string;
  amount_yen: number;
  priced_on: string;
  label_ja: string;
}

/** The quote, or null when it cannot be had (offline, or bad conditions such as a capital still being typed). */
export async function quote(params: Record<string, string | number | boolean>): Promise<Quote | null> {
  const q = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  try {
    return await get<Quote>(`/fees/quote?${q}`);
  } catch {
    return null;
  }
}

/** The fee line shown above a submit button. `undefined`: still loading (nothing shown). */
export function feeNotice(q: Quote | null | undefined, testid = "fee-quote"): TemplateResult | typeof nothing {
  if (q === undefined) return nothing;
  if (q === null) return html`<p class="notice info" data-testid=${testid}>${t("fee.quote_unavailable")}</p>`;
  return html`<div class="notice info" data-testid=${testid}>
    <p><strong>${t("fee.quote", { amount: formatYen(q.amount_yen) })}</strong> — ${q.label_ja}</p>
    <p class="hint">${t("fee.quote_note")}</p>
  </div>`;
}
