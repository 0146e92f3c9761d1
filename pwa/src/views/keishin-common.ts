// What the 経審 views share: the tabs, the 審査基準日 defaults, the industry checkboxes, and the wording of a result's
// reasons from their codes.

import { html, nothing, TemplateResult } from "lit-html";
import { get, NetworkError, session } from "../api";
import { todayJst } from "../forms";
import { formatDate, getLang, has, t } from "../i18n";
import { industries } from "../masters";
import type { Business } from "../types";
import { statusFromError } from "../ui";

export type KTab = "staff" | "works" | "w1";

export function businessPk(): number {
  const pk = session.me?.business_pk;
  if (!pk) throw new Error("no business");
  return pk;
}

/** The most recent 31 March on or before today: the usual 審査基準日 (決算日). */
export function lastFiscalYearEnd(): string {
  const today = todayJst();
  const y = Number(today.slice(0, 4));
  return today >= `${y}-03-31` ? `${y}-03-31` : `${y - 1}-03-31`;
}

export function dayAfterYearBefore(end: string): string {
  const d = new Date(`${end}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() - 1);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export function keishinTabs(tab: KTab): TemplateResult {
  const items: [KTab, string, string][] = [
    ["staff", "/firm/keishin", t("keishin.tab_staff")],
    ["works", "/firm/keishin/works", t("keishin.tab_works")],
    ["w1", "/firm/keishin/w1", t("keishin.tab_w1")],
  ];
  return html`<nav class="tabs sub-tabs" aria-label=${t("keishin.tabs")}>
    ${items.map(([k, href, text]) => html`<a href=${href} aria-current=${k === tab ? "page" : "false"}>${text}</a>`)}
  </nav>`;
}

export function industryChecks(prefix: string, chosen: Set<string>, error?: string): TemplateResult {
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

export const yen = (n: number) => n.toLocaleString(getLang() === "ja" ? "ja-JP" : "en-GB");

export async function defaultIndustries(pk: number): Promise<string[]> {
  const biz = await get<Business>(`/businesses/${pk}`).catch(() => null);
  return biz?.permitted_industries.length ? [...biz.permitted_industries] : ["01"];
}

/** A 経審 result's reason — a code with its parameters (api/keishin/reasons.py) — worded from the catalogues
 * (keishin.why.*); dates in the parameters as people write them. A code the catalogue lacks shows the API's text. */
export function why(r: { code: string; params?: Record<string, string>; text?: string; reason?: string }): string {
  const key = `keishin.why.${r.code}`;
  const fallback = r.text ?? r.reason ?? r.code;
  if (!has(key)) return fallback;
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.params ?? {})) {
    const exemption = `keishin.exemption_${v}`;
    params[k] = k === "exemption" && has(exemption) ? t(exemption) : formatDate(v);
  }
  return t(key, params);
}

export function loadError(e: unknown): string {
  if (e instanceof NetworkError) return navigator.onLine ? t("app.network_error") : t("app.offline_view");
  const st = statusFromError(e);
  return [st.message, ...Object.entries(st.errors).map(([k, v]) => `${k}: ${v}`)].filter(Boolean).join(" ");
}
