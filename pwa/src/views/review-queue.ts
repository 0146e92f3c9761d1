// The operator's review queue: a page at a time from the server (GET /review/queue: limit, offset, total), filtered
// by status and subject and searched by the applicant's names (kanji, kana) and IDs. The page and the search live in
// the address, so a reload or a shared link shows the same page.

import { html, nothing, TemplateResult } from "lit-html";
import { get } from "../api";
import { navigate, update, View } from "../app";
import { formatDate, formatDateTime, t, tr } from "../i18n";
import type { ReviewItem } from "../types";
import { badge, field } from "../ui";

const SIZES = [10, 20, 50];

interface ReviewPage {
  items: ReviewItem[];
  total: number;
  limit: number;
  offset: number;
}

function applicantName(item: ReviewItem): string {
  if (item.technician) return `${item.technician.family_name} ${item.technician.given_name}`;
  return item.business?.name ?? "—";
}


/** Which registration agent filed it (its name, channel and consent date), if one did. */
export function filedBy(it: ReviewItem): TemplateResult | typeof nothing {
  const f = it.filed_by;
  if (!f) return nothing;
  return html`<div class="meta" data-testid="filed-by">${t("rv.filed_by", { name: f.agent_name, channel: tr("ag.channel", f.channel), d: formatDate(f.consent_on) })}</div>`;
}

export async function queueView(query: URLSearchParams): Promise<View> {
  const status = query.get("status") || "submitted";
  const subject = query.get("subject_type") || "";
  const search = (query.get("q") || "").trim();
  const pageNo = Math.max(1, Number(query.get("page")) || 1);
  const PAGE = SIZES.includes(Number(query.get("per"))) ? Number(query.get("per")) : 20;
  const qs = new URLSearchParams({ status, limit: String(PAGE), offset: String((pageNo - 1) * PAGE) });
  if (subject) qs.set("subject_type", subject);
  if (search) qs.set("q", search);
  let page = await get<ReviewPage>(`/review/queue?${qs}`);

  const href = (n: number) => {
    const next = new URLSearchParams({ status });
    if (subject) next.set("subject_type", subject);
    if (search) next.set("q", search);
    if (PAGE !== 20) next.set("per", String(PAGE));
    if (n > 1) next.set("page", String(n));
    return `/review?${next}`;
  };

  function onFilter(ev: Event) {
    ev.preventDefault();
    const fd = new FormData(ev.target as HTMLFormElement);
    const next = new URLSearchParams();
    next.set("status", String(fd.get("status") || "submitted"));
    if (fd.get("subject_type")) next.set("subject_type", String(fd.get("subject_type")));
    const q = String(fd.get("q") || "").trim();
    if (q) next.set("q", q);
    if (String(fd.get("per")) !== "20") next.set("per", String(fd.get("per")));
    void navigate(`/review?${next}`);
  }

  const pages = () => Math.max(1, Math.ceil(page.total / PAGE));
  const pager = () => page.total > PAGE
    ? html`<nav class="pager" aria-label=${t("pager.label")} data-testid="pager">
        ${pageNo > 1 ? html`<a href=${href(pageNo - 1)} rel="prev">${t("pager.prev")}</a>` : nothing}
        <span>${t("pager.page", { n: pageNo, pages: pages() })}</span>
        ${pageNo < pages() ? html`<a href=${href(pageNo + 1)} rel="next">${t("pager.next")}</a>` : nothing}
      </nav>`
    : nothing;

  return {
    title: () => t("review.title"),
    refresh: async () => {
      page = await get<ReviewPage>(`/review/queue?${qs}`);
      update();
    },
    render: () => html`<section>
      <h1 tabindex="-1">${t("review.title")}</h1>
      <form class="filters" role="search" @submit=${onFilter}>
        ${field({ name: "q", label: t("review.search"), value: search, errors: {}, type: "search", hint: t("review.search_hint"), maxlength: 100 })}
        ${field({ name: "status", label: t("review.filter_status"), value: status, required: true, hideRequiredMark: true, errors: {},
          options: (["submitted", "returned", "approved"] as const).map((s) => [s, t(`status.${s}`)]) })}
        ${field({ name: "subject_type", label: t("review.filter_subject"), value: subject, errors: {}, emptyLabel: t("review.all"),
          options: [["technician", t("subject.technician")], ["business", t("subject.business")]] })}
        ${field({ name: "per", label: t("pager.per"), value: String(PAGE), required: true, hideRequiredMark: true, errors: {},
          options: SIZES.map((n) => [String(n), t("pager.per_n", { n })]) })}
        <button type="submit">${t("review.apply_filter")}</button>
      </form>
      <p class="meta" data-testid="queue-count" role="status">${page.total
        ? t("pager.range", { total: page.total, from: page.offset + 1, to: page.offset + page.items.length })
        : ""}</p>
      ${page.items.length
        ? html`<ul class="list queue" data-testid="queue">
            ${page.items.map((it) => html`<li>
              <div class="row-head">
                <a href="/review/${it.application.id}"><strong>${applicantName(it)}</strong></a>
                <span class="badge">${tr("subject", it.application.subject_type)}</span>
                <span class="badge">${tr("kind", it.application.kind)}</span>
                ${it.application.proxy ? html`<span class="badge">${t("review.proxy")}</span>` : nothing}
                ${badge("status", it.application.status)}
              </div>
              <div class="meta">${t("me.submitted_at")}: ${formatDateTime(it.application.submitted_at)}</div>
              ${filedBy(it)}
            </li>`)}
          </ul>${pager()}`
        : html`<p>${t("review.empty")}</p>`}
    </section>`,
  };
}
