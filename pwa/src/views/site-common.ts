// What the site pages share: the site and its contract tree, the tabs and heading, who runs the site, the options
// of the roster's selects.

import { html, TemplateResult } from "lit-html";
import { get, session } from "../api";
import { t, tr } from "../i18n";
import { trades, tradeName } from "../masters";
import type { Contract, Site } from "../types";

const POSITIONS = ["foreman", "team_leader", "worker", "apprentice"] as const;

export const positionOptions = (): [string, string][] => POSITIONS.map((p) => [p, tr("position", p)]);
export const tradeOptions = (): [string, string][] => trades.map((x) => [x.code, `${tradeName(x.code)} (${x.code})`]);

export function myBusiness(): number | null {
  return session.me?.business_pk ?? null;
}

export function isAdmin(): boolean {
  return session.me?.role === "business_admin";
}

// --- one site ---------------------------------------------------------------------------------------------------

export type SiteTab = "overview" | "roster" | "devices" | "records" | "direct" | "reports" | "face" | "phone" | "kentaikyo";

export interface SiteData {
  site: Site;
  contracts: Contract[];
}

export async function loadSite(pk: number): Promise<SiteData> {
  const [site, contracts] = await Promise.all([get<Site>(`/sites/${pk}`), get<Contract[]>(`/sites/${pk}/contracts`)]);
  return { site, contracts };
}

/** The prime's admins and the site's own 現場管理者ID run the site (approve direct input, see everything). */
export function manages(site: Site): boolean {
  const me = session.me;
  if (!me) return false;
  if (me.role === "business_admin") return me.business_pk === site.prime_pk;
  if (me.role === "site_manager") return site.manager_account_ids.includes(me.id);
  return me.role === "operator";
}

function siteTabs(site: Site, tab: SiteTab): TemplateResult {
  const base = `/firm/sites/${site.id}`;
  const items: [SiteTab, string, string][] = [
    ["overview", base, t("site.tab_overview")],
    ["roster", `${base}/roster`, t("site.tab_roster")],
    ["devices", `${base}/devices`, t("site.tab_devices")],
    ["records", `${base}/records`, t("site.tab_records")],
  ];
  if (manages(site) && session.me?.role !== "operator") items.push(["direct", `${base}/direct-inputs`, t("site.tab_direct")]);
  items.push(["reports", `${base}/reports`, t("site.tab_reports")]);
  if (manages(site) && session.me?.role !== "operator") items.push(["face", `${base}/face`, t("site.tab_face")]);
  if (manages(site) && session.me?.role !== "operator") items.push(["phone", `${base}/phone`, t("site.tab_phone")]);
  if (manages(site) && session.me?.role !== "operator") items.push(["kentaikyo", `${base}/kentaikyo`, t("site.tab_kentaikyo")]);
  return html`<nav class="tabs" aria-label=${t("site.tabs")}>
    ${items.map(([k, href, text]) => html`<a href=${href} aria-current=${k === tab ? "page" : "false"}>${text}</a>`)}
  </nav>`;
}

export function siteHeader(d: SiteData, tab: SiteTab, heading: string): TemplateResult {
  return html`<h1 tabindex="-1">${heading} <span class="sub">${d.site.name}（${t("sites.site_id")} <span class="mono">${d.site.site_id}</span>）</span></h1>
    <p><a href="/firm/sites">← ${t("sites.back")}</a></p>
    ${siteTabs(d.site, tab)}`;
}

export function tierLabel(tier: number): string {
  return tier === 0 ? t("contract.prime") : t("contract.tier_n", { n: tier });
}

export function businessName(d: SiteData, pk: number | null): string {
  if (pk == null) return "—";
  return d.contracts.find((c) => c.business_pk === pk)?.business_name ?? `#${pk}`;
}

export interface Page {
  render(): TemplateResult;
  reload(d: SiteData): Promise<void>;
}
