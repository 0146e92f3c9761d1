// The API client: bearer token from the session, JSON errors as ApiError, a lost connection as NetworkError.

import type { FieldError, Me } from "./types";

const BASE = "/api/v1";
const TOKEN_KEY = "openccus.token";
const ME_KEY = "openccus.me";

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

export const session = {
  token: localStorage.getItem(TOKEN_KEY),
  me: readMe(),
  set(token: string, me: Me): void {
    this.token = token;
    this.me = me;
    localStorage.setItem(TOKEN_KEY, token);
    localStorage.setItem(ME_KEY, JSON.stringify(me));
    listeners.forEach((l) => l());
  },
  clear(): void {
    this.token = null;
    this.me = null;
    localStorage.removeItem(TOKEN_KEY);
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
  /** Send this token instead of the session's (a queued job keeps the token it was made with). */
  token?: string | null;
  auth?: boolean;
}

let onUnauthorised: () => void = () => {};
export function setUnauthorisedHandler(fn: () => void): void {
  onUnauthorised = fn;
}

async function send(method: string, path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = opts.token !== undefined ? opts.token : session.token;
  if (opts.auth !== false && token) headers.Authorization = `Bearer ${token}`;
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
    return await fetch(BASE + path, { method, headers, body, cache: "no-store" });
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

/** Images need the bearer header, so they are fetched as blobs and shown through object URLs. */
export async function getBlob(path: string): Promise<Blob> {
  const res = await send("GET", path, {});
  if (!res.ok) return fail(res, true);
  return res.blob();
}

/** A file the API sends as an attachment (CSV, PDF), fetched with the token; its name from Content-Disposition. */
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
