// The operator console: the review queue, one application with the submitted images beside the fields (return
// with per-field reasons, approve), data corrections with a reason, and the audit trail.

import { html, nothing, TemplateResult } from "lit-html";
import { get } from "../api";
import { flash, navigate, update, View } from "../app";
import { changedFields, IDENTITY_FIELDS, identitySections, readIdentity } from "../identity";
import { fieldLabel, formatDate, formatDateTime, formatYen, t, tr } from "../i18n";
import { requestJob } from "../jobs";
import { industryName, prefectureName, tradeName } from "../masters";
import { submit } from "../outbox";
import type { Business, ReviewItem, Technician } from "../types";
import { zoomButton } from "../zoom";
import { filedBy } from "./review-queue";
import { Form } from "../forms";
import { authImg, badge, dl, errorSummary, field, fieldId, statusFromError } from "../ui";

function applicantName(item: ReviewItem): string {
  if (item.technician) return `${item.technician.family_name} ${item.technician.given_name}`;
  if (item.business) return item.business.name;
  return "—";
}

/** [field, label, value] rows for a technician, in the order of the form. */
/** A change application (変更申請): what is applied for, field by field, and its document beside it. */
function changeRows(a: ReviewItem["application"]): [string, string, unknown][] {
  const payload = (a.payload ?? {}) as Record<string, unknown>;
  const entries = a.change_type === "data" || a.change_type === "business_data" ? Object.entries((payload.changes ?? {}) as Record<string, unknown>) : Object.entries(payload);
  const rows: [string, string, unknown][] = [["", t("review.change_type"), tr("change", a.change_type ?? "")]];
  for (const [k, v] of entries) rows.push([k, fieldLabel(k), typeof v === "object" ? JSON.stringify(v) : String(v ?? "")]);
  if (a.has_document) rows.push(["document", t("review.change_document"), authImg(`/change-applications/${a.id}/document`, t("review.change_document"), "thumb")]);
  return rows;
}

function technicianRows(tech: Technician, upgrade: boolean): [string, string, unknown][] {
  const si = tech.social_insurance;
  const rows: [string, string, unknown][] = [
    ["family_name", fieldLabel("family_name"), tech.family_name],
    ["given_name", fieldLabel("given_name"), tech.given_name],
    ["family_name_kana", fieldLabel("family_name_kana"), tech.family_name_kana],
    ["given_name_kana", fieldLabel("given_name_kana"), tech.given_name_kana],
    ["birth_date", fieldLabel("birth_date"), formatDate(tech.birth_date)],
    ["sex", fieldLabel("sex"), tr("sex", tech.sex)],
    ["nationality", fieldLabel("nationality"), tech.nationality],
    ["residence_status", fieldLabel("residence_status"), tech.residence_status ?? "—"],
    ["residence_expiry", fieldLabel("residence_expiry"), formatDate(tech.residence_expiry) || "—"],
    ["postal_code", fieldLabel("postal_code"), tech.postal_code],
    ["address", fieldLabel("address"), tech.address],
    ["phone", fieldLabel("phone"), tech.phone],
    ["email", fieldLabel("email"), tech.email ?? "—"],
    ["trades", fieldLabel("trades"), tech.trades.map((c) => `${tradeName(c)} (${c})`).join("、")],
    ["experience_text", fieldLabel("experience_text"), tech.experience_text ?? "—"],
    ["social_insurance", fieldLabel("social_insurance"),
      `${t("f.social_insurance.health")}: ${tr("ins", si.health)} / ${t("f.social_insurance.pension")}: ${tr("ins", si.pension)} / ${t("f.social_insurance.employment")}: ${tr("ins", si.employment)}`],
    ["retirement_aid", fieldLabel("retirement_aid"),
      [tech.retirement_aid?.kentaikyo ? "建退共" : "", tech.retirement_aid?.chutaikyo ? "中退共" : ""].filter(Boolean).join("、") || "—"],
    ["has_identity_document", fieldLabel("has_identity_document"), tech.has_identity_document ? "✓" : "—"],
    ["photo", fieldLabel("photo"), tech.has_photo ? "✓" : t("f.no_image")],
    ["id_document", fieldLabel("id_document"), tech.has_id_document ? "✓" : t("f.no_image")],
  ];
  if (upgrade || tech.tier === "detailed") {
    const d = tech.detailed; // null until the 詳細型 data is entered
    rows.push(["detailed", fieldLabel("detailed"), html`
      ${t("me.labour_insurance_special")}: ${d?.labour_insurance_special ? "✓" : "—"}<br />
      ${(d?.health_checks ?? []).map((x) => html`${t("me.health_checks")}: ${x.name} (${formatDate(x.on)})<br />`)}
      ${(d?.trainings ?? []).map((x) => html`${t("me.trainings")}: ${x.name} (${formatDate(x.on)})<br />`)}
      ${(d?.awards ?? []).map((x) => html`${t("me.awards")}: ${x.name} (${formatDate(x.on)})<br />`)}
      ${(d?.education ?? []).map((x) => html`${t("me.education")}: ${x.school} ${x.department ?? ""} ${formatDate(x.graduated_on)}<br />`)}`]);
    rows.push(["qualifications", fieldLabel("qualifications"),
      tech.qualifications.map((q) => `${q.name} (${q.code}) ${formatDate(q.acquired_on)}${q.expires_on ? `–${formatDate(q.expires_on)}` : ""}`).join("、") || "—"]);
  }
  return rows;
}

function businessRows(b: Business): [string, string, unknown][] {
  return [
    ["name", fieldLabel("name"), b.name],
    ["name_kana", fieldLabel("name_kana"), b.name_kana],
    ["corporate_number", fieldLabel("corporate_number"), b.corporate_number ?? "—"],
    ["capital_yen", fieldLabel("capital_yen"), b.capital_yen != null ? formatYen(b.capital_yen) : "—"],
    ["permit_number", fieldLabel("permit_number"), b.permit_number ?? "—"],
    ["permitted_industries", fieldLabel("permitted_industries"), b.permitted_industries.map(industryName).join("、") || "—"],
    ["social_insurance", fieldLabel("social_insurance"), b.social_insurance // null: a placeholder firm declared none
      ? `${tr("ins", b.social_insurance.health)} / ${tr("ins", b.social_insurance.pension)} / ${tr("ins", b.social_insurance.employment)}`
      : "—"],
    ["postal_code", fieldLabel("postal_code"), b.postal_code],
    ["", t("firm.prefecture"), prefectureName(b.prefecture)],
    ["address", fieldLabel("address"), b.address],
    ["phone", fieldLabel("phone"), b.phone],
    ["email", fieldLabel("email"), b.email],
    ["", t("firm.fee"), `${tr("band", b.registration_fee.band)} — ${formatYen(b.registration_fee.amount_yen)}`],
  ];
}

export async function reviewDetailView(pk: number): Promise<View> {
  let item = await get<ReviewItem>(`/review/applications/${pk}`);
  const returning = new Map<string, string>(); // field → reason typed so far
  const form = new Form();

  function toggle(fieldName: string) {
    return (ev: Event) => {
      const on = (ev.target as HTMLInputElement).checked;
      if (on) returning.set(fieldName, returning.get(fieldName) ?? "");
      else returning.delete(fieldName);
      update();
      if (on) requestAnimationFrame(() => document.getElementById(fieldId(`reason-${fieldName}`))?.focus());
    };
  }

  async function decide(path: string, json: unknown, okText: string) {
    await form.run(async () => {
      const who = applicantName(item);
      const label = { ja: `審査（${who}）`, en: `Review (${who})` };
      const outcome = await submit(requestJob(label, { method: "POST", path, json }));
      await navigate("/review", { flash: outcome.queued ? { kind: "info", text: t("me.queued") } : { kind: "ok", text: okText } });
    });
  }

  async function onReturn(ev: Event) {
    ev.preventDefault();
    const fd = new FormData(ev.target as HTMLFormElement);
    const reasons = [...returning.keys()]
      .map((f) => ({ field: f, reason: String(fd.get(`reason-${f}`) || "").trim() }))
      .filter((r) => r.reason);
    if (!reasons.length || reasons.length !== returning.size) return form.invalid({}, t("review.need_reason"));
    await decide(`/review/applications/${pk}/return`, { reasons }, t("review.returned"));
  }

  const open = () => item.application.status === "submitted";

  function images(tech: Technician): TemplateResult {
    const name = `${tech.family_name} ${tech.given_name}`;
    // On a wide screen the images scroll beside the fields; tabindex lets keyboard users scroll them too.
    return html`<aside class="images" aria-labelledby="img-h" tabindex="0">
      <h2 id="img-h">${t("review.images")}</h2>
      <figure>
        ${tech.has_photo ? authImg(`/technicians/${tech.id}/photo`, t("review.image_alt_photo", { name }), "review-img") : html`<span class="thumb placeholder">${t("f.no_image")}</span>`}
        <figcaption>${t("f.photo")} ${tech.has_photo ? zoomButton(`/technicians/${tech.id}/photo`, t("review.image_alt_photo", { name })) : nothing}</figcaption>
      </figure>
      <figure>
        ${tech.has_id_document ? authImg(`/technicians/${tech.id}/id-document`, t("review.image_alt_id", { name }), "review-img") : html`<span class="thumb placeholder">${t("f.no_image")}</span>`}
        <figcaption>${t("f.id_document")} ${tech.has_id_document ? zoomButton(`/technicians/${tech.id}/id-document`, t("review.image_alt_id", { name })) : nothing}</figcaption>
      </figure>
      ${tech.qualifications.filter((q) => q.has_certificate).map((q) => html`<figure>
        ${authImg(`/technicians/${tech.id}/qualifications/${q.id}/certificate`, t("review.image_alt_cert", { name, q: q.name }), "review-img")}
        <figcaption>${q.name} ${zoomButton(`/technicians/${tech.id}/qualifications/${q.id}/certificate`, t("review.image_alt_cert", { name, q: q.name }))}</figcaption>
      </figure>`)}
    </aside>`;
  }

  function fieldTable(rows: [string, string, unknown][]): TemplateResult {
    const canReturn = open();
    return html`<table class="fields">
      <caption>${t("review.fields")}</caption>
      <thead><tr><th scope="col">${t("review.field")}</th><th scope="col">${t("review.value")}</th>
        ${canReturn ? html`<th scope="col">${t("review.return_this")}</th>` : nothing}</tr></thead>
      <tbody>
        ${rows.map(([name, label, value]) => html`<tr class=${returning.has(name) ? "returning" : ""}>
          <th scope="row">${label}</th>
          <td data-field=${name}>${value}</td>
          ${canReturn
            ? html`<td class="return-cell">${name
                ? html`<label class="hit"><input type="checkbox" id=${fieldId(`return-${name}`)} ?checked=${returning.has(name)} @change=${toggle(name)}
                    aria-label=${`${t("review.return_this")}: ${label}`} /></label>`
                : nothing}</td>`
            : nothing}
        </tr>
        ${canReturn && name && returning.has(name)
          ? html`<tr class="returning reason-row"><td colspan="3">
              <label for=${fieldId(`reason-${name}`)}>${t("review.return_reason_for", { field: label })}</label>
              <input id=${fieldId(`reason-${name}`)} name=${`reason-${name}`} type="text" maxlength="500" required
                value=${returning.get(name) ?? ""} @input=${(e: Event) => returning.set(name, (e.target as HTMLInputElement).value)} />
            </td></tr>`
          : nothing}`)}
      </tbody>
    </table>`;
  }

  return {
    title: () => t("review.detail_title"),
    refresh: async () => {
      item = await get<ReviewItem>(`/review/applications/${pk}`);
      update();
    },
    render: () => {
      const a = item.application;
      const tech = item.technician;
      const rows = a.kind === "change" ? changeRows(a) : tech ? technicianRows(tech, a.kind === "upgrade")
        : item.business ? businessRows(item.business) : [];
      return html`<section>
        <h1 tabindex="-1">${t("review.detail_title")} <span class="sub">${applicantName(item)}</span></h1>
        <p><a href="/review">← ${t("review.back")}</a></p>
        ${dl([
          [t("review.filter_subject"), tr("subject", a.subject_type)],
          [t("review.kind"), html`${tr("kind", a.kind)}${a.proxy ? html` <span class="badge">${t("review.proxy")}</span>` : nothing}`],
          [t("f.status"), badge("status", a.status)],
          [t("me.submitted_at"), formatDateTime(a.submitted_at)],
          ...(item.filed_by ? [[t("ag.filed_by_label"), filedBy(item)] as [string, unknown]] : []),
          ...(tech ? [[t("me.tier"), badge("tier", tech.tier)] as [string, unknown]] : []),
        ])}
        ${!open() ? html`<p class="notice info">${t("review.decided", { status: tr("status", a.status) })}</p>` : nothing}
        ${a.return_reasons.length
          ? html`<div class="notice returned"><h2>${t("review.previous_reasons")}</h2>
              <ul>${a.return_reasons.map((r) => html`<li><strong>${fieldLabel(r.field)}</strong>: ${r.reason}</li>`)}</ul></div>`
          : nothing}
        ${errorSummary(form.status)}
        <form @submit=${onReturn} novalidate>
          <div class="review-layout">
            ${tech ? images(tech) : nothing}
            <div class="review-fields">
              ${open() ? html`<p>${t("review.return_intro")}</p>` : nothing}
              ${fieldTable(rows)}
            </div>
          </div>
          ${open()
            ? html`<div class="actions decision" role="group" aria-label=${t("review.decision")}>
                <button type="submit" class="danger" ?disabled=${form.status.busy}>${t("review.do_return")}</button>
                <button type="button" class="primary" ?disabled=${form.status.busy}
                  @click=${() => decide(`/review/applications/${pk}/approve`, undefined, t("review.approved"))}>${t("review.do_approve")}</button>
              </div>`
            : nothing}
        </form>
        ${tech
          ? html`<p class="links"><a href="/admin/technicians/${tech.id}">${t("review.correction")}</a>
              · <a href="/audit?entity_type=technician&entity_id=${tech.id}">${t("review.audit_link")}</a></p>`
          : nothing}
      </section>`;
    },
  };
}

export async function correctionView(pk: number): Promise<View> {
  let tech = await get<Technician>(`/technicians/${pk}`);
  const form = new Form();
  let values: Partial<Technician> = tech;
  let formKey = 0;

  async function onSubmit(ev: Event) {
    ev.preventDefault();
    const el = ev.target as HTMLFormElement;
    const data = readIdentity(el);
    values = { ...tech, ...(data as Partial<Technician>) };
    const changes = changedFields(data, tech);
    const reason = String(new FormData(el).get("reason") || "").trim();
    if (!Object.keys(changes).length) return form.invalid({}, t("review.no_changes"));
    const label = { ja: `データ訂正（${tech.family_name} ${tech.given_name}）`, en: `Correction (${tech.family_name} ${tech.given_name})` };
    const sent = await form.send<Technician>(label, { method: "POST", path: `/admin/technicians/${pk}/corrections`, json: { changes, reason } }, {
      refusal: (e) => {
        const st = statusFromError(e);
        if (st.errors["changes"]) st.errors[""] = st.errors["changes"];
        // The API names nested fields "changes.phone": show them on the form's own fields.
        for (const [k, v] of Object.entries(st.errors)) if (k.startsWith("changes.")) st.errors[k.slice(8)] = v;
        for (const k of Object.keys(st.errors)) if (k.startsWith("changes")) delete st.errors[k];
        return st;
      },
    });
    if (sent.state !== "done") return;
    tech = sent.result;
    values = tech;
    formKey++;
    flash(t("review.corrected"));
    update();
  }

  return {
    title: () => `${t("review.correction")} — ${tech.family_name} ${tech.given_name}`,
    render: () => html`<section>
      <h1 tabindex="-1">${t("review.correction")} <span class="sub">${tech.family_name} ${tech.given_name}</span></h1>
      <p>${t("review.correction_intro")}</p>
      ${dl([
        [t("f.status"), badge("status", tech.status)],
        [t("me.tier"), badge("tier", tech.tier)],
        [t("f.technician_id"), tech.technician_id ?? "—"],
      ])}
      <p><a href="/audit?entity_type=technician&entity_id=${tech.id}">${t("review.audit_link")}</a></p>
      ${errorSummary(form.status, [...IDENTITY_FIELDS, "reason"])}
      <form @submit=${onSubmit} novalidate data-key=${formKey}>
        ${identitySections(values, form.status.errors)}
        ${field({ name: "reason", label: t("review.correction_reason"), type: "textarea", required: true, maxlength: 1000, errors: form.status.errors })}
        <button class="primary" type="submit" ?disabled=${form.status.busy}>${t("review.do_correct")}</button>
      </form>
    </section>`,
  };
}

export { queueView } from "./review-queue";
export { auditView } from "./audit";
