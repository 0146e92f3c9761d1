// The virtual card's code (docs/virtual-card.md), shared by the technician's phone that makes it and the kiosk (or the
// site manager's phone) that reads it:
//   OCVC1.<technician id>.<card serial>.<site id>.<step>.<key id (16 hex)>.<signature>
// step = Unix time // 30; the signature is ECDSA P-256 / SHA-256 over the text before the last dot by the phone's
// non-extractable key (phonekey.ts), raw r‖s in base64url. A reader verifies it with the public key alone.

export const STEP_S = 30;
const CODE = /^OCVC1\.([0-9]{14})\.([0-9a-f]{16})\.([0-9]{14})\.([0-9]{1,12})\.([0-9a-f]{16})\.([A-Za-z0-9_-]{86})$/;

export interface VCode {
  text: string;
  technicianId: string;
  serial: string;
  siteId: string;
  step: number;
  keyPrefix: string;
  signature: Uint8Array;
  signed: string;
}

export function stepOf(ms = Date.now(), stepS = STEP_S): number {
  return Math.floor(ms / 1000 / stepS);
}

export function b64url(buf: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** The text the phone signs. */
export function signedText(technicianId: string, serial: string, siteId: string, step: number, keyId: string): string {
  return `OCVC1.${technicianId}.${serial}.${siteId}.${step}.${keyId.slice(0, 16)}`;
}

export function parseCode(raw: string): VCode | null {
  const text = raw.trim();
  const m = CODE.exec(text);
  if (!m) return null;
  const signature = fromB64(m[6]);
  if (signature.length !== 64) return null;
  return { text, technicianId: m[1], serial: m[2], siteId: m[3], step: Number(m[4]), keyPrefix: m[5], signature,
    signed: text.slice(0, text.lastIndexOf(".")) };
}

export interface RosterKey {
  key_id: string;
  public_key: string;
}

export interface Holder {
  technician_id: string;
  name: string;
  card_serial: string;
  keys: RosterKey[];
}

export interface Roster {
  site_id: string;
  step_s: number;
  early_steps: number;
  late_steps: number;
  holders: Holder[];
  fetched: number;
}

export interface LocalVerdict {
  /** null: good as far as this reader can tell (the server checks again at upload). */
  reason: string | null;
  holder?: Holder;
}

async function signatureOk(code: VCode, spki: string): Promise<boolean | null> {
  if (!crypto?.subtle) return null; // not a secure context (plain http on a LAN): left to the server
  try {
    const key = await crypto.subtle.importKey("spki", fromB64(spki), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, code.signature, new TextEncoder().encode(code.signed));
  } catch {
    return false;
  }
}

/** The checks a reader can make offline, in the server's order (api/attendance/virtual_card.py). A card or key the
 * reader's roster does not know is left to the server (`unchecked`): the roster may be older than a reissue. */
export async function verifyLocally(code: VCode, roster: Roster | null, siteId: string, now = Date.now()): Promise<LocalVerdict> {
  if (code.siteId !== siteId) return { reason: "virtual_card_other_site" };
  const step = stepOf(now, roster?.step_s ?? STEP_S);
  if (code.step > step + (roster?.early_steps ?? 1)) return { reason: "virtual_card_future" };
  if (code.step < step - (roster?.late_steps ?? 2)) return { reason: "virtual_card_stale" };
  const holder = roster?.holders.find((h) => h.card_serial === code.serial);
  if (!holder) return { reason: "unchecked" };
  if (holder.technician_id !== code.technicianId) return { reason: "technician_mismatch", holder };
  const key = holder.keys.find((k) => k.key_id.startsWith(code.keyPrefix));
  if (!key) return { reason: "unchecked", holder };
  const ok = await signatureOk(code, key.public_key);
  return { reason: ok === null ? "unchecked" : ok ? null : "virtual_card_bad_signature", holder };
}
