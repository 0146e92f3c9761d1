// Small helpers shared by the site, work-record, report and 経審 views: a status per form on pages with several
// forms, sending a form through the outbox, reading a form, and downloading the API's CSV/PDF files.

import { getFile, NetworkError } from "./api";
import { flash, update } from "./app";
import { t } from "./i18n";
import { requestJob, RequestPayload } from "./jobs";
import { submit } from "./outbox";
import { emptyStatus, FormStatus, statusFromError } from "./ui";

/** One FormStatus per form on a page, keyed by the form's prefix. */
export class Forms {
  private map = new Map<string, FormStatus>();

  get(key: string): FormStatus {
    return this.map.get(key) ?? emptyStatus();
  }

  set(key: string, status: FormStatus): void {
    this.map.set(key, status);
    update();
  }

  /** Show errors found before sending (required fields and the like). */
  invalid(key: string, errors: Record<string, string>, message: string | null = null): void {
    this.set(key, { errors, message, busy: false });
    focusSummary(key);
  }
}

/** Focus one form's error summary (errorSummary(status, fields, prefix) gives it the id error-summary-<prefix>). */
export function focusSummary(prefix: string): void {
  requestAnimationFrame(() => document.getElementById(`error-summary-${prefix}`)?.focus());
}

export type Sent<T> = { state: "done"; result: T } | { state: "queued" } | { state: "failed" };

/**
 * Send a write through the outbox (queued when offline), with the form's status kept in `forms[key]`.
 * On a refusal the form shows the API's field errors; when queued, the "kept in the outbox" notice is shown.
 */
export async function send<T = unknown>(
  forms: Forms, key: string, label: { ja: string; en: string }, payload: RequestPayload,
  rename: Record<string, string> = {},
): Promise<Sent<T>> {
  forms.set(key, { ...emptyStatus(), busy: true });
  try {
    const outcome = await submit<T>(requestJob(label, payload));
    forms.set(key, emptyStatus());
    if (outcome.queued) {
      flash(t("me.queued"), "info");
      return { state: "queued" };
    }
    return { state: "done", result: outcome.result };
  } catch (e) {
    const st = statusFromError(e);
    // The API names its own fields (start_at); the form may ask for them differently (a date and a time).
    for (const [from, to] of Object.entries(rename)) {
      if (st.errors[from] === undefined) continue;
      st.errors[to] = st.errors[to] ? `${st.errors[to]} ${st.errors[from]}` : st.errors[from];
      delete st.errors[from];
    }
    forms.set(key, st);
    focusSummary(key);
    return { state: "failed" };
  }
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
