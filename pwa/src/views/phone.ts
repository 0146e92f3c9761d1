// Phone check-in (docs/phone.md). The technician's page (/phone, also opened by the gate QR code's link
// /phone?qr=…): pick a site from the roster or use the scanned gate code, then check in or out with the phone's
// position. Without a connection the check-in is signed by the phone's key and kept until it can be uploaded.
// The site manager's page (/firm/sites/:pk/phone): settings, the printable gate code, the review queue and the map.

import { html, nothing, TemplateResult } from "lit-html";
import { api, get, NetworkError } from "../api";
import { flash, update, View } from "../app";
import { Form, Forms, send, values } from "../forms";
import { codeMessage, formatDateTime, t, tr } from "../i18n";
import { ensureDeviceKey, keepSigned, queued, randomId, uploadQueued } from "../phonekey";
import type { Site, TechnicianSite } from "../types";
import { authImg, badge, dl, errorSummary, field } from "../ui";
import { myTechnicianPk } from "./technician";
import { virtualCardPanel } from "./vcard";

interface Reason {
  code: string;
  detail: string;
}

interface CheckinOut {
  id: number;
  site_name: string;
  direction: string;
  client_time: string;
  delay_s: number;
  outcome: "accepted" | "review";
  reasons: Reason[];
  distance_m: number;
  tap_status: string | null;
  reject_reason: string | null;
  signed: boolean;
  duplicate: boolean;
}

type Result =
  | { kind: "done"; out: CheckinOut }
  | { kind: "kept" }
  | { kind: "error"; text: string };

function reasonText(r: Reason): string {
  return `${tr("phone.reason", r.code)}（${r.detail}）`;
}

function dataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

function position(): Promise<GeolocationPosition> {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) return reject(new Error("no geolocation"));
    navigator.geolocation.getCurrentPosition(resolve, reject, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
  });
}

export async function phoneView(query: URLSearchParams): Promise<View> {
  const pk = await myTechnicianPk();
  const qr = query.get("qr");
  const qrSite = qr?.split(".")[1] ?? null;
  let sites = await get<TechnicianSite[]>(`/technicians/${pk}/sites`).catch(() => [] as TechnicianSite[]);
  sites = sites.filter((s) => s.active !== false);
  let chosen = qrSite ?? sites[0]?.site_id ?? "";
  // Checking in is one form ("ph-"): one at a time, the API's refusal in its summary; the outcome (accepted, for
  // review, kept for later, no position) in the result box.
  const checking = new Form("ph-");
  let result: Result | null = null;
  let uploads: { out?: CheckinOut; code?: string; detail?: string }[] = [];
  let waiting = (await queued()).length;
  ensureDeviceKey().catch(() => {}); // made at login; again here if that did not reach the server

  async function flushQueue() {
    if (!navigator.onLine) return;
    const done = await uploadQueued<CheckinOut>();
    if (done.length) {
      uploads = done.map((d) => (d.result ? { out: d.result }
        : { code: d.error?.code, detail: d.error?.fields[0]?.message ?? d.error?.message }));
    }
    waiting = (await queued()).length;
    update();
  }
  const vcard = virtualCardPanel(() => {
    if (!chosen) return null;
    const s = sites.find((x) => x.site_id === chosen);
    return { id: chosen, name: s ? s.site_name : chosen };
  });
  const onOnline = () => void flushQueue();
  window.addEventListener("online", onOnline);
  void flushQueue();

  async function checkIn(direction: "in" | "out") {
    if (checking.status.busy) return;
    result = null;
    await checking.run(async () => {
      let pos: GeolocationPosition;
      try {
        pos = await position();
      } catch {
        result = { kind: "error", text: t("phone.no_position") };
        return;
      }
      const body: Record<string, unknown> = {
        idempotency_key: randomId(), direction, client_time: new Date().toISOString(), site_id: chosen || undefined,
        lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy_m: Math.max(pos.coords.accuracy, 0.1),
        nonce: randomId(),
      };
      if (qr && (!chosen || chosen === qrSite)) body.qr = qr;
      // The selfie travels beside the signed message (sites that ask for it match it 1:1 with the enrolled face).
      const file = (document.getElementById("phone-selfie") as HTMLInputElement | null)?.files?.[0];
      const selfie = file ? await dataUrl(file) : undefined;
      if (navigator.onLine) {
        try {
          result = { kind: "done", out: await api<CheckinOut>("POST", "/phone/checkins", { json: { ...body, selfie } }) };
          return;
        } catch (e) {
          if (!(e instanceof NetworkError)) throw e; // a refusal: the form shows it
        }
      }
      // No connection: signed by the phone's key and kept until it can be uploaded.
      const kept = await keepSigned(body, selfie);
      result = kept ? { kind: "kept" } : { kind: "error", text: t("phone.no_key") };
      waiting = (await queued()).length;
    });
  }

  function resultBox(): TemplateResult | typeof nothing {
    if (!result) return nothing;
    if (result.kind === "done") {
      const o = result.out;
      return html`<div class="notice ${o.outcome === "accepted" ? "ok" : "info"}" role="status" data-testid="phone-result"
          data-outcome=${o.outcome}>
        <p><strong>${o.outcome === "accepted" ? t("phone.accepted") : t("phone.review")}</strong></p>
        ${o.reasons.length ? html`<ul>${o.reasons.map((r) => html`<li data-reason=${r.code}>${reasonText(r)}</li>`)}</ul>` : nothing}
        ${o.reject_reason ? html`<p>${t("phone.tap_rejected", { reason: o.reject_reason })}</p>` : nothing}
      </div>`;
    }
    if (result.kind === "kept") {
      return html`<div class="notice info" role="status" data-testid="phone-result" data-outcome="kept">${t("phone.kept")}</div>`;
    }
    return html`<div class="error-summary" role="alert" data-testid="phone-result" data-outcome="error">${result.text}</div>`;
  }

  return {
    title: () => t("phone.title"),
    leave: () => {
      window.removeEventListener("online", onOnline);
      vcard.leave();
    },
    render: () => html`<section class="narrow">
      <h1 tabindex="-1">${t("phone.title")}</h1>
      <p class="hint">${t("phone.intro")}</p>
      ${qr ? html`<p class="notice info" data-testid="phone-qr">${t("phone.qr_scanned", { site: qrSite ?? "" })}</p>` : nothing}
      ${sites.length || qr
        ? html`<div class="field"><label for="phone-site">${t("phone.site")}</label>
            <select id="phone-site" name="site" @change=${(e: Event) => { chosen = (e.target as HTMLSelectElement).value; update(); }}>
              ${qrSite && !sites.some((s) => s.site_id === qrSite) ? html`<option value=${qrSite} ?selected=${chosen === qrSite}>${qrSite}</option>` : nothing}
              ${sites.map((s) => html`<option value=${s.site_id} ?selected=${chosen === s.site_id}>${s.site_name}（${s.site_id}）</option>`)}
            </select></div>
          <div class="field"><label for="phone-selfie">${t("phone.selfie")}</label>
            <input type="file" id="phone-selfie" accept="image/jpeg" capture="user" />
            <p class="hint">${t("phone.selfie_hint")}</p></div>
          <div class="actions">
            <button type="button" class="primary" data-testid="phone-in" ?disabled=${checking.status.busy} @click=${() => checkIn("in")}>${t("phone.in")}</button>
            <button type="button" data-testid="phone-out" ?disabled=${checking.status.busy} @click=${() => checkIn("out")}>${t("phone.out")}</button>
          </div>`
        : html`<p>${t("phone.no_sites")}</p>`}
      ${checking.status.busy ? html`<p role="status">${t("phone.locating")}</p>` : nothing}
      ${errorSummary(checking.status, [], "ph-")}
      ${resultBox()}
      ${waiting ? html`<p class="notice info" data-testid="phone-waiting">${t("phone.waiting", { n: waiting })}</p>` : nothing}
      ${uploads.length
        ? html`<section class="card" aria-labelledby="pu-h"><h2 id="pu-h">${t("phone.uploaded")}</h2>
            <ul data-testid="phone-uploads">${uploads.map((u) => u.out
              ? html`<li data-outcome=${u.out.outcome}>${formatDateTime(u.out.client_time)} ${u.out.site_name} ${tr("phone.dir", u.out.direction)}:
                  ${u.out.outcome === "accepted" ? t("phone.accepted") : t("phone.review")}
                  <span data-testid="phone-delay">${t("phone.delay", { min: Math.round(u.out.delay_s / 60) })}</span></li>`
              : html`<li data-outcome="refused" data-code=${u.code ?? ""}>${codeMessage(u.code ?? "") ?? u.code}（${u.detail}）</li>`)}</ul></section>`
        : nothing}
      ${sites.length || qr ? vcard.render() : nothing}
    </section>`,
  };
}

// --- the site manager's page ---------------------------------------------------------------------------------

const CHECKS = ["out_of_fence", "low_accuracy", "implausible_travel", "qr_replayed", "qr_expired", "qr_other_site",
  "face_mismatch"] as const;

interface PhoneSettings {
  enabled: boolean;
  geofence: { lat: number; lon: number; radius_m: number } | null;
  polygon: number[][] | null;
  max_accuracy_m: number;
  policy: Record<string, string>;
  selfie_required: boolean;
}

interface PhoneItem {
  id: number;
  name: string;
  technician_id: string | null;
  direction: string;
  client_time: string;
  delay_s: number;
  accuracy_m: number;
  distance_m: number;
  via_qr: boolean;
  signed: boolean;
  outcome: string;
  reasons: Reason[];
  approved: boolean | null;
  reviewed_at: string | null;
}

export interface PhonePage {
  render(): TemplateResult;
  reload(site: Site): Promise<void>;
}

export async function phonePage(first: Site): Promise<PhonePage> {
  const forms = new Forms();
  let site = first;
  let settings = await get<PhoneSettings>(`/sites/${site.id}/phone-settings`);
  let items = await get<PhoneItem[]>(`/sites/${site.id}/phone-checkins?outcome=review&undecided=true&limit=100`);
  let mapVersion = 0;

  async function reload(s: Site) {
    site = s;
    [settings, items] = await Promise.all([get<PhoneSettings>(`/sites/${site.id}/phone-settings`),
      get<PhoneItem[]>(`/sites/${site.id}/phone-checkins?outcome=review&undecided=true&limit=100`)]);
    mapVersion++;
    update();
  }

  async function onSettings(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const policy = Object.fromEntries(CHECKS.map((c) => [c, v(`policy_${c}`) || "review"]));
    const body = {
      geofence: { lat: Number(v("lat")), lon: Number(v("lon")), radius_m: Number(v("radius_m")) },
      polygon: settings.polygon, max_accuracy_m: Number(v("max_accuracy_m")), policy,
      selfie_required: new FormData(form).get("selfie_required") === "on",
    };
    const sent = await send<PhoneSettings>(forms, "ps-", { ja: `スマホ入退場の設定（${site.name}）`, en: `Phone check-in settings (${site.name})` },
      { method: "PUT", path: `/sites/${site.id}/phone-settings`, json: body });
    if (sent.state !== "done") return;
    settings = sent.result;
    mapVersion++;
    flash(t("phone.saved"));
  }

  async function decide(c: PhoneItem, approve: boolean) {
    const sent = await send<PhoneItem>(forms, `pd-${c.id}-`,
      approve ? { ja: `スマホ入退場の承認（${c.name}）`, en: `Approve a phone check-in (${c.name})` } : { ja: `スマホ入退場の却下（${c.name}）`, en: `Reject a phone check-in (${c.name})` },
      { method: "POST", path: `/sites/${site.id}/phone-checkins/${c.id}/decision`, json: { approve } });
    if (sent.state !== "done") return;
    items = items.filter((x) => x.id !== c.id);
    flash(t(approve ? "phone.approved" : "phone.rejected", { name: c.name }));
  }

  function item(c: PhoneItem): TemplateResult {
    const st = forms.get(`pd-${c.id}-`);
    return html`<li data-phone-checkin=${c.id}>
      <div class="row-head"><strong>${c.name}</strong> <span class="mono meta">${c.technician_id ?? ""}</span> ${badge("outcome", c.outcome)}</div>
      ${dl([
        [t("phone.time"), `${formatDateTime(c.client_time)} ${tr("phone.dir", c.direction)}`],
        [t("phone.distance"), `${Math.round(c.distance_m)} m（±${Math.round(c.accuracy_m)} m）`],
        [t("phone.delay_label"), t("phone.delay", { min: Math.round(c.delay_s / 60) })],
        [t("phone.reasons"), html`<ul>${c.reasons.map((r) => html`<li data-reason=${r.code}>${reasonText(r)}</li>`)}</ul>`],
      ])}
      ${errorSummary(st, [], `pd-${c.id}-`)}
      <div class="actions">
        <button type="button" class="primary" data-testid="phone-approve" ?disabled=${st.busy} @click=${() => decide(c, true)}>${t("phone.approve")}</button>
        <button type="button" class="danger" data-testid="phone-reject" ?disabled=${st.busy} @click=${() => decide(c, false)}>${t("phone.reject")}</button>
      </div>
    </li>`;
  }

  return {
    reload,
    render: () => {
      const st = forms.get("ps-");
      const g = settings.geofence;
      return html`
        <section class="card" aria-labelledby="pq-h">
          <h2 id="pq-h">${t("phone.queue")}</h2>
          ${items.length ? html`<ul class="list" data-testid="phone-queue">${items.map(item)}</ul>`
            : html`<p data-testid="no-phone-checkins">${t("phone.queue_empty")}</p>`}
        </section>
        <section class="card" aria-labelledby="pm-h">
          <h2 id="pm-h">${t("phone.map")}</h2>
          <p class="hint">${t("phone.map_intro")}</p>
          ${settings.enabled ? authImg(`/sites/${site.id}/phone-map`, t("phone.map"), "phone-map", mapVersion) : html`<p>${t("phone.off")}</p>`}
        </section>
        <section class="card" aria-labelledby="pg-h">
          <h2 id="pg-h">${t("phone.gate")}</h2>
          <p class="hint">${t("phone.gate_intro")}</p>
          <p><a href="/api/v1/sites/${site.id}/gate-qr/print" target="_blank" rel="noopener" data-testid="gate-print">${t("phone.gate_print")}</a></p>
        </section>
        <section class="card" aria-labelledby="ps-h">
          <h2 id="ps-h">${t("phone.settings")}</h2>
          <p class="hint">${t("phone.settings_intro")}</p>
          ${errorSummary(st, ["lat", "lon", "radius_m", "max_accuracy_m"], "ps-")}
          <form @submit=${onSettings} novalidate data-testid="phone-settings">
            <div class="grid2">
              ${field({ name: "lat", prefix: "ps-", label: t("phone.lat"), inputmode: "decimal", value: g?.lat ?? "", required: true, errors: st.errors })}
              ${field({ name: "lon", prefix: "ps-", label: t("phone.lon"), inputmode: "decimal", value: g?.lon ?? "", required: true, errors: st.errors })}
              ${field({ name: "radius_m", prefix: "ps-", label: t("phone.radius"), type: "number", value: g?.radius_m ?? 100, required: true, errors: st.errors })}
              ${field({ name: "max_accuracy_m", prefix: "ps-", label: t("phone.max_accuracy"), type: "number", value: settings.max_accuracy_m, required: true, errors: st.errors })}
              ${CHECKS.map((c) => field({ name: `policy_${c}`, prefix: "ps-", label: tr("phone.reason", c), value: settings.policy[c] ?? "review",
                options: [["review", t("phone.policy_review")], ["refuse", t("phone.policy_refuse")]], errors: st.errors }))}
            </div>
            <p><label><input type="checkbox" name="selfie_required" ?checked=${settings.selfie_required} /> ${t("phone.selfie_required")}</label></p>
            <button type="submit" class="primary" ?disabled=${st.busy}>${t("phone.save")}</button>
          </form>
        </section>`;
    },
  };
}
