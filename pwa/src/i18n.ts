// Japanese first, with an English switch (persisted in localStorage). Each message is [ja, en].

import { BILLING, OPERATOR } from "./messages/billing";
import { FEES } from "./messages/fees";
import { KENTAIKYO } from "./messages/kentaikyo";
import { FACE, KIOSK } from "./messages/kiosk";
import { LICENCE } from "./messages/licence";
import { ACCOUNT } from "./messages/account";
import { AGENTS } from "./messages/agents";
import { PHONE } from "./messages/phone";
import { VCARD } from "./messages/vcard";
import { PLACEHOLDERS, SITES } from "./messages/sites";
import { REVIEW } from "./messages/review";
import { NOTICES } from "./messages/notices";
import { LAYOUT } from "./messages/layout";
import { errorCodeText, fieldErrorText } from "./messages/errors";
import { SHELL } from "./messages/shell";
import { TECHNICIAN } from "./messages/technician";
import { FIELDS } from "./messages/fields";
import { FIRM } from "./messages/firm";
import { CONSOLE } from "./messages/console";
import { WORK } from "./messages/work";
import { KEISHIN } from "./messages/keishin";
import type { FieldError } from "./types";
import { formatClock, formatDay, formatMoment, formatMonthOf, formatWarekiDay } from "./dates";
import { english, loadEnglish } from "./english";

export type Lang = "ja" | "en";
const LANG_KEY = "openccus.lang";

// Every message lives in the catalogue of its area (messages/*.ts; a new area: a line in
// scripts/split-pwa.mjs AREAS); all of them are merged here.
const M = {
  ...SHELL, ...TECHNICIAN, ...FIELDS, ...FIRM, ...CONSOLE, ...WORK, ...SITES, ...KEISHIN, ...BILLING,
  ...OPERATOR, ...LICENCE, ...KIOSK, ...FACE, ...REVIEW, ...PHONE, ...VCARD, ...FEES, ...KENTAIKYO,
  ...PLACEHOLDERS, ...ACCOUNT, ...NOTICES, ...AGENTS, ...LAYOUT
};

export type Key = keyof typeof M;

let lang: Lang = (localStorage.getItem(LANG_KEY) as Lang) === "en" ? "en" : "ja";

export function getLang(): Lang {
  return lang;
}

/** Switch language; English is fetched first (src/english.ts), so this throws when offline and never fetched. */
export async function setLang(next: Lang): Promise<void> {
  if (next === "en") await loadEnglish();
  lang = next;
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next;
}

/** At start-up: a saved English choice fetches English first; when that fails (offline), this visit is Japanese. */
export async function startLang(): Promise<void> {
  if (lang !== "en") return;
  try {
    await loadEnglish();
  } catch {
    lang = "ja";
  }
}

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  // The built shell's catalogues hold [ja] only; English comes from its own chunk (scripts/english-apart.ts).
  const pair: readonly string[] = M[key];
  const text = lang === "ja" ? pair[0] : english(key) ?? pair[1] ?? pair[0];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => (k in vars ? String(vars[k]) : `{${k}}`));
}

export function has(key: string): key is Key {
  return key in M;
}

/** A message key chosen at run time (a status, a field name…), falling back to the raw value. */
export function tr(prefix: string, value: string | null | undefined): string {
  if (value == null) return "";
  const key = `${prefix}.${value}`;
  return has(key) ? t(key) : value;
}

export function fieldLabel(field: string): string {
  const key = `f.${field}`;
  if (has(key)) return t(key);
  const base = field.split(".")[0];
  return has(`f.${base}`) ? `${t(`f.${base}` as Key)} (${field})` : field;
}

/** The text of an API error code in the current language (the server's catalogue, messages/errors.ts), or null. */
export function codeMessage(code: string): string | null {
  return errorCodeText(code, lang);
}

/** What a user reads for a refusal: the catalogue's text for its code. In Japanese never the server's English: an
 * unknown code (a newer server) reads as the generic sentence. */
export function errorMessage(code: string, serverText: string): string {
  return errorCodeText(code, lang) ?? (lang === "ja" ? t("err.generic") : serverText);
}

/** A field's message from its `type` and `ctx` (pydantic's type, one of ours, or an error code). */
export function fieldMessage(f: FieldError): string {
  return fieldErrorText(f.type, f.ctx, lang) ?? (lang === "ja" ? t("err.field_generic") : f.message);
}

export function formatDateTime(iso: string | null | undefined): string {
  return formatMoment(iso, lang); // 2026年12月6日 20:00 (dates.ts)
}

/** A calendar day (YYYY-MM-DD) as people write it: 2026年4月30日 in Japanese. Anything else is returned as it is. */
export function formatDate(day: string | null | undefined): string {
  return formatDay(day, lang);
}

/** A day in 和暦 (令和8年12月6日) where the paper form uses it: 経審, 作業員名簿, 経歴証明書. */
export function formatWareki(day: string | null | undefined): string {
  return formatWarekiDay(day, lang);
}

/** A month (YYYY-MM): 2026年12月. */
export function formatMonth(month: string | null | undefined): string {
  return formatMonthOf(month, lang);
}

export { formatClock };

export function formatYen(n: number): string {
  return t("firm.yen", { n: n.toLocaleString(lang === "ja" ? "ja-JP" : "en-GB") });
}
