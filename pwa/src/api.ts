// The API client: the session is an HttpOnly cookie the API sets at login (script never sees the token); every
// state-changing request carries the session's CSRF value (from the readable oc_csrf cookie) in X-CSRF-Token.
// JSON errors become ApiError, a lost connection NetworkError.

import type { FieldError, Me } from "./types";

const BASE = "/api/v1";
const ME_KEY = "openccus.me";
/** Asks the API to set the session as cookies instead of returning a token (login and registration). */
export const COOKIE_SESSION = { "X-OpenCCUS-Session": "cookie" };
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

function csrfToken(): string | null {
  const m = document.cookie.match(/(?:^|;\s*)oc_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : null;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public fields: FieldError[] = [],
  ) {
    super(message);
  }
}

/** The request never reached the server (offline, server down): the caller may queue it. */
export class NetworkError extends Error {}

type SessionListener = () => void;
const listeners: SessionListener[] = [];

function readMe(): Me | null {
  try {
    return JSON.parse(localStorage.getItem(ME_KEY) || "null") as Me | null;
  } catch {
    return null;
  }
}

// Only who is logged in is kept (to draw the menus offline); the credential is the cookie. A token left in
// localStorage by an older version is removed.
localStorage.removeItem("openccus.token");

export const session = {
  me: readMe(),
  set(me: Me): void {
    this.me = me;
    localStorage.setItem(ME_KEY, JSON.stringify(me));
    listeners.forEach((l) => l());
  },
  clear(): void {
    this.me = null;
    localStorage.removeItem(ME_KEY);
    listeners.forEach((l) => l());
  },
  onChange(l: SessionListener): void {
    listeners.push(l);
  },
};

/** A multipart part: a string, or a file kept as a Blob with its name (both survive IndexedDB). */
export type FormPart = string | { blob: Blob; filename: string };

export interface RequestOptions {
  json?: unknown;
  form?: [string, FormPart][];
  /** A bearer token to send instead of the session cookie (devices keep theirs). */
  token?: string | null;
  /** false: a public call; a 401 then does not end the session. */
  auth?: boolean;
  headers?: Record<string, string>;
}

let onUnauthorised: () => void = () => {};
export function setUnauthorisedHandler(fn: () => void): void {
  onUnauthorised = fn;
}

async function send(method: string, path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...(opts.headers || {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  const csrf = csrfToken();
  if (!SAFE.has(method) && csrf) headers["X-CSRF-Token"] = csrf;
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    const fd = new FormData();
    for (const [name, part] of opts.form) {
      if (typeof part === "string") fd.append(name, part);
      else fd.append(name, part.blob, part.filename);
    }
    body = fd;
  }
  try {
    return await fetch(BASE + path, { method, headers, body, cache: "no-store", credentials: "same-origin" });
  } catch (e) {
    throw new NetworkError(e instanceof Error ? e.message : String(e));
  }
}

async function fail(res: Response, tokenWasSession: boolean): Promise<never> {
  let data: { error?: string; message?: string; fields?: FieldError[] } = {};
  try {
    data = await res.json();
  } catch {
    /* not JSON */
  }
  if (res.status === 401 && tokenWasSession) onUnauthorised();
  throw new ApiError(res.status, data.error || `http_${res.status}`, data.message || res.statusText, data.fields || []);
}

export async function api<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, opts);
  if (!res.ok) return fail(res, opts.token === undefined && opts.auth !== false);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string) => api<T>("GET", path);

/** Images behind the session, fetched as blobs and shown through object URLs. */
export async function getBlob(path: string): Promise<Blob> {
  const res = await send("GET", path, {});
  if (!res.ok) return fail(res, true);
  return res.blob();
}

/** A file the API sends as an attachment (CSV, PDF); its name from Content-Disposition. */
export async function getFile(path: string): Promise<{ blob: Blob; filename: string }> {
  const res = await send("GET", path, {});
  if (!res.ok) return fail(res, true);
  const cd = res.headers.get("Content-Disposition") ?? "";
  const star = cd.match(/filename\*=UTF-8''([^;]+)/i);
  const plain = cd.match(/filename="?([^";]+)"?/i);
  const fallback = path.split("?")[0].split("/").pop() || "download";
  let filename = fallback;
  try {
    filename = star ? decodeURIComponent(star[1]) : plain ? plain[1] : fallback;
  } catch {
    /* a malformed header: keep the fallback */
  }
  return { blob: await res.blob(), filename };
}
