// The kiosk's screens (kiosk.ts holds the state and the behaviour): the enrolment forms, the camera with the face
// check-in button or the virtual card reader, and the result shown large; and the frames a face check-in sends.

import { html, nothing, TemplateResult } from "lit-html";
import { update } from "../app";
import { codeMessage, getLang, has, setLang, t, tr } from "../i18n";
import { errorSummary } from "../ui";
import type { Kiosk } from "./kiosk";
import { enrolThisPhone, phoneReaderForm, VERSION } from "./kiosk-enrol";
import type { ScanResult } from "./kiosk-scan";

async function switchLang(): Promise<void> {
  try {
    await setLang(getLang() === "ja" ? "en" : "ja");
  } catch {
    return; // offline and English never fetched: the kiosk stays in Japanese (kioskView fetches it at start)
  }
  update();
}

function top(k: Kiosk): TemplateResult {
  return html`<header class="kiosk-top">
    <h1 tabindex="-1">${t("kiosk.title")}${k.enrolment ? html` <span class="kiosk-site">${k.enrolment.site_name ?? t("kiosk.site", { pk: k.enrolment.site_id })}</span>` : nothing}</h1>
    <div class="kiosk-actions">
      ${k.awake ? html`<span class="meta kiosk-awake">${t("kiosk.wake_lock")}</span>` : nothing}
      <button type="button" class="lang" lang=${getLang() === "ja" ? "en" : "ja"} data-testid="lang-switch"
        aria-label=${t("app.lang_switch_label")} @click=${() => void switchLang()}>${t("app.lang_switch")}</button>
    </div>
  </header>
  <div role="status" aria-live="polite" class="kiosk-status">
    ${k.online ? nothing : html`<p class="banner offline" data-testid="offline-banner">${t("kiosk.offline")}</p>`}
    ${k.notice ? html`<p class="banner queued">${k.notice}</p>` : nothing}
  </div>`;
}

function enrolForm(k: Kiosk): TemplateResult {
  const st = k.enrolForm.status;
  return html`<section class="kiosk-enrol card" aria-labelledby="enrol-h">
    <h2 id="enrol-h">${t("kiosk.enrol_title")}</h2>
    <p id="enrol-intro">${t("kiosk.enrol_intro")}</p>
    ${errorSummary(st, ["code"], "kiosk-")}
    <form @submit=${(e: SubmitEvent) => k.enrol(e)} novalidate>
      <div class="field ${st.errors.code ? "has-error" : ""}">
        <label for="f-kiosk-code">${t("kiosk.code")} <span class="req">${t("f.required")}</span></label>
        ${st.errors.code ? html`<p class="field-error" id="f-kiosk-code-error">${st.errors.code}</p>` : nothing}
        <input id="f-kiosk-code" name="code" required autocomplete="off" autocapitalize="characters" spellcheck="false"
          class="mono big-input" aria-invalid=${st.errors.code ? "true" : "false"}
          aria-describedby=${st.errors.code ? "enrol-intro f-kiosk-code-error" : "enrol-intro"} />
      </div>
      <button type="submit" class="primary kiosk-button" ?disabled=${st.busy}>${t("kiosk.enrol")}</button>
    </form>
  </section>
  ${phoneReaderForm(k.sites, st.busy, (site) => void k.enrolWith(() => enrolThisPhone(site, VERSION)))}`;
}

function scanResultView(k: Kiosk, o: ScanResult): TemplateResult {
  const ok = o.outcome === "accepted" || o.outcome === "pending" || o.outcome === "kept";
  return html`<div class="kiosk-result result-${ok ? "accepted" : "not_recognised"}" id="kiosk-result" tabindex="-1" role="alert"
      data-testid="kiosk-result" data-outcome=${`scan-${o.outcome}`} data-reason=${o.reason ?? ""}>
    <div>
      ${o.name ? html`<p class="result-name" data-testid="kiosk-name">${t("kiosk.name", { name: o.name })}</p>` : nothing}
      <p class="result-head">${tr("kiosk.scan", o.outcome)}</p>
      ${o.reason && !ok ? html`<p class="result-sub">${has(`reject.${o.reason}`) ? tr("reject", o.reason) : codeMessage(o.reason) ?? o.reason}</p>` : nothing}
      <button type="button" class="kiosk-button" @click=${() => k.toReady()}>${t("kiosk.next")}</button>
    </div>
  </div>`;
}

function resultView(k: Kiosk): TemplateResult {
  const r = k.result!;
  if (r.kind === "scan") return scanResultView(k, r.out);
  if (r.kind === "error") {
    return html`<div class="kiosk-result result-error" id="kiosk-result" tabindex="-1" role="alert" data-testid="kiosk-result" data-outcome="error">
      <p class="result-head">${r.text}</p>
      <button type="button" class="kiosk-button" @click=${() => k.toReady()}>${t("kiosk.next")}</button>
    </div>`;
  }
  const o = r.out;
  const who = o.technician;
  // Recognised, but the attendance itself was refused (not on the site's tree, a card revoked…): the API says why.
  const rejected = o.tap_status === "rejected";
  const head = rejected ? t("kiosk.result.rejected") : tr("kiosk.result", o.outcome);
  const sub = rejected ? (getLang() === "ja" ? o.message : o.reject_reason ?? "")
    : o.outcome === "accepted" ? (getLang() === "ja" ? o.message : "") : tr("kiosk.result", `${o.outcome}_sub`);
  return html`<div class="kiosk-result result-${rejected ? "not_recognised" : o.outcome}" id="kiosk-result" tabindex="-1" role="alert" data-testid="kiosk-result" data-outcome=${o.outcome} data-tap=${o.tap_status ?? ""}>
    ${who?.photo ? html`<img class="kiosk-photo" src=${who.photo} alt=${t("kiosk.photo_alt", { name: who.name })} />` : nothing}
    <div>
      ${who ? html`<p class="result-name" data-testid="kiosk-name">${t("kiosk.name", { name: who.name })}</p>` : nothing}
      <p class="result-head">${head}${o.duplicate ? html` <span class="result-dup">${t("kiosk.duplicate")}</span>` : nothing}</p>
      ${sub ? html`<p class="result-sub">${sub}</p>` : nothing}
      <button type="button" class="kiosk-button" @click=${() => k.toReady()}>${t("kiosk.next")}</button>
    </div>
  </div>`;
}

function panel(k: Kiosk): TemplateResult {
  switch (k.phase) {
    case "capturing":
      return html`<p class="kiosk-big" data-testid="kiosk-state">${t("kiosk.look")}</p>`;
    case "sending":
      return html`<p class="kiosk-big" data-testid="kiosk-state">${t("kiosk.sending")}</p>`;
    case "waiting":
      return html`<p class="kiosk-big" data-testid="kiosk-state">${t("kiosk.waiting_network")}</p>`;
    default:
      if (k.mode === "scan") {
        return html`<p class="kiosk-big" data-testid="kiosk-scan-ready">${t("kiosk.scan_ready")}</p><p>${t("kiosk.scan_hint")}</p>
          ${k.scanner.waiting ? html`<p class="meta" data-testid="kiosk-scan-queue">${t("kiosk.scan_queue", { n: k.scanner.waiting })}</p>` : nothing}`;
      }
      return html`<p class="kiosk-big">${t("kiosk.ready")}</p>
        <p>${t("kiosk.ready_hint")}</p>
        ${k.cameraError
          ? html`<div class="error-summary" role="alert"><p>${t("kiosk.camera_error")}</p>
              <button type="button" @click=${() => void k.startCamera()}>${t("kiosk.camera_retry")}</button></div>`
          : nothing}
        <button type="button" class="primary kiosk-start" data-testid="kiosk-start" aria-label=${t("kiosk.start_label")}
          ?disabled=${!k.cameraReady || k.phase !== "ready"} @click=${() => void k.checkIn()}>${t("kiosk.start")}</button>`;
  }
}

export function renderKiosk(k: Kiosk): TemplateResult {
  if (k.phase === "enrol" || !k.enrolment) {
    return html`<div class="kiosk">${top(k)}${enrolForm(k)}</div>`;
  }
  return html`<div class="kiosk" data-phase=${k.phase}>
    ${top(k)}
    <div class="kiosk-body">
      <figure class="kiosk-camera">
        <video id="kiosk-video" autoplay muted playsinline aria-label=${t("kiosk.camera_title")}></video>
        ${k.cameraReady ? nothing : html`<figcaption class="kiosk-camera-wait">${k.cameraError ? t("kiosk.camera_error") : t("kiosk.camera_starting")}</figcaption>`}
      </figure>
      <section class="kiosk-panel" aria-live="polite">
        <div class="kiosk-modes" role="group" aria-label=${t("kiosk.mode_label")}>
          ${(["face", "scan"] as const).map((m) => html`<button type="button" data-testid=${`kiosk-mode-${m}`} aria-pressed=${k.mode === m ? "true" : "false"}
            @click=${() => k.setMode(m)}>${tr("kiosk.mode", m)}</button>`)}
        </div>
        ${panel(k)}
      </section>
    </div>
    ${k.phase === "result" && k.result ? resultView(k) : nothing}
    <footer class="kiosk-foot"><button type="button" class="link" @click=${() => k.unregister()}>${t("kiosk.forget")}</button>
      <span class="meta">${VERSION}</span></footer>
  </div>`;
}

/** 3 JPEG frames 640×480, ~350 ms apart, for a face check-in. */
export async function captureFrames(video: HTMLVideoElement): Promise<Blob[]> {
  const canvas = document.createElement("canvas");
  canvas.width = 640;
  canvas.height = 480;
  const ctx = canvas.getContext("2d")!;
  const out: Blob[] = [];
  for (let i = 0; i < 3; i++) {
    if (i) await new Promise((r) => setTimeout(r, 350));
    // Centre crop to 4:3 (the camera may give 16:9), mirrored back: the preview is mirrored for the person, the
    // frames are sent as the camera sees them.
    const vw = video.videoWidth || 640;
    const vh = video.videoHeight || 480;
    const scale = Math.min(vw / 640, vh / 480);
    const sw = 640 * scale;
    const sh = 480 * scale;
    ctx.drawImage(video, (vw - sw) / 2, (vh - sh) / 2, sw, sh, 0, 0, 640, 480);
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, "image/jpeg", 0.85));
    if (blob) out.push(blob);
  }
  return out;
}
