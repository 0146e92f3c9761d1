// The one form-submission path of every view (Form.run: busy, the API's field errors, the error summary focused;
// Form.send: the same through the outbox; Form.action: the same for a single button), a Form per form on pages with
// several (Forms), reading a form, and downloading the API's CSV/PDF files.

import { getFile, NetworkError } from "./api";
import { flash, update } from "./app";
import { t } from "./i18n";
import { requestJob, RequestPayload } from "./jobs";
import { submit } from "./outbox";
import { emptyStatus, FormStatus, statusFromError } from "./ui";

/** What a form does on a refusal beyond showing the API's field errors. */
export interface RunOptions {
  /** The message when the request never reached the server (a NetworkError), instead of "cannot reach the server". */
  offline?: string;
  /** Without a connection the request is not even tried: this message is shown instead (logging in and the like). */
  needsConnection?: string;
  /** The API names its own fields (start_at); the form may ask for them differently (a date and a time). */
  rename?: Record<string, string>;
  /** A view's own reading of some refusals (a 401 at login is "wrong ID or password"); null: the usual one. */
  refusal?: (e: unknown) => FormStatus | null;
}

/** What became of a form's request; `error` is the refusal (none when the request was not even tried: no connection
 * for a form that needs one, or the form was busy with its previous request). */
export type Sent<T> = { state: "done"; result: T } | { state: "queued" } | { state: "failed"; error?: unknown };

/**
 * One form's status (its field errors, a message, busy) and the one way it is sent: `run` marks the form busy while
 * the request runs (the submit button is disabled), clears the status when it succeeds, and on a refusal shows the
 * API's field errors with the form's error summary focused. `prefix` is the errorSummary prefix of the form's fields.
 * A form (or button) sends one request at a time: run while busy does nothing, so a double click sends once.
 */
export class Form {
  status: FormStatus = emptyStatus();

  constructor(readonly prefix = "") {}

  set(status: FormStatus): void {
    this.status = status;
    update();
  }

  /** Show errors found before sending (required fields and the like). */
  invalid(errors: Record<string, string>, message: string | null = null): void {
    this.set({ errors, message, busy: false });
    focusSummary(this.prefix);
  }

  /** Show a refusal (or a failure to reach the server) and focus the error summary. */
  fail(e: unknown, opts: RunOptions = {}): void {
    const st = opts.refusal?.(e) ?? (e instanceof NetworkError && opts.offline
      ? { errors: {}, message: opts.offline, busy: false } : statusFromError(e));
    for (const [from, to] of Object.entries(opts.rename ?? {})) {
      if (st.errors[from] === undefined) continue;
      st.errors[to] = st.errors[to] ? `${st.errors[to]} ${st.errors[from]}` : st.errors[from];
      delete st.errors[from];
    }
    this.set(st);
    focusSummary(this.prefix);
  }

  /** Run the form's request: busy while it runs, the status cleared when it succeeds, the refusal shown when not. */
  async run<T>(work: () => Promise<T>, opts: RunOptions = {}): Promise<Sent<T>> {
    // The button is disabled at the next render; a second click before that (or a second path to the same request)
    // must not send it again.
    if (this.status.busy) return { state: "failed" };
    if (opts.needsConnection && !navigator.onLine) {
      this.invalid({}, opts.needsConnection);
      return { state: "failed" };
    }
    this.set({ ...emptyStatus(), busy: true });
    try {
      const result = await work();
      this.set(emptyStatus());
      return { state: "done", result };
    } catch (e) {
      this.fail(e, opts);
      return { state: "failed", error: e };
    }
  }

  /**
   * A single button's action (apply, pay, start a batch, delete a row) on the form path: the button shows
   * `?disabled=${form.status.busy}`, the view shows `errorSummary(form.status, fields, prefix)` where the action's
   * error belongs, and `done` runs with the result when the API accepted it. A click while busy does nothing.
   */
  async action<T>(work: () => Promise<T>, opts: RunOptions & { done?: (result: T) => unknown } = {}): Promise<Sent<T>> {
    const sent = await this.run(work, opts);
    if (sent.state === "done" && opts.done) {
      await opts.done(sent.result);
      update();
    }
    return sent;
  }

  /** Send a write through the outbox (queued when offline: the "kept in the outbox" notice is shown). */
  async send<T = unknown>(label: { ja: string; en: string }, payload: RequestPayload, opts: RunOptions = {}): Promise<Sent<T>> {
    const sent = await this.run(() => submit<T>(requestJob(label, payload)), opts);
    if (sent.state !== "done") return sent;
    if (sent.result.queued) {
      flash(t("me.queued"), "info");
      return { state: "queued" };
    }
    return { state: "done", result: sent.result.result };
  }
}

/** One Form per form on a page, keyed by the form's prefix. */
export class Forms {
  private map = new Map<string, Form>();

  form(key: string): Form {
    let f = this.map.get(key);
    if (!f) this.map.set(key, (f = new Form(key)));
    return f;
  }

  get(key: string): FormStatus {
    return this.map.get(key)?.status ?? emptyStatus();
  }

  set(key: string, status: FormStatus): void {
    this.form(key).set(status);
  }

  /** Show errors found before sending (required fields and the like). */
  invalid(key: string, errors: Record<string, string>, message: string | null = null): void {
    this.form(key).invalid(errors, message);
  }

  run<T>(key: string, work: () => Promise<T>, opts: RunOptions = {}): Promise<Sent<T>> {
    return this.form(key).run(work, opts);
  }
}

/** Focus one form's error summary (errorSummary(status, fields, prefix) gives it the id error-summary[-<prefix>]). */
export function focusSummary(prefix: string): void {
  requestAnimationFrame(() => document.getElementById(prefix ? `error-summary-${prefix}` : "error-summary")?.focus());
}

/**
 * Send a write through the outbox (queued when offline), with the form's status kept in `forms[key]`.
 * On a refusal the form shows the API's field errors; when queued, the "kept in the outbox" notice is shown.
 */
export function send<T = unknown>(
  forms: Forms, key: string, label: { ja: string; en: string }, payload: RequestPayload,
  rename: Record<string, string> = {},
): Promise<Sent<T>> {
  return forms.form(key).send<T>(label, payload, { rename });
}

/** The form's values as trimmed strings (empty when missing). */
export function values(form: HTMLFormElement): (name: string) => string {
  const fd = new FormData(form);
  return (name: string) => String(fd.get(name) ?? "").trim();
}

/** Download a CSV or PDF the API sends as an attachment (the bearer header rules out a plain link). */
export async function download(path: string): Promise<boolean> {
  try {
    const { blob, filename } = await getFile(path);
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = filename;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    flash(t("dl.done", { name: filename }));
    return true;
  } catch (e) {
    const text = e instanceof NetworkError ? (navigator.onLine ? t("app.network_error") : t("dl.offline"))
      : statusFromError(e).message ?? Object.values(statusFromError(e).errors).join(" ");
    flash(`${t("dl.failed")} ${text}`, "error");
    return false;
  }
}

/**
 * A page's download buttons (CSV, PDF) on the same terms as a form: the one being fetched is busy (its button shows
 * `?disabled=${downloads.busy(key)}`) and a click while it is fetched does nothing; a failure is told by `download`.
 */
export class Downloads {
  private keys = new Set<string>();

  busy(key: string): boolean {
    return this.keys.has(key);
  }

  async get(key: string, path: string): Promise<boolean> {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    update();
    try {
      return await download(path);
    } finally {
      this.keys.delete(key);
      update();
    }
  }
}

/** Today in Japan as YYYY-MM-DD (the API's work dates are Japan dates). */
export function todayJst(): string {
  return new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
}

/** YYYY-MM-DD shifted by n days (plain calendar arithmetic, no time zone). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** "YYYY-MM" shifted by n months. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
}

/** HH:MM in Japan time for an ISO timestamp. */
export function timeJst(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Date(d.getTime() + 9 * 3600_000).toISOString().slice(11, 16);
}

/** YYYY-MM-DD in Japan time for an ISO timestamp. */
export function dateJst(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Date(d.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}
