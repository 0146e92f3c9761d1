// A technician's 詳細型 tab: the upgrade, the detailed data (dated rows and education) and the qualifications with
// their certificate photos.

import { html, nothing, TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import { update } from "../app";
import { feeNotice } from "../fees";
import { formatDate, t, tr } from "../i18n";
import { qualifications } from "../masters";
import type { DatedItem, Education } from "../types";
import { authImg, badge, checkbox, errorSummary, field, photoField } from "../ui";
import type { TechnicianPage } from "./technician-overview";

export interface Row<T> {
  key: number;
  value: T;
}

/** The editable lists of the 詳細型 form, each row keyed so that lit keeps its inputs. */
export interface DetailedRows {
  health_checks: Row<DatedItem>[];
  trainings: Row<DatedItem>[];
  awards: Row<DatedItem>[];
  education: Row<Education>[];
}

let rowSeq = 0;
export function rows<T>(items: T[] | undefined): Row<T>[] {
  return (items ?? []).map((value) => ({ key: rowSeq++, value }));
}

function datedRows(p: TechnicianPage, list: "health_checks" | "trainings" | "awards", legend: string): TemplateResult {
  const items = p.detailedRows[list];
  return html`<fieldset class="rows">
    <legend>${legend}</legend>
    ${repeat(items, (r) => r.key, (r, i) => html`<div class="row-item">
      ${field({ name: `${list}.${r.key}.name`, label: `${t("me.item_name")} ${i + 1}`, value: r.value.name, errors: p.main.status.errors })}
      ${field({ name: `${list}.${r.key}.on`, label: `${t("me.item_on")} ${i + 1}`, type: "date", value: r.value.on, errors: p.main.status.errors })}
      <button type="button" class="link" @click=${() => { p.detailedRows[list] = items.filter((x) => x !== r); update(); }}>${t("me.remove_row")}</button>
    </div>`)}
    <button type="button" @click=${() => { p.detailedRows[list] = [...items, ...rows([{ name: "", on: "" }])]; update(); }}>${t("me.add_row")}: ${legend}</button>
  </fieldset>`;
}

export function detailedTab(p: TechnicianPage): TemplateResult {
  const upgradeOpen = p.apps.find((a) => a.kind === "upgrade" && (a.status === "submitted" || a.status === "returned"));
  const returned = p.returnedUpgrade();
  const canUpgrade = p.tech.status === "approved" && p.tech.tier === "simplified" && !upgradeOpen;
  const detailEditable = p.tech.status !== "submitted";
  const d = p.tech.detailed; // null until the 詳細型 data is entered
  const groups = new Map<string, typeof qualifications>();
  for (const q of qualifications) groups.set(q.category, [...(groups.get(q.category) ?? []), q]);
  const reasons = p.reasonsOf(returned);
  return html`
    ${returned ? html`${p.reasonList(returned, `${p.base}/detailed`)}
      <p><button class="primary" type="button" @click=${() => p.onResubmit(returned)}>${t("me.resubmit")}</button></p>` : nothing}
    <section class="card" aria-labelledby="upgrade-h">
      <h2 id="upgrade-h">${t("me.upgrade_title")}</h2>
      <p>${p.tech.tier === "detailed" ? t("me.already_detailed") : t("me.upgrade_intro")}</p>
      ${p.tech.status !== "approved" ? html`<p class="notice info">${t("me.upgrade_needs_approval")}</p>` : nothing}
      ${upgradeOpen ? html`<p>${tr("kind", "upgrade")}: ${badge("status", upgradeOpen.status)}</p>` : nothing}
    </section>
    ${errorSummary(p.main.status)}
    <form @submit=${p.onSaveDetailed} novalidate class="card">
      <h2>${t("me.detailed_form")}</h2>
      ${reasons.detailed ? html`<p class="reason"><strong>${t("me.reason_label")}:</strong> ${reasons.detailed}</p>` : nothing}
      ${checkbox({ name: "labour_insurance_special", label: t("me.labour_insurance_special"), checked: !!d?.labour_insurance_special, errors: p.main.status.errors, disabled: !detailEditable })}
      ${datedRows(p, "health_checks", t("me.health_checks"))}
      ${datedRows(p, "trainings", t("me.trainings"))}
      ${datedRows(p, "awards", t("me.awards"))}
      <fieldset class="rows">
        <legend>${t("me.education")}</legend>
        ${repeat(p.detailedRows.education, (r) => r.key, (r, i) => html`<div class="row-item">
          ${field({ name: `education.${r.key}.school`, label: `${t("me.school")} ${i + 1}`, value: r.value.school, errors: p.main.status.errors })}
          ${field({ name: `education.${r.key}.department`, label: `${t("me.department")} ${i + 1}`, value: r.value.department ?? "", errors: p.main.status.errors })}
          ${field({ name: `education.${r.key}.graduated_on`, label: `${t("me.graduated_on")} ${i + 1}`, type: "date", value: r.value.graduated_on ?? "", errors: p.main.status.errors })}
          <button type="button" class="link" @click=${() => { p.detailedRows.education = p.detailedRows.education.filter((x) => x !== r); update(); }}>${t("me.remove_row")}</button>
        </div>`)}
        <button type="button" @click=${() => { p.detailedRows.education = [...p.detailedRows.education, ...rows<Education>([{ school: "", department: null, graduated_on: null }])]; update(); }}>${t("me.add_row")}: ${t("me.education")}</button>
      </fieldset>
      <button type="submit" ?disabled=${p.main.status.busy || !detailEditable}>${t("me.save_detailed")}</button>
    </form>
    <section class="card" aria-labelledby="quals-h">
      <h2 id="quals-h">${t("me.qualifications")}</h2>
      ${reasons.qualifications ? html`<p class="reason"><strong>${t("me.reason_label")}:</strong> ${reasons.qualifications}</p>` : nothing}
      ${p.tech.qualifications.length
        ? html`<ul class="list quals">${p.tech.qualifications.map((q) => html`<li>
            ${q.has_certificate ? authImg(`/technicians/${p.pk}/qualifications/${q.id}/certificate`, t("review.image_alt_cert", { name: p.name(), q: q.name }), "thumb small", p.imageVersion) : nothing}
            <div><strong>${q.name}</strong> <span class="meta">(${q.code})</span>${q.approved === false ? html` <span class="badge">${t("me.qual_pending")}</span>` : nothing}
            <div class="meta">${t("me.acquired_on")}: ${formatDate(q.acquired_on)}${q.expires_on ? html` · ${t("me.expires_on")}: ${formatDate(q.expires_on)}` : nothing}</div></div>
          </li>`)}</ul>`
        : html`<p>${t("me.no_qualifications")}</p>`}
      <h3>${t("me.add_qualification")}</h3>
      ${errorSummary(p.qual.status, ["code", "acquired_on", "expires_on", "certificate"])}
      <form @submit=${p.onAddQualification} novalidate>
        <div class="field ${p.qual.status.errors.code ? "has-error" : ""}">
          <label for="f-code">${t("me.qualification")} <span class="req">${t("f.required")}</span></label>
          ${p.qual.status.errors.code ? html`<p class="field-error" id="f-code-error">${p.qual.status.errors.code}</p>` : nothing}
          <select id="f-code" name="code" required aria-describedby=${p.qual.status.errors.code ? "f-code-error" : nothing}>
            <option value="" selected disabled>${t("f.choose")}</option>
            ${[...groups.entries()].map(([cat, qs]) => html`<optgroup label=${tr("qcat", cat)}>
              ${qs.map((q) => html`<option value=${q.code}>${q.name} (${q.code})</option>`)}</optgroup>`)}
          </select>
        </div>
        <div class="grid2">
          ${field({ name: "acquired_on", label: t("me.acquired_on"), type: "date", required: true, errors: p.qual.status.errors })}
          ${field({ name: "expires_on", label: t("me.expires_on"), type: "date", errors: p.qual.status.errors })}
        </div>
        ${photoField({ name: "certificate", label: t("me.certificate"), capture: "environment", required: true, hint: t("me.certificate_hint"), errors: p.qual.status.errors })}
        <button type="submit" ?disabled=${p.qual.status.busy}>${t("me.add_qualification")}</button>
      </form>
    </section>
    ${canUpgrade
      ? html`${feeNotice(p.fees.upgrade, "upgrade-fee")}
          <p><button class="primary" type="button" @click=${p.onApplyUpgrade}>${t("me.apply_upgrade")}</button></p>`
      : nothing}`;
}

