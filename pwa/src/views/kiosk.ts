// Kiosk mode (/kiosk): a site tablet in landscape that checks people in by face, unattended all day.
//
// * Not enrolled (no token in localStorage): the one-time code from the firm portal's device page is exchanged for
//   the device token (POST /devices/enrol). The token survives a restart of the tablet or the browser.
// * Ready: the front camera's picture and one large button. On a press, 3 JPEG frames 640×480 are taken ~350 ms
//   apart and sent (POST /face/checkins with the device token). The answer is shown large for 5 s, then ready again.
// * A lost connection: the attempt is kept (same idempotency key, same device time) and sent when the connection
//   returns; an offline banner says so. 503 (busy): one retry after Retry-After. 401: the device was revoked or
//   rotated, so the token is forgotten and the enrolment form shown. A heartbeat every 5 minutes notices that too.
// * The screen is kept on (Wake Lock) where the browser offers it; the camera restarts by itself if it stops; the page
//   reloads itself once a night while idle, so a new release reaches the tablet.

import { html, nothing, TemplateResult } from "lit-html";
import pkg from "../../package.json";
import { update, View } from "../app";
import { codeMessage, getLang, has, setLang, t, tr } from "../i18n";
import "../kiosk.css";

const STORE = "openccus.kiosk";
const VERSION = `pwa-kiosk/${pkg.version}`;
const FRAMES = 3;
const FRAME_GAP_MS = 350;
const RESULT_MS = 5000;
const RETRY_MS = 5000;
const HEARTBEAT_MS = 5 * 60_000;
const PENDING_MAX_MS = 10 * 60_000; // an attempt older than this is dropped (the person has long gone)

interface Enrolment {
  device_id: string;
  device_token: string;
  site_id: string;
  site_name?: string; // from GET /devices/me, so the screen names the site, not only its 現場ID
  enrolled_at: string;
}

interface Recognised {
  pk: number;
  technician_id: string;
  name: string;
  photo: string | null;
}

interface CheckinOut {
  id: number;
  outcome: "accepted" | "review" | "needs_card" | "not_recognised" | "ambiguous";
  message: string;
  technician: Recognised | null;
  tap_status: string | null;
  reject_reason?: string | null;
  distance: number | null;
  liveness_risk: number;
  duplicate: boolean;
}

interface Attempt {
  key: string;
  deviceTime: string;
  frames: Blob[];
  created: number;
  retried: boolean;
}

type Phase = "enrol" | "ready" | "capturing" | "sending" | "waiting" | "result";
type Result = { kind: "checkin"; out: CheckinOut } | { kind: "error"; text: string };

function loadEnrolment(): Enrolment | null {
  try {
    const e = JSON.parse(localStorage.getItem(STORE) || "null") as Enrolment | null;
    return e && typeof e.device_token === "string" ? e : null;
  } catch {
    return null;
  }
}

function newKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Now as ISO 8601 with the tablet's own offset (+09:00 in Japan), as the API wants device_time. */
export function localIso(d = new Date()): string {
  const off = -d.getTimezoneOffset();
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, "0");
  const local = new Date(d.getTime() + off * 60_000).toISOString().slice(0, 23);
  return `${local}${off >= 0 ? "+" : "-"}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Kiosk {
  enrolment = loadEnrolment();
  phase: Phase = this.enrolment ? "ready" : "enrol";
  online = navigator.onLine;
  enrolError: string | null = null;
  enrolBusy = false;
  notice: string | null = null;
  cameraError = false;
  cameraReady = false;
  result: Result | null = null;
  pending: Attempt | null = null;
  awake = false;
  private stream: MediaStream | null = null;
  private lock: { release(): Promise<void> } | null = null;
  private timers: number[] = [];
  private resultTimer: number | undefined;
  private retryTimer: number | undefined;
  private cameraTimer: number | undefined;
  private left = false;
  private inFlight = false; // the retry timer and the online event may both fire: one request at a time

  private readonly onOnline = () => {
    this.online = true;
    update();
    if (this.pending) void this.send(this.pending);
  };
  private readonly onOffline = () => {
    this.online = false;
    update();
  };
  private readonly onVisible = () => {
    if (document.visibilityState === "visible" && this.phase !== "enrol") void this.keepAwake();
  };

  start(): void {
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    document.addEventListener("visibilitychange", this.onVisible);
    this.timers.push(window.setInterval(() => void this.heartbeat(), HEARTBEAT_MS));
    this.scheduleNightlyReload();
    if (this.enrolment) {
      void this.startCamera();
      if (!this.enrolment.site_name) void this.loadSite();
    }
  }

  leave(): void {
    this.left = true;
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    document.removeEventListener("visibilitychange", this.onVisible);
    this.timers.forEach((id) => clearInterval(id));
    [this.resultTimer, this.retryTimer, this.cameraTimer].forEach((id) => clearTimeout(id));
    this.stopCamera();
    void this.lock?.release().catch(() => {});
  }

  // --- enrolment ---------------------------------------------------------------------------------------------

  async enrol(ev: SubmitEvent): Promise<void> {
    ev.preventDefault();
    const code = String(new FormData(ev.target as HTMLFormElement).get("code") ?? "").trim();
    this.enrolError = null;
    if (code.length < 6) {
      this.enrolError = t("err.required");
      update();
      return this.focus("enrol-error");
    }
    if (!navigator.onLine) {
      this.enrolError = t("kiosk.enrol_offline");
      update();
      return this.focus("enrol-error");
    }
    this.enrolBusy = true;
    update();
    try {
      const res = await fetch("/api/v1/devices/enrol", {
        method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ code, software_version: VERSION }), cache: "no-store",
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        this.enrolError = res.status === 401 ? t("kiosk.bad_code") : (typeof data.error === "string" && codeMessage(data.error)) || t("kiosk.error");
        return this.focus("enrol-error");
      }
      this.enrolment = { device_id: String(data.device_id), device_token: data.device_token, site_id: String(data.site_id), enrolled_at: new Date().toISOString() };
      localStorage.setItem(STORE, JSON.stringify(this.enrolment));
      void this.loadSite();
      this.notice = t("kiosk.enrolled");
      this.phase = "ready";
      void this.startCamera();
    } catch {
      this.enrolError = t("app.network_error");
      this.focus("enrol-error");
    } finally {
      this.enrolBusy = false;
      update();
    }
  }

  /** The device was revoked or rotated (401), or the code was for a card reader (403): enrol again. */
  private forget(reason: string): void {
    localStorage.removeItem(STORE);
    this.enrolment = null;
    this.pending = null;
    this.result = null;
    this.phase = "enrol";
    this.enrolError = reason;
    this.stopCamera();
    update();
    this.focus("enrol-error");
  }

  unregister(): void {
    if (!window.confirm(t("kiosk.forget_confirm"))) return;
    this.forget("");
    this.enrolError = null;
    update();
  }

  // --- camera ------------------------------------------------------------------------------------------------

  private async startCamera(): Promise<void> {
    clearTimeout(this.cameraTimer);
    this.cameraError = false;
    this.cameraReady = false;
    update();
    try {
      this.stopCamera();
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: false, video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } },
      });
      if (this.left) return this.stopCamera();
      for (const track of this.stream.getVideoTracks()) {
        // A camera that stops (unplugged, taken by another app) is restarted after a moment.
        track.addEventListener("ended", () => this.cameraLost());
      }
      this.attach();
      void this.keepAwake();
    } catch {
      this.cameraLost();
    }
  }

  private cameraLost(): void {
    if (this.left) return;
    this.cameraError = true;
    this.cameraReady = false;
    update();
    clearTimeout(this.cameraTimer);
    this.cameraTimer = window.setTimeout(() => void this.startCamera(), 10_000);
  }

  private stopCamera(): void {
    this.stream?.getTracks().forEach((tr) => tr.stop());
    this.stream = null;
  }

  /** Give the <video> the stream (after a render, the element may be new). */
  attach(): void {
    const video = document.getElementById("kiosk-video") as HTMLVideoElement | null;
    if (!video || !this.stream) return;
    if (video.srcObject !== this.stream) {
      video.srcObject = this.stream;
      video.onloadeddata = () => {
        this.cameraReady = true;
        update();
      };
      void video.play().catch(() => {});
    }
  }

  private async keepAwake(): Promise<void> {
    const wl = (navigator as Navigator & { wakeLock?: { request(type: "screen"): Promise<{ release(): Promise<void>; addEventListener(t: string, f: () => void): void }> } }).wakeLock;
    if (!wl || this.lock) return;
    try {
      const lock = await wl.request("screen");
      this.lock = lock;
      this.awake = true;
      lock.addEventListener("release", () => {
        this.lock = null;
        this.awake = false;
        update();
      });
      update();
    } catch {
      /* not allowed now (a hidden tab, battery saver): asked again when the page is visible */
    }
  }

  private async frames(): Promise<Blob[]> {
    const video = document.getElementById("kiosk-video") as HTMLVideoElement;
    const canvas = document.createElement("canvas");
    canvas.width = 640;
    canvas.height = 480;
    const ctx = canvas.getContext("2d")!;
    const out: Blob[] = [];
    for (let i = 0; i < FRAMES; i++) {
      if (i) await sleep(FRAME_GAP_MS);
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

  // --- check-in ----------------------------------------------------------------------------------------------

  async checkIn(): Promise<void> {
    if (this.phase !== "ready" || !this.cameraReady) return;
    this.notice = null;
    this.phase = "capturing";
    update();
    const deviceTime = localIso();
    const frames = await this.frames();
    const attempt: Attempt = { key: newKey(), deviceTime, frames, created: Date.now(), retried: false };
    await this.send(attempt);
  }

  private async send(a: Attempt): Promise<void> {
    if (!this.enrolment || this.inFlight) return;
    clearTimeout(this.retryTimer);
    if (Date.now() - a.created > PENDING_MAX_MS) {
      this.pending = null;
      return this.toReady();
    }
    this.phase = "sending";
    update();
    const fd = new FormData();
    a.frames.forEach((b, i) => fd.append(`frame${i + 1}`, b, `frame${i + 1}.jpg`));
    fd.append("idempotency_key", a.key);
    fd.append("device_time", a.deviceTime);
    let res: Response;
    this.inFlight = true;
    try {
      res = await fetch("/api/v1/face/checkins", {
        method: "POST", body: fd, cache: "no-store",
        headers: { Authorization: `Bearer ${this.enrolment.device_token}`, Accept: "application/json" },
      });
    } catch {
      // No connection: keep the attempt (same key, same time) and send it when the connection returns.
      this.pending = a;
      this.phase = "waiting";
      update();
      this.retryTimer = window.setTimeout(() => void this.send(a), RETRY_MS);
      return;
    } finally {
      this.inFlight = false;
    }
    this.pending = null;
    const data = await res.json().catch(() => ({}));
    if (res.status === 401) return this.forget(t("kiosk.revoked"));
    if (res.status === 403) return this.forget(t("kiosk.not_kiosk"));
    if (res.status === 503 && !a.retried) {
      const after = Math.min(10, Math.max(1, Number(res.headers.get("Retry-After")) || 2));
      await sleep(after * 1000);
      return this.send({ ...a, retried: true });
    }
    if (res.ok) return this.show({ kind: "checkin", out: data as CheckinOut });
    if (res.status === 422 && typeof data.error === "string") {
      // The kiosk's own words for the known refusals (one person at a time, come closer…); the catalogue's otherwise.
      const key = `kiosk.err.${data.error}`;
      return this.show({ kind: "error", text: has(key) ? t(key) : codeMessage(data.error) || t("kiosk.error") });
    }
    this.show({ kind: "error", text: res.status === 503 ? t("kiosk.busy") : t("kiosk.error") });
  }

  private show(r: Result): void {
    this.result = r;
    this.phase = "result";
    update();
    this.focus("kiosk-result");
    clearTimeout(this.resultTimer);
    this.resultTimer = window.setTimeout(() => this.toReady(), RESULT_MS);
  }

  toReady(): void {
    clearTimeout(this.resultTimer);
    this.result = null;
    this.phase = this.enrolment ? "ready" : "enrol";
    update();
  }

  private async loadSite(): Promise<void> {
    if (!this.enrolment) return;
    try {
      const res = await fetch("/api/v1/devices/me", { cache: "no-store", headers: { Authorization: `Bearer ${this.enrolment.device_token}` } });
      if (!res.ok) return;
      const me = await res.json();
      if (this.enrolment) {
        this.enrolment.site_name = String(me.site_name);
        localStorage.setItem(STORE, JSON.stringify(this.enrolment));
        update();
      }
    } catch {
      /* offline: the 現場ID is shown meanwhile */
    }
  }

  private async heartbeat(): Promise<void> {
    if (!this.enrolment || !navigator.onLine) return;
    try {
      const res = await fetch("/api/v1/devices/heartbeat", {
        method: "POST", cache: "no-store",
        headers: { Authorization: `Bearer ${this.enrolment.device_token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ software_version: VERSION, outbox_depth: this.pending ? 1 : 0 }),
      });
      if (res.status === 401 && this.phase === "ready") this.forget(t("kiosk.revoked"));
    } catch {
      /* offline: the banner says so already */
    }
  }

  private scheduleNightlyReload(): void {
    const now = new Date();
    const next = new Date(now);
    next.setHours(3, 0, 0, 0);
    if (next <= now) next.setDate(next.getDate() + 1);
    const tryReload = () => {
      if (this.left) return;
      if (this.phase === "ready" && !this.pending && navigator.onLine) location.reload();
      else this.timers.push(window.setTimeout(tryReload, 60_000));
    };
    this.timers.push(window.setTimeout(tryReload, next.getTime() - now.getTime()));
  }

  private focus(id: string): void {
    requestAnimationFrame(() => document.getElementById(id)?.focus());
  }

  // --- rendering ---------------------------------------------------------------------------------------------

  private top(): TemplateResult {
    return html`<header class="kiosk-top">
      <h1 tabindex="-1">${t("kiosk.title")}${this.enrolment ? html` <span class="kiosk-site">${this.enrolment.site_name ?? t("kiosk.site", { pk: this.enrolment.site_id })}</span>` : nothing}</h1>
      <div class="kiosk-actions">
        ${this.awake ? html`<span class="meta kiosk-awake">${t("kiosk.wake_lock")}</span>` : nothing}
        <button type="button" class="lang" lang=${getLang() === "ja" ? "en" : "ja"} data-testid="lang-switch"
          aria-label=${t("app.lang_switch_label")} @click=${() => { setLang(getLang() === "ja" ? "en" : "ja"); update(); }}>${t("app.lang_switch")}</button>
      </div>
    </header>
    <div role="status" aria-live="polite" class="kiosk-status">
      ${this.online ? nothing : html`<p class="banner offline" data-testid="offline-banner">${t("kiosk.offline")}</p>`}
      ${this.notice ? html`<p class="banner queued">${this.notice}</p>` : nothing}
    </div>`;
  }

  private enrolForm(): TemplateResult {
    return html`<section class="kiosk-enrol card" aria-labelledby="enrol-h">
      <h2 id="enrol-h">${t("kiosk.enrol_title")}</h2>
      <p id="enrol-intro">${t("kiosk.enrol_intro")}</p>
      ${this.enrolError ? html`<div class="error-summary" role="alert" tabindex="-1" id="enrol-error" data-testid="enrol-error"><p>${this.enrolError}</p></div>` : nothing}
      <form @submit=${(e: SubmitEvent) => this.enrol(e)} novalidate>
        <div class="field">
          <label for="f-kiosk-code">${t("kiosk.code")} <span class="req">${t("f.required")}</span></label>
          <input id="f-kiosk-code" name="code" required autocomplete="off" autocapitalize="characters" spellcheck="false"
            class="mono big-input" aria-describedby="enrol-intro" />
        </div>
        <button type="submit" class="primary kiosk-button" ?disabled=${this.enrolBusy}>${t("kiosk.enrol")}</button>
      </form>
    </section>`;
  }

  private resultView(): TemplateResult {
    const r = this.result!;
    if (r.kind === "error") {
      return html`<div class="kiosk-result result-error" id="kiosk-result" tabindex="-1" role="alert" data-testid="kiosk-result" data-outcome="error">
        <p class="result-head">${r.text}</p>
        <button type="button" class="kiosk-button" @click=${() => this.toReady()}>${t("kiosk.next")}</button>
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
        <button type="button" class="kiosk-button" @click=${() => this.toReady()}>${t("kiosk.next")}</button>
      </div>
    </div>`;
  }

  private panel(): TemplateResult {
    switch (this.phase) {
      case "capturing":
        return html`<p class="kiosk-big" data-testid="kiosk-state">${t("kiosk.look")}</p>`;
      case "sending":
        return html`<p class="kiosk-big" data-testid="kiosk-state">${t("kiosk.sending")}</p>`;
      case "waiting":
        return html`<p class="kiosk-big" data-testid="kiosk-state">${t("kiosk.waiting_network")}</p>`;
      default:
        return html`<p class="kiosk-big">${t("kiosk.ready")}</p>
          <p>${t("kiosk.ready_hint")}</p>
          ${this.cameraError
            ? html`<div class="error-summary" role="alert"><p>${t("kiosk.camera_error")}</p>
                <button type="button" @click=${() => void this.startCamera()}>${t("kiosk.camera_retry")}</button></div>`
            : nothing}
          <button type="button" class="primary kiosk-start" data-testid="kiosk-start" aria-label=${t("kiosk.start_label")}
            ?disabled=${!this.cameraReady || this.phase !== "ready"} @click=${() => void this.checkIn()}>${t("kiosk.start")}</button>`;
    }
  }

  render(): TemplateResult {
    queueMicrotask(() => this.attach());
    if (this.phase === "enrol" || !this.enrolment) {
      return html`<div class="kiosk">${this.top()}${this.enrolForm()}</div>`;
    }
    return html`<div class="kiosk" data-phase=${this.phase}>
      ${this.top()}
      <div class="kiosk-body">
        <figure class="kiosk-camera">
          <video id="kiosk-video" autoplay muted playsinline aria-label=${t("kiosk.camera_title")}></video>
          ${this.cameraReady ? nothing : html`<figcaption class="kiosk-camera-wait">${this.cameraError ? t("kiosk.camera_error") : t("kiosk.camera_starting")}</figcaption>`}
        </figure>
        <section class="kiosk-panel" aria-live="polite">${this.panel()}</section>
      </div>
      ${this.phase === "result" && this.result ? this.resultView() : nothing}
      <footer class="kiosk-foot"><button type="button" class="link" @click=${() => this.unregister()}>${t("kiosk.forget")}</button>
        <span class="meta">${VERSION}</span></footer>
    </div>`;
  }
}

export function kioskView(): View {
  const kiosk = new Kiosk();
  kiosk.start();
  return {
    bare: true,
    title: () => t("kiosk.title"),
    render: () => kiosk.render(),
    leave: () => kiosk.leave(),
  };
}
