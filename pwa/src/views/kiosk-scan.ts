// The kiosk's virtual card reader (docs/virtual-card.md): the camera's frames are searched for a QR code (the
// browser's BarcodeDetector where it has one, jsQR otherwise); a virtual card's code is checked offline against the
// roster's public keys (GET /virtual-cards/roster, kept on the device), kept in IndexedDB with the read time and
// uploaded (POST /taps/virtual-cards); the server checks it again and stores the tap, once per code and site.

import { createStore, del, entries, set as idbSet } from "idb-keyval";
import { parseCode, Roster, verifyLocally } from "../vcard-code";

const readStore = createStore("openccus-kiosk-reads", "reads");
const ROSTER = "openccus.kiosk.roster";
const SAME_CODE_MS = 8000; // the camera sees one code in many frames: it counts once
const ROSTER_MS = 10 * 60_000;

export interface Read {
  key: string;
  code: string;
  device_time: string;
  made: number;
}

export type ScanOutcome = "accepted" | "pending" | "kept" | "rejected" | "read_twice";

export interface ScanResult {
  outcome: ScanOutcome;
  name: string | null;
  reason: string | null;
}

interface TapResult {
  idempotency_key: string;
  status: "accepted" | "pending" | "rejected";
  reject_reason: string | null;
}

export class DeviceGone extends Error {}

type Detect = (source: HTMLVideoElement) => Promise<string | null>;

export function newKey(): string {
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

function loadRoster(): Roster | null {
  try {
    return JSON.parse(localStorage.getItem(ROSTER) || "null") as Roster | null;
  } catch {
    return null;
  }
}

export class Scanner {
  roster: Roster | null = loadRoster();
  waiting = 0;
  private seen = new Map<string, number>();
  private readHere = new Set<string>(); // card serial + step already read on this device
  private detector: Detect | null = null;
  private busy = false;

  constructor(private token: () => string | null, private siteId: () => string) {}

  private headers(json = false): Record<string, string> {
    const h: Record<string, string> = { Authorization: `Bearer ${this.token()}`, Accept: "application/json" };
    if (json) h["Content-Type"] = "application/json";
    return h;
  }

  async refreshRoster(force = false): Promise<void> {
    if (!this.token() || !navigator.onLine) return;
    if (!force && this.roster && Date.now() - this.roster.fetched < ROSTER_MS) return;
    try {
      const res = await fetch("/api/v1/virtual-cards/roster", { cache: "no-store", headers: this.headers() });
      if (!res.ok) return;
      this.roster = { ...(await res.json()), fetched: Date.now() };
      localStorage.setItem(ROSTER, JSON.stringify(this.roster));
    } catch {
      /* offline: the kept roster */
    }
  }

  forget(): void {
    localStorage.removeItem(ROSTER);
    this.roster = null;
  }

  private async makeDetector(): Promise<Detect> {
    const BD = (window as unknown as { BarcodeDetector?: { new (o: { formats: string[] }): { detect(s: CanvasImageSource): Promise<{ rawValue: string }[]> }; getSupportedFormats?(): Promise<string[]> } }).BarcodeDetector;
    const formats: string[] = (await BD?.getSupportedFormats?.().catch(() => [] as string[])) ?? [];
    if (BD && formats.includes("qr_code")) {
      const d = new BD({ formats: ["qr_code"] });
      return async (v) => (await d.detect(v))[0]?.rawValue ?? null;
    }
    const jsQR = (await import("jsqr")).default;
    const canvas = document.createElement("canvas");
    const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
    return async (v) => {
      const w = v.videoWidth;
      const h = v.videoHeight;
      if (!w || !h) return null;
      canvas.width = w;
      canvas.height = h;
      ctx.drawImage(v, 0, 0, w, h);
      return jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "dontInvert" })?.data ?? null;
    };
  }

  /** A QR code's text in the video's current frame, or null. */
  async detect(video: HTMLVideoElement): Promise<string | null> {
    if (this.busy) return null;
    this.busy = true;
    try {
      this.detector ??= await this.makeDetector();
      return await this.detector(video);
    } catch {
      return null;
    } finally {
      this.busy = false;
    }
  }

  /** A read code: checked here, kept, uploaded when online. Null: the same text was just read (ignored). */
  async handle(text: string): Promise<ScanResult | null> {
    const now = Date.now();
    if ((this.seen.get(text) ?? 0) > now - SAME_CODE_MS) return null;
    this.seen.set(text, now);
    const code = parseCode(text);
    if (!code) return { outcome: "rejected", name: null, reason: "virtual_card_invalid" };
    const local = await verifyLocally(code, this.roster, this.siteId(), now);
    const name = local.holder?.name ?? null;
    const once = `${code.serial}.${code.step}`;
    if (this.readHere.has(once)) return { outcome: "read_twice", name, reason: "virtual_card_replayed" };
    this.readHere.add(once);
    if (this.readHere.size > 5000) this.readHere.clear();
    // Kept and uploaded even when a check failed here: the server stores it as a rejected tap with its reason.
    const read: Read = { key: newKey(), code: code.text, device_time: localIso(), made: now };
    await idbSet(read.key, read, readStore);
    const answers = await this.upload();
    const mine = answers.get(read.key);
    if (mine) return { outcome: mine.status, name, reason: mine.reject_reason };
    if (local.reason && local.reason !== "unchecked") return { outcome: "rejected", name, reason: local.reason };
    return { outcome: "kept", name, reason: local.reason };
  }

  async count(): Promise<number> {
    this.waiting = (await entries(readStore)).length;
    return this.waiting;
  }

  /** Upload what is kept (oldest first, up to 200 at a time). Throws DeviceGone on 401/403. */
  async upload(): Promise<Map<string, TapResult>> {
    const out = new Map<string, TapResult>();
    const reads = (await entries<string, Read>(readStore)).map(([, r]) => r).sort((a, b) => a.made - b.made).slice(0, 200);
    if (!reads.length || !navigator.onLine || !this.token()) {
      await this.count();
      return out;
    }
    try {
      const res = await fetch("/api/v1/taps/virtual-cards", {
        method: "POST", cache: "no-store", headers: this.headers(true),
        body: JSON.stringify({ taps: reads.map(({ key, code, device_time }) => ({ idempotency_key: key, code, device_time })) }),
      });
      if (res.status === 401 || res.status === 403) throw new DeviceGone();
      if (res.ok) {
        const body = (await res.json()) as { results: TapResult[]; errors: { index: number }[] };
        for (const r of body.results) out.set(r.idempotency_key, r);
        // Stored or refused for good (past the deadline, not a code): either way not sent again.
        await Promise.all(reads.map((r) => del(r.key, readStore)));
      }
    } catch (e) {
      if (e instanceof DeviceGone) throw e;
      /* no connection: kept */
    }
    await this.count();
    return out;
  }
}
