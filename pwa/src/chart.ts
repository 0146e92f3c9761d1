// Small bar charts drawn as inline SVG from the data (no chart library: a few dozen bars need none), each followed by
// a table of the same numbers, so screen-reader users and anyone who wants the exact figures read the table. The SVG
// itself is one image with a title and a description.
//
// Horizontal bars, each group's label on its own line above its bars: the labels (Japanese fee names, prefectures)
// stay readable on a phone, where a vertical chart would have to rotate or cut them. Targets are hatched outlines,
// actuals solid, so the two differ by more than colour.

import { html, nothing, svg, TemplateResult } from "lit-html";
import { getLang } from "./i18n";

export interface Series {
  label: string;
  kind: "actual" | "target";
  values: (number | null)[];
}

export interface ChartOpts {
  id: string;
  title: string;
  description: string;
  categories: string[];
  series: Series[];
  /** The exact figure, for the table. */
  format: (n: number) => string;
  /** Extra table columns (an achievement rate…), one string per category. */
  extra?: { label: string; values: string[] }[];
}

const W = 360;
const PAD = 6;
const VALUE_W = 84;
const BAR_H = 14;
const GAP = 3;
const LABEL_H = 18;
const GROUP_GAP = 10;

/** 12,345,678 → "1,235万" (ja) or "12.3M" (en): short enough to sit beside a bar. */
export function compact(n: number): string {
  const abs = Math.abs(n);
  const round = (x: number) => (x >= 100 ? Math.round(x).toLocaleString() : x.toFixed(x >= 10 ? 1 : 2).replace(/\.?0+$/, ""));
  if (getLang() === "ja") {
    if (abs >= 1e8) return `${round(n / 1e8)}億`;
    if (abs >= 1e4) return `${round(n / 1e4)}万`;
    return n.toLocaleString("ja-JP");
  }
  if (abs >= 1e9) return `${round(n / 1e9)}B`;
  if (abs >= 1e6) return `${round(n / 1e6)}M`;
  if (abs >= 1e4) return `${round(n / 1e3)}k`;
  return n.toLocaleString("en-GB");
}

export function barChart(opts: ChartOpts): TemplateResult {
  // A series with no value at all (no plan for the year) is left out of both the chart and the table.
  const o = { ...opts, series: opts.series.filter((s) => s.values.some((v) => v != null)) };
  const all = o.series.flatMap((s) => s.values).filter((v): v is number => v != null);
  const max = Math.max(1, ...all.map(Math.abs));
  const barMax = W - PAD * 2 - VALUE_W;
  const groupH = LABEL_H + o.series.length * (BAR_H + GAP) + GROUP_GAP;
  const H = o.categories.length * groupH + PAD;
  const hatch = `${o.id}-hatch`;
  const bars = o.categories.map((cat, ci) => {
    const y0 = PAD + ci * groupH;
    return svg`<g>
      <text x=${PAD} y=${y0 + 13} class="chart-label">${cat}</text>
      ${o.series.map((s, si) => {
        const v = s.values[ci];
        const y = y0 + LABEL_H + si * (BAR_H + GAP);
        const w = v == null ? 0 : Math.max(v === 0 ? 0 : 1.5, (Math.abs(v) / max) * barMax);
        return svg`${v != null
          ? svg`<rect x=${PAD} y=${y} width=${w} height=${BAR_H} class=${s.kind === "actual" ? "bar-actual" : "bar-target"}
              fill=${s.kind === "actual" ? "#0b4f8a" : `url(#${hatch})`} />`
          : nothing}
          <text x=${PAD + w + 4} y=${y + BAR_H - 3} class="chart-value">${v == null ? "—" : compact(v)}</text>`;
      })}
    </g>`;
  });
  return html`<figure class="chart" aria-labelledby="${o.id}-cap">
    <figcaption id="${o.id}-cap">${o.title}</figcaption>
    <ul class="chart-legend" aria-hidden="true">
      ${o.series.map((s) => html`<li><span class="swatch ${s.kind}"></span>${s.label}</li>`)}
    </ul>
    <svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="${o.id}-t ${o.id}-d" data-testid="chart-${o.id}">
      <title id="${o.id}-t">${o.title}</title>
      <desc id="${o.id}-d">${o.description}</desc>
      <defs>
        <pattern id=${hatch} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
          <rect width="6" height="6" fill="#fff1d1"></rect><line x1="0" y1="0" x2="0" y2="6" stroke="#6b4500" stroke-width="3"></line>
        </pattern>
      </defs>
      ${bars}
    </svg>
    <div class="table-wrap" tabindex="0" role="region" aria-label=${o.title}>
      <table class="data chart-table" data-testid="table-${o.id}">
        <caption>${o.title}</caption>
        <thead><tr><th scope="col"><span class="vh">${o.title}</span></th>
          ${o.series.map((s) => html`<th scope="col" class="num">${s.label}</th>`)}
          ${(o.extra ?? []).map((e) => html`<th scope="col" class="num">${e.label}</th>`)}</tr></thead>
        <tbody>${o.categories.map((cat, ci) => html`<tr><th scope="row">${cat}</th>
          ${o.series.map((s) => html`<td class="num">${s.values[ci] == null ? "—" : o.format(s.values[ci]!)}</td>`)}
          ${(o.extra ?? []).map((e) => html`<td class="num">${e.values[ci]}</td>`)}</tr>`)}</tbody>
      </table>
    </div>
  </figure>`;
}
