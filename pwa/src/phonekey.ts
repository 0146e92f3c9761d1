// The phone's own key for check-ins kept offline (docs/phone.md): an ECDSA P-256 key pair made with WebCrypto at
// login, the private key non-extractable in IndexedDB (script can sign with it but never read it), the public key
// registered to the account. A check-in made without a connection is signed (time, position, site, direction,
// nonce) and kept in IndexedDB until it can be uploaded; the server checks the signature and refuses a used nonce.

import { createStore, del, entries, get as idbGet, set as idbSet } from "idb-keyval";
import { api, ApiError, NetworkError, session } from "./api";

const keyStore = createStore("openccus-phone-key", "keys");
const queueStore = createStore("openccus-phone-queue", "checkins");

interface StoredKey {
  account: number;
  keyId: string;
  privateKey: CryptoKey;
}

export interface QueuedCheckin {
  id: string;
  account: number;
  keyId: string;
  message: string;
  signature: string;
  selfie?: string;
  made: number;
}

function b64(buf: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(buf)));
}

export function randomId(bytes = 16): string {
  const a = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...a)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function storedKey(): Promise<StoredKey | undefined> {
  const me = session.me;
  if (!me) return undefined;
  const k = await idbGet<StoredKey>(`account-${me.id}`, keyStore);
  return k && k.account === me.id ? k : undefined;
}

/** Make and register this phone's key once per account (at login; again on the check-in page if that failed). */
export async function ensureDeviceKey(): Promise<string | null> {
  const me = session.me;
  if (!me || me.role !== "technician" || !crypto?.subtle) return null;
  const have = await storedKey();
  if (have) return have.keyId;
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  const spki = b64(await crypto.subtle.exportKey("spki", pair.publicKey));
  const out = await api<{ key_id: string }>("POST", "/phone/device-keys", { json: { public_key: spki } });
  await idbSet(`account-${me.id}`, { account: me.id, keyId: out.key_id, privateKey: pair.privateKey }, keyStore);
  return out.key_id;
}

/** Sign a check-in and keep it on the phone. Null when this phone has no key (never logged in online). */
export async function keepSigned(body: Record<string, unknown>, selfie?: string): Promise<QueuedCheckin | null> {
  const k = await storedKey();
  if (!k || !session.me) return null;
  const message = JSON.stringify(body);
  const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, k.privateKey, new TextEncoder().encode(message));
  const item: QueuedCheckin = { id: String(body.idempotency_key), account: session.me.id, keyId: k.keyId, message,
    signature: b64(sig), selfie, made: Date.now() };
  await idbSet(item.id, item, queueStore);
  return item;
}

/** Sign the text `make(key id)` with this phone's key (the virtual card's codes, vcard-code.ts): the raw r‖s
 * signature, or null when this phone has no key. */
export async function signText(make: (keyId: string) => string): Promise<{ text: string; signature: ArrayBuffer } | null> {
  const k = await storedKey();
  if (!k) return null;
  const text = make(k.keyId);
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, k.privateKey, new TextEncoder().encode(text));
  return { text, signature };
}

export async function queued(): Promise<QueuedCheckin[]> {
  const me = session.me;
  const all = (await entries<string, QueuedCheckin>(queueStore)).map(([, v]) => v);
  return all.filter((q) => me && q.account === me.id).sort((a, b) => a.made - b.made);
}

export interface Uploaded<T> {
  item: QueuedCheckin;
  result?: T;
  error?: ApiError;
}

/** Upload what is kept, oldest first. A refusal (4xx) is final: it is dropped and reported; no connection: kept. */
export async function uploadQueued<T>(): Promise<Uploaded<T>[]> {
  const out: Uploaded<T>[] = [];
  for (const item of await queued()) {
    try {
      const result = await api<T>("POST", "/phone/checkins/signed",
        { json: { key_id: item.keyId, message: item.message, signature: item.signature, selfie: item.selfie } });
      await del(item.id, queueStore);
      out.push({ item, result });
    } catch (e) {
      if (e instanceof NetworkError) break;
      if (e instanceof ApiError && e.status < 500) {
        await del(item.id, queueStore);
        out.push({ item, error: e });
      } else break;
    }
  }
  return out;
}
