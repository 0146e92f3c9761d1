// Kiosk mode (/kiosk): a site tablet in landscape that checks people in by face, unattended all day, or reads the
// technicians' virtual cards (kiosk-scan.ts); a site manager's phone runs the same view as a virtual card reader.
//
// * Not enrolled (no token in localStorage): the one-time code from the firm portal's device page is exchanged for
//   the device token, or a logged-in site manager makes this phone a device of their site (kiosk-enrol.ts).
// * Ready: the front camera's picture and one large button. On a press, 3 JPEG frames 640×480 are taken ~350 ms
//   apart and sent (POST /face/checkins with the device token). The answer is shown large for 5 s, then ready again.
// * A lost connection: the attempt is kept (same idempotency key, same device time) and sent when the connection
//   returns; an offline banner says so. 503 (busy): one retry after Retry-After. 401: the device was revoked or
//   rotated, so the token is forgotten and the enrolment form shown. A heartbeat every 5 minutes notices that too.
// * The screen is kept on (Wake Lock) where the browser offers it; the camera restarts by itself if it stops; the page
//   reloads itself once a night while idle, so a new release reaches the tablet.

import type { TemplateResult } from "lit-html";
import { update, View } from "../app";
import { Form } from "../forms";
import { codeMessage, has, t } from "../i18n";
import { loadEnglish } from "../english";
import "../kiosk.css";
import { emptyStatus } from "../ui";
import {
  Enrolment, EnrolError, exchangeCode, VERSION, loadEnrolment, managedSites, saveEnrolment, STORE,
} from "./kiosk-enrol";
import { captureFrames, renderKiosk } from "./kiosk-render";
import { DeviceGone, localIso, newKey, Scanner } from "./kiosk-scan";
import {
  type Phase, type Result, type Attempt, type Sites, HEARTBEAT_MS, SCAN_MS, PENDING_MAX_MS, RETRY_MS, sleep,
  type CheckinOut, SCAN_RESULT_MS, RESULT_MS,
} from "./kiosk-types";

export class Kiosk {
  enrolment = loadEnrolment();
  phase: Phase = this.enrolment ? "ready" : "enrol";
  online = navigator.onLine;
  readonly enrolForm = new Form("kiosk-"); // both enrolments: one at a time, the refusal in its summary
  notice: string | null = null;
  cameraError = false;
  cameraReady = false;
  result: Result | null = null;
  pending: Attempt | null = null;
  awake = false;
  mode: "face" | "scan" = this.enrolment?.mode ?? "face";
  sites: Sites | null = null;
  readonly scanner = new Scanner(() => this.enrolment?.device_token ?? null, () => this.enrolment?.site_id ?? "");
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
    void this.uploadReads();
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
    this.timers.push(window.setInterval(() => void this.scanTick(), SCAN_MS));
    this.scheduleNightlyReload();
    if (this.enrolment) {
      void this.startCamera();
      if (!this.enrolment.site_name) void this.loadSite();
      void this.scanner.refreshRoster(true).then(() => this.uploadReads());
    } else void this.loadSites();
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
    if (code.length < 6) return this.enrolForm.invalid({ code: t("err.required") });
    await this.enrolWith(() => exchangeCode(code, VERSION));
  }

  private async loadSites(): Promise<void> {
    this.sites = await managedSites();
    update();
  }

  async enrolWith(make: () => Promise<Enrolment>): Promise<void> {
    await this.enrolForm.action(make, {
      // The enrolment's refusals are worded for the kiosk already (a wrong code, a code for another kind of device).
      refusal: (e) => (e instanceof EnrolError ? { errors: {}, message: e.message, busy: false } : null),
      done: (e) => {
        this.enrolment = e;
        saveEnrolment(e);
        this.mode = e.mode ?? "face";
        if (!e.site_name) void this.loadSite();
        void this.scanner.refreshRoster(true);
        this.notice = t("kiosk.enrolled");
        this.phase = "ready";
        void this.startCamera();
      },
    });
  }

  /** The device was revoked or rotated (401), or the code was for a card reader (403): enrol again. */
  private forget(reason: string | null): void {
    localStorage.removeItem(STORE);
    this.scanner.forget();
    this.enrolment = null;
    this.pending = null;
    this.result = null;
    this.phase = "enrol";
    this.stopCamera();
    void this.loadSites();
    if (reason) this.enrolForm.invalid({}, reason);
    else this.enrolForm.set(emptyStatus());
  }

  unregister(): void {
    if (!window.confirm(t("kiosk.forget_confirm"))) return;
    this.forget(null);
  }

  // --- camera ------------------------------------------------------------------------------------------------

  async startCamera(): Promise<void> {
    clearTimeout(this.cameraTimer);
    this.cameraError = false;
    this.cameraReady = false;
    update();
    try {
      this.stopCamera();
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: false, video: { facingMode: this.enrolment?.facing ?? "user", width: { ideal: 1280 }, height: { ideal: 720 } },
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

  // --- check-in ----------------------------------------------------------------------------------------------

  async checkIn(): Promise<void> {
    if (this.phase !== "ready" || !this.cameraReady) return;
    this.notice = null;
    this.phase = "capturing";
    update();
    const deviceTime = localIso();
    const frames = await captureFrames(document.getElementById("kiosk-video") as HTMLVideoElement);
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
    this.resultTimer = window.setTimeout(() => this.toReady(), r.kind === "scan" ? SCAN_RESULT_MS : RESULT_MS);
  }

  // --- virtual cards -----------------------------------------------------------------------------------------

  setMode(mode: "face" | "scan"): void {
    this.mode = mode;
    if (this.enrolment) saveEnrolment({ ...this.enrolment, mode });
    update();
  }

  private async scanTick(): Promise<void> {
    if (this.mode !== "scan" || this.phase !== "ready" || !this.cameraReady) return;
    const video = document.getElementById("kiosk-video") as HTMLVideoElement | null;
    const text = video && (await this.scanner.detect(video));
    if (!text || this.phase !== "ready") return;
    try {
      const out = await this.scanner.handle(text);
      if (out) this.show({ kind: "scan", out });
    } catch (e) {
      if (e instanceof DeviceGone) return this.forget(t("kiosk.revoked"));
      throw e;
    }
  }

  private async uploadReads(): Promise<void> {
    try {
      await this.scanner.upload();
      update();
    } catch (e) {
      if (e instanceof DeviceGone) this.forget(t("kiosk.revoked"));
    }
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
        body: JSON.stringify({ software_version: VERSION, outbox_depth: (this.pending ? 1 : 0) + this.scanner.waiting }),
      });
      void this.scanner.refreshRoster();
      void this.uploadReads();
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

  render(): TemplateResult {
    queueMicrotask(() => this.attach());
    return renderKiosk(this);
  }
}

export function kioskView(): View {
  const kiosk = new Kiosk();
  kiosk.start();
  // Workers switch languages at the kiosk one after another: have English at hand (and in the offline cache).
  void loadEnglish().catch(() => {});
  return {
    bare: true,
    title: () => t("kiosk.title"),
    render: () => kiosk.render(),
    leave: () => kiosk.leave(),
  };
}
