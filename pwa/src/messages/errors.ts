// The API's refusals, translated by code only. The catalogue is the server's own (api/data/error_codes.csv and
// api/data/field_errors.csv), turned into src/generated/errors.json by scripts/masters.mjs at build time, so a code
// added on the server has its Japanese and English text here without a second list to keep in step.

import data from "../generated/errors.json";
import { english } from "../english";

type Pair = readonly [string, string];
const CODES: Record<string, Pair> = data.codes as unknown as Record<string, Pair>;
const FIELDS: Record<string, Pair> = data.fields as unknown as Record<string, Pair>;

export type Ctx = Record<string, string | number | boolean | null> | null | undefined; // ErrorField.ctx

function fill(text: string, ctx: Ctx): string {
  return text.replace(/\{(\w+)\}/g, (whole, k: string) => (ctx && ctx[k] != null ? String(ctx[k]) : whole));
}

// The built shell holds the Japanese only ([ja]); the English is in its own chunk (src/english.ts).
function inLang(pair: readonly string[], key: string, lang: "ja" | "en"): string {
  return lang === "ja" ? pair[0] : english(key) ?? pair[1] ?? pair[0];
}

/** The text of an error code, or null when the catalogue has none (an older or newer server). */
export function errorCodeText(code: string, lang: "ja" | "en"): string | null {
  const pair = CODES[code];
  return pair ? inLang(pair, `code:${code}`, lang) : null;
}

/** A field's message from its `type` (pydantic's error type, one of ours, or an error code) and `ctx`. */
export function fieldErrorText(type: string | null | undefined, ctx: Ctx, lang: "ja" | "en"): string | null {
  if (!type) return null;
  const key = FIELDS[type] ? `field:${type}` : `code:${type}`;
  const pair = FIELDS[type] ?? CODES[type];
  if (!pair) return null;
  const text = fill(inLang(pair, key, lang), ctx);
  // A placeholder the server sent no value for reads worse than the plain sentence of the generic type.
  return /\{\w+\}/.test(text) ? null : text;
}

export function knownCodes(): string[] {
  return Object.keys(CODES);
}
