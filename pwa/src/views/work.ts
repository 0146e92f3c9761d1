// A technician's work records (就業履歴) as a month calendar with direct input (直接入力) for a missing day, and the
// level per trade with what is missing for the next level, plus the career summary PDF. Seen by the technician
// ("/me/work", "/me/levels") or by the employer ("/firm/employees/:pk/work", "/firm/employees/:pk/levels").

import { html, nothing, TemplateResult } from "lit-html";
import { api, get } from "../api";
import { flash, update, View } from "../app";
import { addDays, addMonths, dateJst, Downloads, Form, Forms, send, timeJst, todayJst, values } from "../forms";
import { formatDate, formatDateTime, getLang, t, tr } from "../i18n";
import { tradeName } from "../masters";
import type { DirectInput, Levels, Site, Technician, TechnicianSite, WorkRecord } from "../types";
import { badge, dl, errorSummary, field, requiredErrors } from "../ui";
import { technicianTabs } from "./technician";

const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

function monthTitle(month: string): string {
  const [y, m] = month.split("-").map(Number);
  return getLang() === "ja" ? `${y}年${m}月` : new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
}

function weekdayNames(): string[] {
  return getLang() === "ja" ? ["日", "月", "火", "水", "木", "金", "土"] : ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
}

/** Weeks of the month, each seven YYYY-MM-DD days or null, starting on Sunday. */
function weeks(month: string): (string | null)[][] {
  const [y, m] = month.split("-").map(Number);
  const first = new Date(Date.UTC(y, m - 1, 1));
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const cells: (string | null)[] = Array(first.getUTCDay()).fill(null);
  for (let d = 1; d <= days; d++) cells.push(`${month}-${String(d).padStart(2, "0")}`);
  while (cells.length % 7) cells.push(null);
  const out: (string | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) out.push(cells.slice(i, i + 7));
  return out;
}

export function siteLabel(pk: number, sites: Map<number, string>, r?: WorkRecord): string {
  return r?.site_name || sites.get(pk) || t("work.site_n", { n: pk });
}

export async function workView(pk: number, self: boolean, query: URLSearchParams): Promise<View> {
  const q = query.get("month") ?? "";
  const month = MONTH_RE.test(q) ? q : todayJst().slice(0, 7);
  const forms = new Forms();
  let tech: Technician;
  let records: WorkRecord[];
  let earlier: WorkRecord[][];
  let siteNames = new Map<number, string>(); // the employer can read its sites; a technician only sees numbers
  let onSites: TechnicianSite[] = []; // the roster entries: a direct input may name a site with no record yet
  let entered: DirectInput[] = []; // the technician's direct inputs with their decisions, newest first

  async function load() {
    [onSites, entered] = await Promise.all([
      get<TechnicianSite[]>(`/technicians/${pk}/sites`).catch(() => [] as TechnicianSite[]),
      get<DirectInput[]>(`/technicians/${pk}/direct-inputs?limit=20`).catch(() => [] as DirectInput[]),
    ]);
    [tech, records, ...earlier] = await Promise.all([
      get<Technician>(`/technicians/${pk}`),
      get<WorkRecord[]>(`/technicians/${pk}/work-records?month=${month}`),
      get<WorkRecord[]>(`/technicians/${pk}/work-records?month=${addMonths(month, -1)}`).catch(() => []),
      get<WorkRecord[]>(`/technicians/${pk}/work-records?month=${addMonths(month, -2)}`).catch(() => []),
    ]) as [Technician, WorkRecord[], ...WorkRecord[][]];
    if (!self) {
      const sites = await get<Site[]>("/sites").catch(() => [] as Site[]);
      siteNames = new Map(sites.map((s) => [s.id, s.name]));
    }
  }
  await load();

  /** Sites the direct input can name: the technician's roster sites, those of the records we can see (and, for the
   * employer, its own sites). */
  function siteOptions(): [string, string][] {
    const pks = new Set<number>();
    for (const s of onSites) pks.add(s.site_pk);
    for (const r of [...records, ...earlier.flat()]) pks.add(r.site_pk);
    if (!self) for (const k of siteNames.keys()) pks.add(k);
    const named = new Map<number, WorkRecord>();
    for (const r of [...records, ...earlier.flat()]) named.set(r.site_pk, r);
    const rosterName = new Map(onSites.map((s) => [s.site_pk, s.site_name]));
    return [...pks].sort((a, b) => a - b).map((p) => [String(p), rosterName.get(p) ?? siteLabel(p, siteNames, named.get(p))]);
  }

  /** The site of the latest record (where a forgotten card most likely was), else the only choice. */
  function preferredSite(options: [string, string][]): string {
    const latest = [...records, ...earlier.flat()].sort((a, b) => a.work_date.localeCompare(b.work_date)).at(-1);
    if (latest && options.some(([v]) => v === String(latest.site_pk))) return String(latest.site_pk);
    return options.length === 1 ? options[0][0] : "";
  }

  const byDay = () => {
    const m = new Map<string, WorkRecord[]>();
    for (const r of records) m.set(r.work_date, [...(m.get(r.work_date) ?? []), r]);
    return m;
  };

  async function onDirect(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    if (Object.keys(errors).length) return forms.invalid("di-", errors);
    const day = v("work_date");
    const start = v("start_time");
    const end = v("end_time");
    // An exit earlier than the entry is the next morning (a night shift).
    const endDay = end && end <= start ? addDays(day, 1) : day;
    const body = {
      technician_id: tech.technician_id,
      start_at: `${day}T${start}:00+09:00`,
      end_at: end ? `${endDay}T${end}:00+09:00` : null,
      reason: v("reason"),
    };
    const name = `${tech.family_name} ${tech.given_name}`;
    const sent = await send<DirectInput>(forms, "di-", { ja: `直接入力（${name} ${day}）`, en: `Direct input (${name} ${day})` },
      { method: "POST", path: `/sites/${v("site")}/direct-inputs`, json: body }, { start_at: "work_date", end_at: "end_time" });
    if (sent.state === "failed") return;
    form.reset();
    if (sent.state === "done") {
      entered = [sent.result, ...entered];
      flash(t("work.direct_sent"));
    }
  }

  function calendar(): TemplateResult {
    const days = byDay();
    const today = todayJst();
    return html`<div class="table-wrap" role="region" aria-labelledby="cal-caption" tabindex="0">
      <table class="calendar" data-testid="calendar" data-keep-table>
        <caption id="cal-caption">${t("work.calendar_caption", { month: monthTitle(month) })}</caption>
        <thead><tr>${weekdayNames().map((d) => html`<th scope="col">${d}</th>`)}</tr></thead>
        <tbody>
          ${weeks(month).map((week) => html`<tr>
            ${week.map((day) => {
              if (!day) return html`<td class="empty"></td>`;
              const recs = days.get(day) ?? [];
              const n = Number(day.slice(8));
              const missing = recs.some((r) => r.missing_exit);
              const cls = ["day", recs.length ? "worked" : "", missing ? "missing" : "", day === today ? "today" : ""].join(" ");
              return html`<td class=${cls} data-date=${day}>
                ${recs.length
                  ? html`<a href="#rec-${day}"><span class="num">${n}</span><span class="mark" aria-hidden="true">${missing ? "!" : "●"}</span><span class="vh">${missing ? t("work.day_missing_exit") : t("work.day_worked")}</span></a>`
                  : html`<span class="num">${n}</span>`}
              </td>`;
            })}
          </tr>`)}
        </tbody>
      </table>
    </div>
    <p class="meta legend"><span aria-hidden="true">●</span> ${t("work.legend_worked")} · <span class="warn" aria-hidden="true">!</span> ${t("work.legend_missing")}</p>`;
  }

  function recordItem(r: WorkRecord): TemplateResult {
    return html`<li id="rec-${r.work_date}" tabindex="-1" class=${r.missing_exit ? "missing" : ""}>
      <div class="row-head">
        <strong>${formatDate(r.work_date)}</strong>
        <span class="badge">${tr("method", r.method)}</span>
        ${r.missing_exit ? html`<span class="badge badge-returned" data-testid="missing-exit">${t("work.missing_exit")}</span>` : nothing}
      </div>
      ${dl([
        [t("work.site"), siteLabel(r.site_pk, siteNames, r)],
        [t("work.first_in"), timeJst(r.first_in) || "—"],
        [t("work.last_out"), r.last_out ? `${timeJst(r.last_out)}${dateJst(r.last_out) !== r.work_date ? ` (${formatDate(dateJst(r.last_out))})` : ""}` : "—"],
        ...(r.trade ? [[t("work.trade"), `${tradeName(r.trade)}${r.position ? ` · ${tr("position", r.position)}` : ""}`] as [string, unknown]] : []),
        ...(r.tier != null ? [[t("work.tier"), tr("tier_n", String(r.tier))] as [string, unknown]] : []),
      ])}
    </li>`;
  }

  function directForm(): TemplateResult {
    const st = forms.get("di-");
    const options = siteOptions();
    return html`<section class="card" aria-labelledby="di-h" id="direct-input">
      <h2 id="di-h">${t("work.direct_title")}</h2>
      <p class="hint">${t("work.direct_intro")}</p>
      ${options.length
        ? html`${errorSummary(st, ["site", "work_date", "start_time", "end_time", "reason"], "di-")}
          <form @submit=${onDirect} novalidate>
            ${field({ name: "site", prefix: "di-", label: t("work.site"), options, value: preferredSite(options), required: true, errors: st.errors })}
            <div class="grid3">
              ${field({ name: "work_date", prefix: "di-", label: t("work.date"), type: "date", required: true, errors: st.errors })}
              ${field({ name: "start_time", prefix: "di-", label: t("work.first_in"), type: "time", required: true, errors: st.errors })}
              ${field({ name: "end_time", prefix: "di-", label: t("work.last_out_optional"), type: "time", hint: t("work.end_hint"), errors: st.errors })}
            </div>
            ${field({ name: "reason", prefix: "di-", label: t("work.reason"), type: "textarea", required: true, maxlength: 500, hint: t("work.reason_hint"), errors: st.errors })}
            <button type="submit" class="primary" ?disabled=${st.busy}>${t("work.direct_submit")}</button>
          </form>`
        : html`<p class="notice info">${t("work.direct_no_sites")}</p>`}
      ${entered.length
        ? html`<h3>${t("work.direct_entered")}</h3>
          <ul class="list" data-testid="direct-entered">${entered.map((d) => html`<li>
            <strong>${formatDate(d.work_date)}</strong> ${d.site_name ?? siteLabel(d.site_pk, siteNames)} ${badge("di", d.status)}
            <div class="meta">${timeJst(d.start_at)}–${timeJst(d.end_at)} · ${t("work.deadline")}: ${formatDateTime(d.deadline)}</div>
            <div>${d.reason}</div>
            ${d.decision_note ? html`<div class="meta">${t("work.decision_note")}: ${d.decision_note}</div>` : nothing}</li>`)}</ul>`
        : nothing}
    </section>`;
  }

  const base = self ? "/me/work" : `/firm/employees/${pk}/work`;
  const name = () => `${tech.family_name} ${tech.given_name}`;
  return {
    title: () => `${t("work.title")} — ${name()}`,
    refresh: async () => {
      await load();
      update();
    },
    render: () => html`<section>
      <h1 tabindex="-1">${t("work.title")} <span class="sub">${name()}</span></h1>
      ${technicianTabs("work", self, pk)}
      <nav class="month-nav" aria-label=${t("work.month_nav")}>
        <a class="button" href="${base}?month=${addMonths(month, -1)}" rel="prev">← ${monthTitle(addMonths(month, -1))}</a>
        <strong>${monthTitle(month)}</strong>
        <a class="button" href="${base}?month=${addMonths(month, 1)}" rel="next">${monthTitle(addMonths(month, 1))} →</a>
      </nav>
      ${calendar()}
      <section aria-labelledby="recs-h">
        <h2 id="recs-h">${t("work.records", { n: records.length })}</h2>
        ${records.length
          ? html`<ul class="list records" data-testid="work-records">${records.map(recordItem)}</ul>`
          : html`<p>${t("work.none")}</p>`}
      </section>
      ${directForm()}
    </section>`,
  };
}

export async function levelsView(pk: number, self: boolean): Promise<View> {
  let tech = await get<Technician>(`/technicians/${pk}`);
  // POST evaluates now (the level is recomputed from the current work records and qualifications).
  let levels = await api<Levels>("POST", `/technicians/${pk}/levels`);
  const downloads = new Downloads();
  const onCareer = () => downloads.get("career", `/technicians/${pk}/career.pdf`);

  const levelBadge = (l: number | null) =>
    l == null ? html`<span class="badge">${t("levels.none")}</span>` : html`<span class="badge badge-level badge-level-${l}">${t("levels.level_n", { n: l })}</span>`;

  // Applying is one button per trade, one request at a time on the page (Form.action); a refusal (already waiting…)
  // is shown in the error summary under the trades.
  const applying = new Form("lv-");

  function onApplyLevel(trade: string) {
    return applying.action(() => api("POST", `/technicians/${pk}/level-applications`, { json: { trade } }),
      { done: () => flash(t("levels.applied")) });
  }

  const name = () => `${tech.family_name} ${tech.given_name}`;
  return {
    title: () => `${t("levels.title")} — ${name()}`,
    refresh: async () => {
      [tech, levels] = await Promise.all([get<Technician>(`/technicians/${pk}`), api<Levels>("POST", `/technicians/${pk}/levels`)]);
      update();
    },
    render: () => html`<section>
      <h1 tabindex="-1">${t("levels.title")} <span class="sub">${name()}</span></h1>
      ${technicianTabs("levels", self, pk)}
      <p class="meta">${t("levels.evaluated_on", { on: formatDate(levels.on) })}</p>
      ${levels.trades.length
        ? html`<div class="grid2 wide" data-testid="levels">${levels.trades.map((tl) => html`<section class="card" aria-labelledby="lv-${tl.trade}">
            <h2 id="lv-${tl.trade}">${tradeName(tl.trade)} ${levelBadge(tl.official_level ?? null)}</h2>
            ${dl([
              [t("levels.official"), html`${levelBadge(tl.official_level ?? null)} ${tl.official_colour ? tr("levels.colour", tl.official_colour) : ""}`],
              [`${t("levels.level")}（${t("levels.estimate")}）`, tl.evaluated ? levelBadge(tl.level) : html`${levelBadge(null)} ${tl.reason ? tr("levels.reason", tl.reason) : ""}`],
              ...(tl.counted_days != null ? [[t("levels.counted_days"), t("levels.days", { n: tl.counted_days })] as [string, unknown]] : []),
              ...(tl.lead_days != null ? [[t("levels.lead_days"), t("levels.days", { n: tl.lead_days })] as [string, unknown]] : []),
              ...(tl.foreman_days != null ? [[t("levels.foreman_days"), t("levels.days", { n: tl.foreman_days })] as [string, unknown]] : []),
              ...(tl.criteria_version ? [[t("levels.criteria"), html`<span class="mono">${tl.criteria_version}</span>`] as [string, unknown]] : []),
            ])}
            ${tl.level != null && tl.level > (tl.official_level ?? 1)
              ? html`<button type="button" data-testid="level-apply" ?disabled=${applying.status.busy} @click=${() => onApplyLevel(tl.trade)}>${t("levels.apply")}</button>`
              : nothing}
            <h3>${tl.level === 4 ? t("levels.top") : t("levels.missing_title")}</h3>
            ${tl.missing_for_next.length
              ? html`<ul class="missing-list">${tl.missing_for_next.map((m) => html`<li>${m}</li>`)}</ul>`
              : html`<p>${tl.level === 4 ? t("levels.top_text") : t("levels.nothing_missing")}</p>`}
          </section>`)}</div>`
        : html`<p>${t("levels.no_trades")}</p>`}
      ${errorSummary(applying.status, [], "lv-")}
      <section class="card" aria-labelledby="lvh-h">
        <h2 id="lvh-h">${t("levels.history")}</h2>
        ${levels.history.length
          ? html`<ul class="list">${levels.history.map((h) => html`<li>
              <strong>${formatDate(h.on)}</strong> ${tradeName(h.trade)}:
              ${h.from_level != null ? html`${t("levels.level_n", { n: h.from_level })} → ` : nothing}${levelBadge(h.level)}
              <span class="meta">(${tr("levels.dir", h.direction)})</span></li>`)}</ul>`
          : html`<p>${t("levels.no_history")}</p>`}
      </section>
      <section class="card" aria-labelledby="career-h">
        <h2 id="career-h">${t("career.title")}</h2>
        <p>${t("career.intro")}</p>
        <button type="button" class="primary" data-testid="career-pdf" ?disabled=${downloads.busy("career")} @click=${onCareer}>${t("career.download")}</button>
      </section>
    </section>`,
  };
}
