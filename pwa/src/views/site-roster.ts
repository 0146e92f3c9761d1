// A site's roster (作業員名簿): put an approved employee on it with trade, position and work content; change it or
// mark the end.

import { html, nothing, TemplateResult } from "lit-html";
import { get } from "../api";
import { flash, update } from "../app";
import { Forms, send, values } from "../forms";
import { t, tr } from "../i18n";
import { tradeName } from "../masters";
import type { RosterEntry, TechnicianSummary } from "../types";
import { checkbox, errorSummary, field, requiredErrors } from "../ui";
import {
  myBusiness, isAdmin, type SiteData, type Page, businessName, tradeOptions, positionOptions,
} from "./site-common";

// --- the roster -------------------------------------------------------------------------------------------------

export async function rosterPage(first: SiteData, forms: Forms): Promise<Page> {
  const me = myBusiness();
  let d = first;
  let roster = await get<RosterEntry[]>(`/sites/${d.site.id}/roster`);
  const inTree = () => isAdmin() && d.contracts.some((c) => c.business_pk === me && c.status === "approved");
  let employees: TechnicianSummary[] = [];
  // The picker asks the server (approved employees, searched by name or ID): a firm of hundreds narrows it by typing.
  let pickerQ = "";
  let pickerTimer: number | undefined;
  const loadEmployees = async () => {
    if (!isAdmin() || !me) return;
    const qs = new URLSearchParams({ status: "approved" });
    if (pickerQ) qs.set("q", pickerQ);
    employees = (await get<TechnicianSummary[]>(`/businesses/${me}/employees?${qs}`).catch(() => [] as TechnicianSummary[]))
      .filter((e) => e.technician_id);
  };
  await loadEmployees();
  const onPickerInput = (ev: Event) => {
    pickerQ = (ev.target as HTMLInputElement).value.trim();
    clearTimeout(pickerTimer);
    pickerTimer = window.setTimeout(() => void loadEmployees().then(update), 300);
  };

  async function onAdd(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    if (Object.keys(errors).length) return forms.invalid("ros-", errors);
    const body = { technician_id: v("technician_id"), trade: v("trade"), position: v("position"), work_content: v("work_content") || null };
    const who = employees.find((e) => e.technician_id === body.technician_id)?.name ?? body.technician_id;
    const sent = await send<RosterEntry[]>(forms, "ros-", { ja: `作業員名簿への登録（${who}）`, en: `Roster entry (${who})` },
      { method: "POST", path: `/sites/${d.site.id}/roster`, json: body });
    if (sent.state === "failed") return;
    form.reset();
    if (sent.state === "done") {
      roster = sent.result;
      flash(t("roster.added", { name: who }));
    }
  }

  async function onEdit(ev: SubmitEvent, e: RosterEntry) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const key = `re-${e.id}-`;
    const body = {
      trade: v("trade"), position: v("position"), work_content: v("work_content") || null,
      active: new FormData(form).get(`active-${e.id}`) === "true",
    };
    const sent = await send<RosterEntry[]>(forms, key, { ja: `作業員名簿の変更（${e.name}）`, en: `Roster change (${e.name})` },
      { method: "PATCH", path: `/sites/${d.site.id}/roster/${e.id}`, json: body });
    if (sent.state === "done") {
      roster = sent.result;
      flash(t("roster.saved", { name: e.name }));
    }
  }

  function entry(e: RosterEntry): TemplateResult {
    const mine = isAdmin() && e.employer_pk === me;
    const key = `re-${e.id}-`;
    const st = forms.get(key);
    return html`<li data-roster=${e.id}>
      <div class="row-head">
        <strong>${e.name}</strong>
        <span class="badge">${tr("position", e.position)}</span>
        ${e.active ? html`<span class="badge badge-active">${t("roster.active")}</span>` : html`<span class="badge">${t("roster.inactive")}</span>`}
      </div>
      <div class="meta">${t("f.technician_id")}: <span class="mono">${e.technician_id}</span> · ${tradeName(e.trade)}
        · ${businessName(d, e.employer_pk)}${e.work_content ? html` · ${e.work_content}` : nothing}</div>
      ${mine
        ? html`<details>
            <summary>${t("roster.edit", { name: e.name })}</summary>
            ${errorSummary(st, ["trade", "position", "work_content"], key)}
            <form @submit=${(ev: SubmitEvent) => onEdit(ev, e)} novalidate>
              <div class="grid3">
                ${field({ name: "trade", prefix: key, label: t("roster.trade"), value: e.trade, options: tradeOptions(), required: true, errors: st.errors })}
                ${field({ name: "position", prefix: key, label: t("roster.position"), value: e.position, options: positionOptions(), required: true, errors: st.errors })}
                ${field({ name: "work_content", prefix: key, label: t("roster.work_content"), value: e.work_content ?? "", maxlength: 200, errors: st.errors })}
              </div>
              ${checkbox({ name: `active-${e.id}`, label: t("roster.active_label"), checked: e.active, errors: st.errors })}
              <button type="submit" ?disabled=${st.busy}>${t("me.save")}</button>
            </form>
          </details>`
        : nothing}
    </li>`;
  }

  function addForm(): TemplateResult | typeof nothing {
    if (!isAdmin()) return nothing;
    if (!inTree()) return html`<p class="notice info">${t("roster.not_in_tree")}</p>`;
    const st = forms.get("ros-");
    const onRoster = new Set(roster.map((r) => r.technician_id));
    const choices = employees.filter((e) => !onRoster.has(e.technician_id!));
    return html`<section class="card" aria-labelledby="ros-h" id="add-roster">
      <h2 id="ros-h">${t("roster.add")}</h2>
      <div class="field"><label for="f-ros-find">${t("roster.find")}</label>
        <input id="f-ros-find" type="search" maxlength="100" .value=${pickerQ} @input=${onPickerInput} data-testid="roster-find" /></div>
      ${choices.length
        ? html`${errorSummary(st, ["technician_id", "trade", "position", "work_content"], "ros-")}
          <form @submit=${onAdd} novalidate>
            ${field({ name: "technician_id", prefix: "ros-", label: t("roster.technician"), required: true,
              options: choices.map((e) => [e.technician_id!, `${e.name}（${e.technician_id}）`]), errors: st.errors })}
            <div class="grid2">
              ${field({ name: "trade", prefix: "ros-", label: t("roster.trade"), required: true, options: tradeOptions(), errors: st.errors })}
              ${field({ name: "position", prefix: "ros-", label: t("roster.position"), required: true, value: "worker", options: positionOptions(), errors: st.errors })}
            </div>
            ${field({ name: "work_content", prefix: "ros-", label: t("roster.work_content"), maxlength: 200, hint: t("roster.work_content_hint"), errors: st.errors })}
            <button type="submit" class="primary" ?disabled=${st.busy}>${t("roster.add")}</button>
          </form>`
        : html`<p>${t("roster.no_choices")}</p>`}
    </section>`;
  }

  return {
    reload: async (x) => {
      d = x;
      roster = await get<RosterEntry[]>(`/sites/${d.site.id}/roster`);
    },
    render: () => html`
      ${roster.length
        ? html`<ul class="list roster" data-testid="roster">${roster.map(entry)}</ul>`
        : html`<p>${t("roster.none")}</p>`}
      ${addForm()}`,
  };
}
