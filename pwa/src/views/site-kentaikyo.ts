// One site's 建退共 candidates (/firm/sites/:pk/kentaikyo): days an employer reported to 建退共 that OpenCCUS has no
// record of (imported on the employer's monthly 建退共 page). The prime's 現場管理者 approves each — it becomes a work
// record (method kentaikyo) and the site usage fee follows it — or rejects it; each is decided once (a second
// decision gets 409 already_decided, which the page shows in Japanese like any error).

import { html, nothing, TemplateResult } from "lit-html";
import { get } from "../api";
import { flash, navigate, update } from "../app";
import { Forms, send, values } from "../forms";
import { formatDate, formatDateTime, t } from "../i18n";
import type { Site } from "../types";
import { badge, dl, errorSummary, field } from "../ui";

interface Candidate {
  id: number; technician_pk: number; technician_id: string; technician_name: string; employer_pk: number;
  employer_name: string; work_date: string; status: "pending" | "approved" | "rejected"; note: string | null;
  decided_at: string | null;
}

export interface KentaikyoPage {
  render(): TemplateResult;
  reload(site: Site): Promise<void>;
}

const STATUSES = ["pending", "approved", "rejected"] as const;

export async function kentaikyoCandidatesPage(first: Site, query: URLSearchParams): Promise<KentaikyoPage> {
  let site = first;
  const forms = new Forms();
  const status = (STATUSES as readonly string[]).includes(query.get("status") ?? "") ? query.get("status")! : "pending";
  const load = () => get<Candidate[]>(`/sites/${site.id}/kentaikyo-candidates?status=${status}`);
  let items = await load();

  async function decide(ev: SubmitEvent, item: Candidate) {
    ev.preventDefault();
    const approve = ((ev.submitter as HTMLButtonElement | null)?.value ?? "approve") === "approve";
    const note = values(ev.target as HTMLFormElement)("note");
    const key = `kc-${item.id}-`;
    const day = formatDate(item.work_date);
    const sent = await send(forms, key,
      approve ? { ja: `建退共候補の承認（${item.technician_name} ${day}）`, en: `Approve a Kentaikyo day (${item.technician_name} ${day})` }
        : { ja: `建退共候補の却下（${item.technician_name} ${day}）`, en: `Reject a Kentaikyo day (${item.technician_name} ${day})` },
      { method: "POST", path: `/sites/${site.id}/kentaikyo-candidates/${item.id}/${approve ? "approve" : "reject"}`,
        json: { note: note || null } });
    if (sent.state !== "done") return;
    items = await load();
    flash(t(approve ? "kt.cand.approved" : "kt.cand.rejected", { name: item.technician_name, day }));
    update();
  }

  function onFilter(ev: SubmitEvent) {
    ev.preventDefault();
    void navigate(`/firm/sites/${site.id}/kentaikyo?status=${values(ev.target as HTMLFormElement)("status")}`);
  }

  function row(item: Candidate): TemplateResult {
    const key = `kc-${item.id}-`;
    const st = forms.get(key);
    return html`<li data-candidate=${item.id}>
      <div class="row-head"><strong>${item.technician_name}</strong> ${badge("kt.cand.status", item.status)}</div>
      ${dl([
        [t("work.date"), formatDate(item.work_date)],
        [t("kt.cand.technician_id"), html`<span class="mono">${item.technician_id}</span>`],
        [t("kt.cand.employer"), item.employer_name],
        ...(item.decided_at ? [[t("kt.cand.decided_at"), formatDateTime(item.decided_at)] as [string, unknown]] : []),
        ...(item.note ? [[t("kt.cand.note"), item.note] as [string, unknown]] : []),
      ])}
      ${item.status === "pending"
        ? html`${errorSummary(st, ["note"], key)}
          <form @submit=${(ev: SubmitEvent) => decide(ev, item)} novalidate>
            ${field({ name: "note", prefix: key, label: t("kt.cand.note"), maxlength: 500, errors: st.errors })}
            <div class="actions">
              <button type="submit" class="primary" name="decision" value="approve" ?disabled=${st.busy}>${t("kt.cand.approve")}</button>
              <button type="submit" class="danger" name="decision" value="reject" ?disabled=${st.busy}>${t("kt.cand.reject")}</button>
            </div>
          </form>`
        : nothing}
    </li>`;
  }

  return {
    reload: async (s) => {
      site = s;
      items = await load();
    },
    render: () => html`
      <h2>${t("kt.cand.title")}</h2>
      <p>${t("kt.cand.intro")}</p>
      <form class="filters one" @submit=${onFilter}>
        ${field({ name: "status", label: t("f.status"), value: status, required: true, hideRequiredMark: true, errors: {},
          options: STATUSES.map((s) => [s, t(`kt.cand.status.${s}`)]) })}
        <button type="submit">${t("review.apply_filter")}</button>
      </form>
      ${items.length
        ? html`<ul class="list" data-testid="kentaikyo-candidates">${items.map(row)}</ul>`
        : html`<p>${t("kt.cand.none")}</p>`}`,
  };
}
