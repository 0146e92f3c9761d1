// What the invoice views share: the scopes (firm, technician, operator), their addresses, and how a month is named.

import { t, tr } from "../i18n";
import type { Invoice } from "../billing-types";

/** "2026-11" → 2026年11月 / November 2026, in the page's language. */
export function monthLabel(period: string): string {
  const [y, m] = period.split("-").map(Number);
  return t("invoice.month_label", { y, m, en: new Date(Date.UTC(y, m - 1, 1)).toLocaleString("en", { month: "long", timeZone: "UTC" }) });
}

export type Scope = "firm" | "me" | "admin";

export const BASE: Record<Scope, string> = { firm: "/firm/invoices", me: "/me/invoices", admin: "/admin/invoices" };
export const POLL_MS = 3000;
export const POLL_LIMIT_MS = 15 * 60_000;

export function periodText(inv: Invoice): string {
  return inv.period ? inv.period.slice(0, 7) : tr("invoice.kind", inv.kind);
}
