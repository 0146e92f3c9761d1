// The offline outbox: a form submitted without a connection becomes a job kept in IndexedDB, replayed in order
// when the `online` event fires (and at start-up, and every 30 s while jobs wait). A job that the server refuses
// (4xx) stays in the outbox as failed, with the server's message, until the user discards it.
//
// Every form goes through submit(): it runs the job at once when online, and queues it when offline or when the
// request never reached the server. Multi-step jobs (register, then upload photos, then apply) save their progress
// after each step, so a replay resumes where the connection dropped instead of starting again.

import { createStore, del, get as idbGet, keys, set as idbSet } from "idb-keyval";
import { ApiError, NetworkError, session } from "./api";
import type { FieldError } from "./types";

export interface Job<P = unknown> {
  id: string;
  kind: string;
  /** What the user sees in the outbox, in both languages. */
  label: { ja: string; en: string };
  created: number;
  /** The account that made it (null: anyone's, e.g. a self-registration): it is sent only in that account's session. */
  owner: number | null;
  payload: P;
  progress: Record<string, unknown>;
  state: "pending" | "sending" | "failed";
  error?: { message: string; fields: FieldError[]; status: number; code?: string };
}

export type Runner = (job: Job<any>, save: () => Promise<void>) => Promise<unknown>;

const store = createStore("openccus-outbox", "jobs");
const runners: Record<string, Runner> = {};
const listeners: (() => void)[] = [];
const doneListeners: ((job: Job, result: unknown) => void)[] = [];
let flushing: Promise<void> | null = null;

export function registerRunner(kind: string, runner: Runner): void {
  runners[kind] = runner;
}

export function onOutboxChange(fn: () => void): void {
  listeners.push(fn);
}

/** Called when a queued job finally goes through (not for jobs that ran at once). */
export function onJobDone(fn: (job: Job, result: unknown) => void): void {
  doneListeners.push(fn);
}

function changed(): void {
  listeners.forEach((l) => l());
}

export async function listJobs(): Promise<Job[]> {
  const ids = (await keys(store)) as string[];
  const jobs = await Promise.all(ids.map((id) => idbGet<Job>(id, store)));
  return jobs.filter((j): j is Job => !!j).sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
}

async function save(job: Job): Promise<void> {
  await idbSet(job.id, job, store);
}

export async function discard(id: string): Promise<void> {
  await del(id, store);
  changed();
}

/** Put a discarded job back (the undo of discard): as it was, waiting to be sent again. */
export async function restore(job: Job): Promise<void> {
  await save({ ...job, state: job.state === "sending" ? "pending" : job.state });
  changed();
  if (navigator.onLine) void flush();
}

let seq = 0;
export function newJob<P>(kind: string, label: { ja: string; en: string }, payload: P, owner: number | null): Job<P> {
  const created = Date.now();
  return {
    id: `${created.toString().padStart(15, "0")}-${(seq++).toString().padStart(4, "0")}-${Math.random().toString(36).slice(2, 8)}`,
    kind, label, created, owner, payload, progress: {}, state: "pending",
  };
}

export type Outcome<T> = { queued: false; result: T } | { queued: true; job: Job };

/**
 * Run a job now, or keep it for later. Resolves with the result, or with {queued: true} when offline.
 * Rejects with ApiError when the server refuses it (the form shows the fields).
 */
export async function submit<T = unknown>(job: Job): Promise<Outcome<T>> {
  if (!navigator.onLine || (await hasPending())) {
    // Offline, or earlier jobs still wait: keep the order.
    await save(job);
    changed();
    if (navigator.onLine) void flush();
    return { queued: true, job };
  }
  try {
    const result = (await runners[job.kind](job, async () => {})) as T;
    return { queued: false, result };
  } catch (e) {
    if (e instanceof NetworkError) {
      await save(job);
      changed();
      return { queued: true, job };
    }
    throw e;
  }
}

async function hasPending(): Promise<boolean> {
  return (await listJobs()).some((j) => j.state !== "failed");
}

/** Send every waiting job in order; stop at the first one that cannot reach the server. */
export function flush(): Promise<void> {
  if (!flushing) {
    flushing = doFlush().finally(() => {
      flushing = null;
    });
  }
  return flushing;
}

async function doFlush(): Promise<void> {
  for (const job of await listJobs()) {
    if (job.state === "failed") continue;
    // Another account's job waits for that account to log in again on this device.
    if (job.owner != null && session.me?.id !== job.owner) continue;
    if (!navigator.onLine) return;
    job.state = "sending";
    await save(job);
    changed();
    try {
      const result = await runners[job.kind](job, () => save(job));
      await del(job.id, store);
      changed();
      doneListeners.forEach((l) => l(job, result));
    } catch (e) {
      if (e instanceof NetworkError) {
        job.state = "pending";
        await save(job);
        changed();
        return;
      }
      job.state = "failed";
      job.error = e instanceof ApiError
        ? { message: e.message, fields: e.fields, status: e.status, code: e.code }
        : { message: String(e), fields: [], status: 0 };
      await save(job);
      changed();
    }
  }
}

/** Retry a failed job (after the cause was fixed elsewhere, e.g. logging in again). */
export async function retry(id: string): Promise<void> {
  const job = await idbGet<Job>(id, store);
  if (!job) return;
  job.state = "pending";
  delete job.error;
  await save(job);
  changed();
  await flush();
}

export function startOutbox(): void {
  window.addEventListener("online", () => void flush());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && navigator.onLine) void flush();
  });
  setInterval(() => {
    if (navigator.onLine) void flush();
  }, 30_000);
  if (navigator.onLine) void flush();
}
