// Enrolling the kiosk (/kiosk): a site tablet exchanges the one-time code from the firm portal for its device token;
// a site manager already logged in on their own phone makes it a device of one of their sites in two taps (the
// portal's "add a device" and the exchange, done for them), to read virtual cards where the site has no reader
// (docs/virtual-card.md). Either way the token is kept in localStorage and survives a restart.

import { html, nothing, TemplateResult } from "lit-html";
import { api, ApiError, NetworkError, session } from "../api";
import pkg from "../../package.json";
import { codeMessage, t } from "../i18n";

export const STORE = "openccus.kiosk";
export const VERSION = `pwa-kiosk/${pkg.version}`;

export interface Enrolment {
  device_id: string;
  device_token: string;
  site_id: string;
  site_name?: string; // from GET /devices/me, so the screen names the site, not only its 現場ID
  enrolled_at: string;
  mode?: "face" | "scan"; // a manager's phone starts on the virtual card reader
  facing?: "user" | "environment"; // a tablet faces the person; a phone reads with its back camera
}

export class EnrolError extends Error {}

export function loadEnrolment(): Enrolment | null {
  try {
    const e = JSON.parse(localStorage.getItem(STORE) || "null") as Enrolment | null;
    return e && typeof e.device_token === "string" ? e : null;
  } catch {
    return null;
  }
}

export function saveEnrolment(e: Enrolment): void {
  localStorage.setItem(STORE, JSON.stringify(e));
}

/** The one-time code for the device token (POST /devices/enrol). */
export async function exchangeCode(code: string, version: string): Promise<Enrolment> {
  if (!navigator.onLine) throw new EnrolError(t("kiosk.enrol_offline"));
  let res: Response;
  try {
    res = await fetch("/api/v1/devices/enrol", {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ code, software_version: version }), cache: "no-store",
    });
  } catch {
    throw new EnrolError(t("app.network_error"));
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new EnrolError(res.status === 401 ? t("kiosk.bad_code") : (typeof data.error === "string" && codeMessage(data.error)) || t("kiosk.error"));
  }
  return { device_id: String(data.device_id), device_token: data.device_token, site_id: String(data.site_id), enrolled_at: new Date().toISOString() };
}

interface SiteRow {
  id: number;
  site_id: string;
  name: string;
  prime_pk: number;
  manager_account_ids: number[];
}

/** Whether the logged-in person may make this phone a device of a site (the API decides in the end). */
export function isManager(): boolean {
  const r = session.me?.role;
  return r === "site_manager" || r === "business_admin";
}

export async function managedSites(): Promise<SiteRow[]> {
  const me = session.me;
  if (!me || !isManager()) return [];
  const all = await api<SiteRow[]>("GET", "/sites").catch(() => [] as SiteRow[]);
  return all.filter((s) => s.manager_account_ids.includes(me.id) || (me.role === "business_admin" && s.prime_pk === me.business_pk));
}

/** Make this phone a kiosk of the site: the portal's "add a device", then the exchange of its code. */
export async function enrolThisPhone(site: SiteRow, version: string): Promise<Enrolment> {
  try {
    const made = await api<{ enrolment_code: string }>("POST", `/sites/${site.id}/devices`,
      { json: { kind: "kiosk", name: t("kiosk.phone_name", { name: session.me?.display_name ?? "" }).slice(0, 100) } });
    const e = await exchangeCode(made.enrolment_code, version);
    return { ...e, site_name: site.name, mode: "scan", facing: "environment" };
  } catch (e) {
    if (e instanceof EnrolError) throw e;
    if (e instanceof ApiError) throw new EnrolError(codeMessage(e.code) ?? e.message);
    if (e instanceof NetworkError) throw new EnrolError(t("app.network_error"));
    throw e;
  }
}

export function phoneReaderForm(sites: SiteRow[] | null, busy: boolean, onPick: (site: SiteRow) => void): TemplateResult | typeof nothing {
  if (!isManager() || sites === null) return nothing;
  let chosen = sites[0];
  return html`<section class="kiosk-enrol card" aria-labelledby="phone-reader-h" data-testid="phone-reader">
    <h2 id="phone-reader-h">${t("kiosk.phone_title")}</h2>
    <p>${t("kiosk.phone_intro")}</p>
    ${sites.length
      ? html`<div class="field"><label for="f-reader-site">${t("kiosk.phone_site")}</label>
          <select id="f-reader-site" @change=${(e: Event) => { chosen = sites[(e.target as HTMLSelectElement).selectedIndex]; }}>
            ${sites.map((s) => html`<option value=${s.id}>${s.name}（${s.site_id}）</option>`)}
          </select></div>
        <button type="button" class="primary kiosk-button" data-testid="phone-reader-enrol" ?disabled=${busy}
          @click=${() => onPick(chosen)}>${t("kiosk.phone_enrol")}</button>`
      : html`<p>${t("kiosk.phone_no_sites")}</p>`}
  </section>`;
}
