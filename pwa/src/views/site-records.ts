// A site's day of work records and rejected taps, the direct inputs waiting for approval, and the 作業員名簿
// downloads.

import { html, nothing } from "lit-html";
import { get, NetworkError } from "../api";
import { flash, navigate } from "../app";
import { Downloads, Forms, send, timeJst, todayJst, values } from "../forms";
import { formatDate, formatDateTime, t, tr } from "../i18n";
import { tradeName } from "../masters";
import type { DirectInput, RosterEntry, Tap, WorkRecord } from "../types";
import { badge, dl, errorSummary, field } from "../ui";
import { myBusiness, type SiteData, type Page, tierLabel, businessName } from "./site-common";

// --- a day's work records and the rejected taps ------------------------------------------------------------------

export async function recordsPage(first: SiteData, query: URLSearchParams): Promise<Page> {
  let d = first;
  const q = query.get("date") ?? "";
  const day = /^\d{4}-\d{2}-\d{2}$/.test(q) ? q : todayJst();
  let records: WorkRecord[] = [];
  let rejected: Tap[] = [];
  let roster: RosterEntry[] = [];

  async function load() {
    [records, rejected, roster] = await Promise.all([
      get<WorkRecord[]>(`/sites/${d.site.id}/work-records?work_date=${day}`).catch((e) => {
        if (e instanceof NetworkError) throw e;
        return [] as WorkRecord[]; // a subcontractor may not read the whole site's records
      }),
      get<Tap[]>(`/sites/${d.site.id}/taps?status=rejected&limit=100`).catch((e) => {
        if (e instanceof NetworkError) throw e;
        return [] as Tap[];
      }),
      get<RosterEntry[]>(`/sites/${d.site.id}/roster`).catch(() => [] as RosterEntry[]),
    ]);
  }
  await load();

  const nameByPk = (pk: number) => roster.find((r) => r.technician_pk === pk)?.name ?? t("who.unknown");
  const nameByCode = (code: string) => roster.find((r) => r.technician_id === code)?.name ?? code;

  function onDay(ev: SubmitEvent) {
    ev.preventDefault();
    const v = values(ev.target as HTMLFormElement);
    void navigate(`/firm/sites/${d.site.id}/records?date=${v("date") || todayJst()}`);
  }

  return {
    reload: async (x) => {
      d = x;
      await load();
    },
    render: () => html`
      <form class="filters one" @submit=${onDay}>
        ${field({ name: "date", label: t("records.day"), type: "date", value: day, required: true, hideRequiredMark: true, errors: {} })}
        <button type="submit">${t("review.apply_filter")}</button>
      </form>
      <section aria-labelledby="day-h">
        <h2 id="day-h">${t("records.title", { day: formatDate(day) })}</h2>
        ${records.length
          ? html`<div class="table-wrap" role="region" aria-labelledby="day-h" tabindex="0">
              <table class="data" data-testid="site-records">
                <thead><tr>
                  <th scope="col">${t("records.technician")}</th><th scope="col">${t("work.first_in")}</th>
                  <th scope="col">${t("work.last_out")}</th><th scope="col">${t("records.method")}</th>
                  <th scope="col">${t("work.trade")}</th><th scope="col">${t("records.employer")}</th>
                </tr></thead>
                <tbody>${records.map((r) => html`<tr>
                  <th scope="row">${nameByPk(r.technician_pk)}</th>
                  <td>${timeJst(r.first_in) || "—"}</td>
                  <td>${r.last_out ? timeJst(r.last_out) : html`<span class="warn">${t("work.missing_exit")}</span>`}</td>
                  <td>${tr("method", r.method)} (${r.taps})</td>
                  <td>${r.trade ? tradeName(r.trade) : "—"}${r.position ? ` · ${tr("position", r.position)}` : ""}</td>
                  <td>${businessName(d, r.employer_pk)}${r.tier != null ? ` (${tierLabel(r.tier)})` : ""}</td>
                </tr>`)}</tbody>
              </table>
            </div>`
          : html`<p>${t("records.none")}</p>`}
      </section>
      <section aria-labelledby="rej-h">
        <h2 id="rej-h">${t("taps.rejected_title")}</h2>
        <p class="hint">${t("taps.rejected_intro")}</p>
        ${rejected.length
          ? html`<ul class="list taps" data-testid="rejected-taps">${rejected.map((tp) => html`<li>
              <div class="row-head"><strong>${nameByCode(tp.technician_code)}</strong>
                <span class="badge badge-returned">${tr("reject", tp.reject_reason ?? "")}</span>
                <span class="badge">${tr("method", tp.method)}</span></div>
              <div class="meta">${t("taps.device_time")}: ${formatDateTime(tp.device_time)} · ${t("taps.work_date")}: ${formatDate(tp.work_date)}
                · ${t("f.technician_id")}: <span class="mono">${tp.technician_code}</span></div>
            </li>`)}</ul>`
          : html`<p>${t("taps.none")}</p>`}
      </section>`,
  };
}

// --- direct-input approvals --------------------------------------------------------------------------------------

export async function directPage(first: SiteData, forms: Forms, query: URLSearchParams): Promise<Page> {
  let d = first;
  const status = ["pending", "approved", "rejected"].includes(query.get("status") ?? "") ? query.get("status")! : "pending";
  let items: DirectInput[] = [];
  let roster: RosterEntry[] = [];

  async function load() {
    [items, roster] = await Promise.all([
      get<DirectInput[]>(`/sites/${d.site.id}/direct-inputs?status=${status}`),
      get<RosterEntry[]>(`/sites/${d.site.id}/roster`).catch(() => [] as RosterEntry[]),
    ]);
  }
  await load();
  const nameByPk = (pk: number) => roster.find((r) => r.technician_pk === pk)?.name ?? t("who.unknown");

  async function decide(ev: SubmitEvent, item: DirectInput) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const approve = ((ev.submitter as HTMLButtonElement | null)?.value ?? "approve") === "approve";
    const note = values(form)("note");
    const key = `di-${item.id}-`;
    const who = nameByPk(item.technician_pk);
    const sent = await send(forms, key,
      approve ? { ja: `直接入力の承認（${who} ${formatDate(item.work_date)}）`, en: `Approve direct input (${who} ${item.work_date})` }
        : { ja: `直接入力の却下（${who} ${formatDate(item.work_date)}）`, en: `Reject direct input (${who} ${item.work_date})` },
      { method: "POST", path: `/sites/${d.site.id}/direct-inputs/${item.id}/${approve ? "approve" : "reject"}`, json: { note: note || null } });
    if (sent.state === "done") {
      await load();
      flash(approve ? t("direct.approved", { name: who, day: formatDate(item.work_date) }) : t("direct.rejected", { name: who, day: formatDate(item.work_date) }));
    }
  }

  function onFilter(ev: SubmitEvent) {
    ev.preventDefault();
    void navigate(`/firm/sites/${d.site.id}/direct-inputs?status=${values(ev.target as HTMLFormElement)("status")}`);
  }

  return {
    reload: async (x) => {
      d = x;
      await load();
    },
    render: () => html`
      <p>${t("direct.intro")}</p>
      <form class="filters one" @submit=${onFilter}>
        ${field({ name: "status", label: t("f.status"), value: status, required: true, hideRequiredMark: true, errors: {},
          options: ["pending", "approved", "rejected"].map((s) => [s, tr("di", s)]) })}
        <button type="submit">${t("review.apply_filter")}</button>
      </form>
      ${items.length
        ? html`<ul class="list direct" data-testid="direct-inputs">${items.map((item) => {
            const key = `di-${item.id}-`;
            const st = forms.get(key);
            return html`<li data-direct=${item.id}>
              <div class="row-head"><strong>${nameByPk(item.technician_pk)}</strong> ${badge("di", item.status)}</div>
              ${dl([
                [t("work.date"), formatDate(item.work_date)],
                [t("work.first_in"), timeJst(item.start_at)],
                [t("work.last_out"), item.end_at ? timeJst(item.end_at) : "—"],
                [t("work.reason"), item.reason],
                [t("work.deadline"), item.deadline],
                ...(item.decision_note ? [[t("direct.note"), item.decision_note] as [string, unknown]] : []),
              ])}
              ${item.status === "pending"
                ? html`${errorSummary(st, ["note"], key)}
                  <form @submit=${(ev: SubmitEvent) => decide(ev, item)} novalidate>
                    ${field({ name: "note", prefix: key, label: t("direct.note"), maxlength: 500, hint: t("direct.note_hint"), errors: st.errors })}
                    <div class="actions">
                      <button type="submit" class="primary" name="decision" value="approve" ?disabled=${st.busy}>${t("direct.approve")}</button>
                      <button type="submit" class="danger" name="decision" value="reject" ?disabled=${st.busy}>${t("direct.reject")}</button>
                    </div>
                  </form>`
                : nothing}
            </li>`;
          })}</ul>`
        : html`<p>${t("direct.none")}</p>`}`,
  };
}

// --- 作業員名簿 --------------------------------------------------------------------------------------------------------

export async function reportsPage(first: SiteData, forms: Forms): Promise<Page> {
  let d = first;
  const downloads = new Downloads();

  async function onDownload(ev: SubmitEvent) {
    ev.preventDefault();
    const v = values(ev.target as HTMLFormElement);
    const qs = new URLSearchParams({ employer_pk: v("employer_pk"), format: v("format") });
    if (v("format") === "csv") qs.set("encoding", v("encoding"));
    await downloads.get("roster", `/sites/${d.site.id}/worker-roster?${qs}`);
  }

  return {
    reload: async (x) => {
      d = x;
    },
    render: () => {
      const me = myBusiness();
      const employers = d.contracts.filter((c) => c.status === "approved");
      const st = forms.get("wr-");
      return html`<section class="card" aria-labelledby="wr-h">
        <h2 id="wr-h">${t("reports.worker_roster")}</h2>
        <p class="hint">${t("reports.worker_roster_intro")}</p>
        ${errorSummary(st, [], "wr-")}
        <form @submit=${onDownload} novalidate>
          ${field({ name: "employer_pk", prefix: "wr-", label: t("reports.employer"), required: true,
            value: String(employers.find((c) => c.business_pk === me)?.business_pk ?? employers[0]?.business_pk ?? ""),
            options: employers.map((c) => [String(c.business_pk), `${c.business_name}（${tierLabel(c.tier)}）`]), errors: st.errors })}
          <div class="grid2">
            ${field({ name: "format", prefix: "wr-", label: t("reports.format"), required: true, value: "csv", hideRequiredMark: true,
              options: [["csv", "CSV"], ["pdf", "PDF"]], errors: st.errors })}
            ${field({ name: "encoding", prefix: "wr-", label: t("reports.encoding"), required: true, value: "utf-8", hideRequiredMark: true,
              hint: t("reports.encoding_hint"), options: [["utf-8", "UTF-8"], ["shift_jis", "Shift_JIS"]], errors: st.errors })}
          </div>
          <button type="submit" class="primary" ?disabled=${downloads.busy("roster") || !employers.length}>${t("reports.download")}</button>
        </form>
      </section>`;
    },
  };
}
