// The operator's KPI dashboard (/admin/kpi?fy=YYYY): revenue by fee category against the revenue plan, registrations
// and work records against the 低位推計 targets per fiscal quarter, and the same counts by segment (industry,
// prefecture, capital band). Every chart is followed by a table of its numbers.

import { html, nothing, TemplateResult } from "lit-html";
import { get } from "../api";
import { navigate, View } from "../app";
import type { KpiQuarter, Registrations, Revenue } from "../billing-types";
import { barChart } from "../chart";
import { todayJst, values } from "../forms";
import { formatDate, formatYen, getLang, t, tr } from "../i18n";
import { industryName, prefectureName } from "../masters";
import { field } from "../ui";

/** A plan's source as a reader needs it: the document and its date (2020年10月20日), without the notes that point into
 * the project's own files (the seed file's path, its line numbers). */
function sourceText(text: string): string {
  return text
    .replace(/^\S*shared\/seeds\/\S+\s*—\s*/, "")
    .replace(/\s*Line numbers are of that text file\.?/g, "")
    .replace(/\s*—\s*seed lines[^)）]*/g, "")
    .replace(/\s*and 参考資料/g, "、参考資料")
    .replace(/\d{4}-\d{2}-\d{2}/g, (d) => formatDate(d));
}

const MEASURES = ["technicians", "businesses", "work_records"] as const;
const SEGMENTS = ["industry", "prefecture", "size"] as const;
type Segment = (typeof SEGMENTS)[number];

/** The fiscal year (April–March) of today in Japan. */
export function currentFiscalYear(): number {
  const [y, m] = todayJst().split("-").map(Number);
  return m >= 4 ? y : y - 1;
}

function count(n: number): string {
  return n.toLocaleString(getLang() === "ja" ? "ja-JP" : "en-GB");
}

function pct(x: number | null): string {
  return x == null ? "—" : `${(x * 100).toFixed(1)}%`;
}

function segmentName(kind: Segment, key: string): string {
  if (key === "none" || key === "unknown") return t("kpi.segment_none");
  if (kind === "industry") return `${industryName(key)} (${key})`;
  if (kind === "prefecture") return prefectureName(key);
  return tr("band", key);
}

export async function kpiView(query: URLSearchParams): Promise<View> {
  const fy = Number(query.get("fy")) || currentFiscalYear();
  const seg: Segment = (SEGMENTS as readonly string[]).includes(query.get("segment") ?? "") ? (query.get("segment") as Segment) : "industry";
  const [revenue, regs] = await Promise.all([
    get<Revenue>(`/admin/kpi/revenue?fiscal_year=${fy}`),
    get<Registrations>(`/admin/kpi/registrations?fiscal_year=${fy}`),
  ]);
  const qNum = Number(query.get("quarter"));
  // Default: the quarter we are in (or the year's last one for a past year).
  const today = todayJst();
  const quarter: KpiQuarter | undefined = regs.quarters.find((q) => q.quarter === qNum)
    ?? regs.quarters.find((q) => q.first_day <= today && today <= q.last_day) ?? regs.quarters[regs.quarters.length - 1];
  const qLabel = (q: number) => t("kpi.quarter", { q });

  function onFilter(ev: SubmitEvent) {
    ev.preventDefault();
    const v = values(ev.target as HTMLFormElement);
    const next = new URLSearchParams({ fy: v("fy"), segment: v("segment"), quarter: v("quarter") });
    void navigate(`/admin/kpi?${next}`);
  }

  function revenueSection(): TemplateResult {
    const cats = revenue.categories;
    const quarters = [1, 2, 3, 4];
    const byQuarter = quarters.map((q) => cats.reduce((s, c) => s + (c.quarters.find((x) => x.quarter === q)?.actual_yen ?? 0), 0));
    return html`<section class="card" aria-labelledby="rev-h">
      <h2 id="rev-h">${t("kpi.revenue")}</h2>
      <p class="big" data-testid="revenue-total">${t("kpi.revenue_total", { net: formatYen(revenue.net_total_yen) })}
        ${revenue.plan_total_yen != null ? html`<span class="meta">${t("kpi.of_plan", { plan: formatYen(revenue.plan_total_yen), rate: pct(revenue.net_total_yen / revenue.plan_total_yen) })}</span>` : nothing}</p>
      ${revenue.plan_total_yen == null ? html`<p class="hint">${t("kpi.no_plan", { fy })}</p>` : nothing}
      ${barChart({
        id: "rev-cat", title: t("kpi.revenue_by_category", { fy }), description: t("kpi.revenue_by_category_desc"),
        categories: cats.map((c) => c.label_ja),
        series: [
          { label: t("kpi.plan"), kind: "target", values: cats.map((c) => c.plan_yen) },
          { label: t("kpi.actual_net"), kind: "actual", values: cats.map((c) => c.net_yen) },
        ],
        format: formatYen,
        extra: [
          { label: t("kpi.accrued"), values: cats.map((c) => formatYen(c.accrued_yen)) },
          { label: t("kpi.credited"), values: cats.map((c) => formatYen(c.credited_yen)) },
          { label: t("kpi.achievement"), values: cats.map((c) => pct(c.achievement)) },
        ],
      })}
      ${barChart({
        id: "rev-q", title: t("kpi.revenue_by_quarter", { fy }), description: t("kpi.revenue_by_quarter_desc"),
        categories: quarters.map(qLabel),
        series: [
          ...(revenue.plan_total_yen != null ? [{ label: t("kpi.plan_quarter"), kind: "target" as const, values: quarters.map(() => Math.round(revenue.plan_total_yen! / 4)) }] : []),
          { label: t("kpi.actual"), kind: "actual", values: byQuarter },
        ],
        format: formatYen,
      })}
      ${revenue.plan_source ? html`<p class="meta">${t("kpi.source")}: ${sourceText(revenue.plan_source)}</p>` : nothing}
    </section>`;
  }

  function measureChart(m: (typeof MEASURES)[number]): TemplateResult {
    const qs = regs.quarters;
    return barChart({
      id: `reg-${m}`, title: t("kpi.measure_ytd", { what: tr("kpi.m", m), fy }), description: t("kpi.measure_desc", { what: tr("kpi.m", m) }),
      categories: qs.map((q) => qLabel(q.quarter)),
      series: [
        { label: t("kpi.target_ytd"), kind: "target", values: qs.map((q) => q[m].year_to_date_target) },
        { label: t("kpi.actual_ytd"), kind: "actual", values: qs.map((q) => q[m].year_to_date) },
      ],
      format: count,
      extra: [
        { label: t("kpi.in_quarter"), values: qs.map((q) => count(q[m].quarter)) },
        { label: t("kpi.all_time"), values: qs.map((q) => (q[m].all_time == null ? "—" : count(q[m].all_time!))) },
        { label: t("kpi.all_time_target"), values: qs.map((q) => (q[m].all_time_target == null ? "—" : count(q[m].all_time_target!))) },
      ],
    });
  }

  function segmentSection(): TemplateResult {
    if (!quarter) return html`<p>${t("kpi.no_quarters")}</p>`;
    const rows = [...(quarter.segments[seg] ?? [])].sort((a, b) => b.technicians - a.technicians || b.work_records - a.work_records);
    const top = rows.slice(0, 12);
    return html`<section class="card" aria-labelledby="seg-h">
      <h2 id="seg-h">${t("kpi.segments", { what: tr("kpi.seg", seg), q: qLabel(quarter.quarter) })}</h2>
      <p class="hint">${t("kpi.segments_intro")}</p>
      ${top.length
        ? barChart({
            id: "seg", title: t("kpi.segment_chart", { what: tr("kpi.seg", seg), q: qLabel(quarter.quarter) }),
            description: t("kpi.segment_chart_desc"),
            categories: top.map((r) => segmentName(seg, r.key)),
            series: [
              { label: tr("kpi.m", "technicians"), kind: "actual", values: top.map((r) => r.technicians) },
            ],
            format: count,
            extra: [
              { label: tr("kpi.m", "businesses"), values: top.map((r) => count(r.businesses)) },
              { label: tr("kpi.m", "work_records"), values: top.map((r) => count(r.work_records)) },
            ],
          })
        : html`<p>${t("kpi.no_segments")}</p>`}
      ${rows.length > top.length ? html`<p class="meta">${t("kpi.more_segments", { n: rows.length - top.length })}</p>` : nothing}
    </section>`;
  }

  const years = Array.from({ length: currentFiscalYear() - 2019 + 2 }, (_, i) => 2019 + i);
  return {
    title: () => t("kpi.title"),
    render: () => html`<section class="kpi">
      <h1 tabindex="-1">${t("kpi.title")} <span class="sub">${t("kpi.fy", { fy })}</span></h1>
      <form class="filters" @submit=${onFilter}>
        ${field({ name: "fy", prefix: "kpi-", label: t("kpi.fiscal_year"), value: String(fy), required: true, hideRequiredMark: true, errors: {},
          options: years.map((y) => [String(y), t("kpi.fy", { fy: y })]) })}
        ${field({ name: "segment", prefix: "kpi-", label: t("kpi.segment_kind"), value: seg, required: true, hideRequiredMark: true, errors: {},
          options: SEGMENTS.map((s) => [s, tr("kpi.seg", s)]) })}
        ${field({ name: "quarter", prefix: "kpi-", label: t("kpi.quarter_label"), value: String(quarter?.quarter ?? 1), required: true, hideRequiredMark: true, errors: {},
          options: regs.quarters.map((q) => [String(q.quarter), `${qLabel(q.quarter)}（${q.first_day}〜${q.last_day}）`]) })}
        <button type="submit">${t("kpi.show")}</button>
      </form>
      ${revenueSection()}
      <section class="card" aria-labelledby="reg-h">
        <h2 id="reg-h">${t("kpi.registrations")}</h2>
        <p class="hint">${t("kpi.registrations_intro")}</p>
        ${MEASURES.map(measureChart)}
        <p class="meta">${t("kpi.source")}: ${sourceText(regs.target_source)}</p>
      </section>
      ${segmentSection()}
    </section>`,
  };
}
