// A technician's registration, seen by the technician ("/me…") or by the employer ("/firm/employees/:pk…"):
// status and card, returned-field reasons on the fields, edit and resubmit, 詳細型 upgrade with qualifications and
// certificate photos, disclosure settings (the technician only).

import { html, nothing, TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import { api, get, session } from "../api";
import { flash, update, View } from "../app";
import { changedFields, IDENTITY_FIELDS, identitySections, readIdentity } from "../identity";
import { feeNotice, quote, Quote } from "../fees";
import { fieldLabel, formatDate, formatDateTime, formatYen, t, tr } from "../i18n";
import { requestJob } from "../jobs";
import { fillForm, LicenceFill } from "../licence";
import { FaceConsent } from "./face";
import { qualifications, tradeName } from "../masters";
import { Job, submit } from "../outbox";
import type { Application, DatedItem, Detailed, Education, Notice, Technician } from "../types";
import {
  authImg, badge, checkbox, dl, emptyStatus, errorSummary, field, fileFrom, focusErrorSummary, forgetImages,
  FormStatus, photoField, Reasons, statusFromError,
} from "../ui";

export type Tab = "overview" | "edit" | "detailed" | "disclosure" | "work" | "levels" | "invoices";

/** The technician's pages: their own ("/me…") or an employee's seen by the employer ("/firm/employees/:pk…"). */
export function technicianTabs(tab: Tab, self: boolean, pk: number): TemplateResult {
  const base = self ? "/me" : `/firm/employees/${pk}`;
  const items: [Tab, string, string][] = [
    ["overview", base, t("nav.me")],
    ["edit", `${base}/edit`, t("nav.edit")],
    ["detailed", `${base}/detailed`, t("nav.detailed")],
    ["work", `${base}/work`, t("nav.work")],
    ["levels", `${base}/levels`, t("nav.levels")],
  ];
  if (self) items.push(["disclosure", `${base}/disclosure`, t("nav.disclosure")], ["invoices", `${base}/invoices`, t("nav.invoices")]);
  return html`<nav class="tabs" aria-label=${t("nav.tech_tabs")}>
    ${items.map(([k, href, text]) => html`<a href=${href} aria-current=${k === tab ? "page" : "false"}>${text}</a>`)}
  </nav>`;
}

interface Row<T> {
  key: number;
  value: T;
}

let rowSeq = 0;
function rows<T>(items: T[] | undefined): Row<T>[] {
  return (items ?? []).map((value) => ({ key: rowSeq++, value }));
}

export async function technicianView(pk: number, tab: Tab, self: boolean): Promise<View> {
  let tech = await get<Technician>(`/technicians/${pk}`);
  let apps = await get<Application[]>(`/technicians/${pk}/applications`);
  let notices: Notice[] = self ? await get<Notice[]>("/notifications").catch(() => []) : [];
  let status: FormStatus = emptyStatus();
  let qualStatus: FormStatus = emptyStatus();
  let imageVersion = 0;
  let detailedRows = {
    health_checks: rows<DatedItem>(tech.detailed?.health_checks),
    trainings: rows<DatedItem>(tech.detailed?.trainings),
    awards: rows<DatedItem>(tech.detailed?.awards),
    education: rows<Education>(tech.detailed?.education),
  };
  const base = self ? "/me" : `/firm/employees/${pk}`;
  const face = self ? new FaceConsent(pk, () => tech.has_photo) : null;
  const licence = new LicenceFill((read) => fillForm(document.getElementById("identity-form") as HTMLFormElement | null, read));
  // The fees of what can be applied for from these pages, quoted before submitting (undefined: loading).
  const fees: Record<"new" | "upgrade" | "renewal", Quote | null | undefined> = { new: undefined, upgrade: undefined, renewal: undefined };
  function loadFees() {
    const tier = tech.tier;
    const kinds: [keyof typeof fees, Record<string, string>][] = [
      ["new", { kind: "technician_registration", tier }], ["upgrade", { kind: "technician_upgrade" }],
      ["renewal", { kind: "renewal", tier }],
    ];
    for (const [k, params] of kinds) void quote(params).then((q) => { fees[k] = q; update(); });
  }
  loadFees();
  const todayJst = () => new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Tokyo" });

  async function reload() {
    [tech, apps] = await Promise.all([get<Technician>(`/technicians/${pk}`), get<Application[]>(`/technicians/${pk}/applications`)]);
    if (self) notices = await get<Notice[]>("/notifications").catch(() => notices);
    await face?.refresh();
    update();
  }

  const name = () => `${tech.family_name} ${tech.given_name}`;
  const openApp = () => [...apps].reverse().find((a) => a.status === "submitted" || a.status === "returned");
  const returnedNew = () => apps.find((a) => a.status === "returned" && a.kind === "new");
  const returnedUpgrade = () => apps.find((a) => a.status === "returned" && a.kind === "upgrade");
  const reasonsOf = (a: Application | undefined): Reasons =>
    Object.fromEntries((a?.return_reasons ?? []).map((r) => [r.field, r.reason]));
  const editable = () => tech.status === "draft" || tech.status === "returned";

  /** Run jobs in order; stop at the first refusal. Returns "done", "queued" or "failed". */
  async function runAll(jobs: Job[], okText: string, target: "main" | "qual" = "main"): Promise<string> {
    let queued = false;
    for (const job of jobs) {
      try {
        const outcome = await submit(job);
        queued = queued || outcome.queued;
      } catch (e) {
        const st = statusFromError(e);
        if (target === "main") status = st;
        else qualStatus = st;
        await reload().catch(() => {});
        update();
        focusErrorSummary();
        return "failed";
      }
    }
    status = emptyStatus();
    qualStatus = emptyStatus();
    if (queued) {
      flash(t("me.queued"), "info");
      update();
      return "queued";
    }
    forgetImages(`/technicians/${pk}/`);
    imageVersion++;
    await reload();
    flash(okText);
    return "done";
  }

  const label = (ja: string, en: string) => ({ ja: `${ja}（${name()}）`, en: `${en} (${name()})` });

  // --- edit and (re)submit -------------------------------------------------------------------------------------

  async function onSaveIdentity(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const action = (ev.submitter as HTMLButtonElement | null)?.value ?? "save";
    const changes = changedFields(readIdentity(form), tech);
    const photo = fileFrom(form, "photo");
    const idDocument = fileFrom(form, "id_document");
    const jobs: Job[] = [];
    if (Object.keys(changes).length) {
      jobs.push(requestJob(label("登録内容の変更", "Registration changes"), { method: "PATCH", path: `/technicians/${pk}`, json: changes }));
    }
    if (photo) jobs.push(requestJob(label("顔写真", "Face photo"), { method: "PUT", path: `/technicians/${pk}/photo`, form: [["file", photo]] }));
    if (idDocument) jobs.push(requestJob(label("本人確認書類", "Identity document"), { method: "PUT", path: `/technicians/${pk}/id-document`, form: [["file", idDocument]] }));
    const open = returnedNew();
    if (action === "resubmit" && open) {
      jobs.push(requestJob(label("再申請", "Resubmission"), { method: "POST", path: `/applications/${open.id}/resubmit` }));
    } else if (action === "apply") {
      jobs.push(requestJob(label("登録の申請", "Application"), { method: "POST", path: `/technicians/${pk}/applications`, json: { kind: "new" } }));
    }
    status = { ...emptyStatus(), busy: true };
    update();
    const okText = action === "resubmit" ? t("me.resubmitted") : action === "apply" ? t("me.applied") : t("me.saved");
    await runAll(jobs, okText);
  }

  async function onResubmit(app: Application) {
    await runAll([requestJob(label("再申請", "Resubmission"), { method: "POST", path: `/applications/${app.id}/resubmit` })], t("me.resubmitted"));
  }

  // --- 詳細型 ----------------------------------------------------------------------------------------------------

  function readDetailed(form: HTMLFormElement): Detailed {
    const fd = new FormData(form);
    const s = (n: string) => String(fd.get(n) ?? "").trim();
    const dated = (list: keyof typeof detailedRows) =>
      (detailedRows[list] as Row<unknown>[])
        .map((r) => ({ name: s(`${list}.${r.key}.name`), on: s(`${list}.${r.key}.on`) }))
        .filter((x) => x.name || x.on);
    return {
      labour_insurance_special: fd.get("labour_insurance_special") === "true",
      health_checks: dated("health_checks"),
      trainings: dated("trainings"),
      awards: dated("awards"),
      education: detailedRows.education
        .map((r) => ({
          school: s(`education.${r.key}.school`),
          department: s(`education.${r.key}.department`) || null,
          graduated_on: s(`education.${r.key}.graduated_on`) || null,
        }))
        .filter((x) => x.school || x.department || x.graduated_on),
    };
  }

  async function onSaveDetailed(ev: SubmitEvent) {
    ev.preventDefault();
    const data = readDetailed(ev.target as HTMLFormElement);
    status = { ...emptyStatus(), busy: true };
    update();
    await runAll([requestJob(label("詳細型の情報", "Detailed data"), { method: "PUT", path: `/technicians/${pk}/detailed`, json: data })], t("me.saved"));
  }

  async function onAddQualification(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const fd = new FormData(form);
    const certificate = fileFrom(form, "certificate");
    if (!certificate) {
      qualStatus = { errors: { certificate: t("reg.photo_required") }, message: null, busy: false };
      update();
      focusErrorSummary();
      return;
    }
    const expires = String(fd.get("expires_on") || "");
    qualStatus = { ...emptyStatus(), busy: true };
    update();
    if (tech.status === "approved" && tech.tier === "detailed") {
      // After approval a qualification is a change application (変更申請): it counts once the operator approves it.
      const payload = { code: String(fd.get("code") || ""), acquired_on: String(fd.get("acquired_on") || ""),
        ...(expires ? { expires_on: expires } : {}) };
      const result = await runAll([requestJob(label("資格の変更申請", "Qualification change application"), {
        method: "POST", path: `/technicians/${pk}/change-applications`,
        form: [["type", "qualification"], ["payload", JSON.stringify(payload)], ["file", certificate]] })], t("me.change_applied"), "qual");
      if (result !== "failed") form.reset();
      return;
    }
    const parts: [string, string | { blob: Blob; filename: string }][] = [
      ["code", String(fd.get("code") || "")],
      ["acquired_on", String(fd.get("acquired_on") || "")],
    ];
    if (expires) parts.push(["expires_on", expires]);
    parts.push(["file", certificate]);
    const result = await runAll([requestJob(label("資格の追加", "Qualification"), { method: "POST", path: `/technicians/${pk}/qualifications`, form: parts })], t("me.qualification_added"), "qual");
    if (result !== "failed") form.reset();
  }

  async function onApplyRenewal() {
    await runAll([requestJob(label("登録の更新", "Renewal"), { method: "POST", path: `/technicians/${pk}/applications`, json: { kind: "renewal" } })], t("renewal.applied"));
  }

  async function onApplyUpgrade() {
    await runAll([requestJob(label("詳細型への変更申請", "Upgrade application"), { method: "POST", path: `/technicians/${pk}/applications`, json: { kind: "upgrade" } })], t("me.upgrade_applied"));
  }

  // --- disclosure ------------------------------------------------------------------------------------------------

  async function onSaveDisclosure(ev: SubmitEvent) {
    ev.preventDefault();
    const fd = new FormData(ev.target as HTMLFormElement);
    const data = {
      show_qualifications_to_sites: fd.get("show_qualifications_to_sites") === "true",
      show_levels_publicly: fd.get("show_levels_publicly") === "true",
    };
    await runAll([requestJob(label("公開設定", "Disclosure settings"), { method: "PUT", path: `/technicians/${pk}/disclosure`, json: data })], t("me.disclosure_saved"));
  }

  // --- rendering -------------------------------------------------------------------------------------------------

  const tabs = () => technicianTabs(tab, self, pk);

  function photoImg(kind: "photo" | "id-document", cls = "thumb") {
    const has = kind === "photo" ? tech.has_photo : tech.has_id_document;
    if (!has) return html`<span class="thumb placeholder">${t("f.no_image")}</span>`;
    const alt = kind === "photo" ? t("review.image_alt_photo", { name: name() }) : t("review.image_alt_id", { name: name() });
    return authImg(`/technicians/${pk}/${kind}`, alt, cls, imageVersion);
  }

  function reasonList(app: Application, editHref: string): TemplateResult {
    return html`<div class="notice returned" role="region" aria-labelledby="returned-h">
      <h2 id="returned-h">${t("me.returned_title")}</h2>
      <p>${t("me.returned_intro")}</p>
      <ul class="reasons">
        ${app.return_reasons.map((r) => html`<li><a href="${editHref}#f-${r.field.replace(/[^a-zA-Z0-9_-]/g, "-")}"><strong>${fieldLabel(r.field)}</strong></a>: ${r.reason}</li>`)}
      </ul>
      ${editHref === location.pathname ? nothing : html`<p><a class="button primary" href=${editHref}>${t("me.fix")}</a></p>`}
    </div>`;
  }

  // --- a lost card ---------------------------------------------------------------------------------------------

  let confirmLost = false;
  let lostSerial = ""; // the API shows no card once it is lost: remember which one was reported

  async function onReportLost(serial: string) {
    const result = await runAll([requestJob(label("カードの紛失届", "Lost card report"), { method: "POST", path: `/cards/${serial}/revoke`, json: { reason: "lost" } })], t("card.lost_done"));
    if (result !== "failed") {
      confirmLost = false;
      lostSerial = serial;
    }
    update();
  }

  function lostCard(serial: string): TemplateResult {
    if (!confirmLost) {
      return html`<p><button type="button" class="danger" data-testid="report-lost" @click=${() => {
        confirmLost = true;
        update();
        requestAnimationFrame(() => document.getElementById("lost-confirm")?.focus());
      }}>${t("card.report_lost")}</button></p>`;
    }
    return html`<div class="notice returned" id="lost-confirm" tabindex="-1" role="group" aria-labelledby="lost-h">
      <h3 id="lost-h">${t("card.report_lost")}</h3>
      <p>${t("card.lost_confirm", { serial })}</p>
      <div class="actions">
        <button type="button" class="danger" data-testid="confirm-lost" @click=${() => onReportLost(serial)}>${t("card.lost_yes")}</button>
        <button type="button" @click=${() => { confirmLost = false; update(); }}>${t("card.lost_no")}</button>
      </div>
    </div>`;
  }

  /** The registration's expiry and, from 6 months before it, the renewal (登録更新) with its fee. */
  function renewalSection(): TemplateResult | typeof nothing {
    const expires = tech.registration_expires_on;
    const opens = tech.renewal_opens_on;
    if (!expires || !opens || tech.status !== "approved") return nothing;
    const today = todayJst();
    const pending = tech.open_renewal_pk != null;
    const canApply = !pending && today >= opens;
    return html`<section class="card" aria-labelledby="renewal-h" data-testid="renewal">
      <h2 id="renewal-h">${t("renewal.title")}</h2>
      ${dl([[t("renewal.expires"), html`<strong data-testid="registration-expires">${formatDate(expires)}</strong>`], [t("renewal.opens"), formatDate(opens)]])}
      ${expires < today ? html`<p class="notice returned">${t("renewal.expired")}</p>` : nothing}
      ${pending ? html`<p>${t("renewal.pending")}</p>` : nothing}
      ${!pending && today < opens ? html`<p>${t("renewal.not_yet", { on: formatDate(opens) })}</p>` : nothing}
      ${canApply
        ? html`<p>${t("renewal.open_now")}</p>${feeNotice(fees.renewal, "renewal-fee")}
            <p><button class="primary" type="button" data-testid="apply-renewal" ?disabled=${status.busy} @click=${onApplyRenewal}>${t("renewal.apply")}</button></p>`
        : nothing}
    </section>`;
  }

  function overview(): TemplateResult {
    const open = openApp();
    const card = tech.card;
    return html`
      ${open?.status === "returned" ? reasonList(open, open.kind === "upgrade" ? `${base}/detailed` : `${base}/edit`) : nothing}
      <section class="card" aria-labelledby="status-h">
        <h2 id="status-h">${t("me.status")}</h2>
        ${dl([
          [t("f.status"), badge("status", tech.status)],
          [t("me.tier"), badge("tier", tech.tier)],
          [t("f.technician_id"), tech.technician_id ? html`<span class="mono" data-testid="technician-id">${tech.technician_id}</span>` : "—"],
          [t("f.trades"), tech.trades.map(tradeName).join("、")],
          ...(tech.residence_expiry ? [[t("me.foreign_expiry"), `${tech.residence_status ?? ""} ${formatDate(tech.residence_expiry)}`] as [string, unknown]] : []),
          ...(open ? [[t("me.open_application"), html`${tr("kind", open.kind)} — ${badge("status", open.status)}`] as [string, unknown]] : []),
        ])}
        ${tech.status === "draft" ? html`<p><a class="button primary" href="${base}/edit">${t("me.apply")}</a></p>` : nothing}
      </section>
      <section class="card ccus-card-section" aria-labelledby="card-h">
        <h2 id="card-h">${t("me.card_title")}</h2>
        ${card
          ? html`<div class="ccus-card" data-testid="card">
              <div class="ccus-card-photo">${photoImg("photo", "card-photo")}</div>
              <div>
                <p class="ccus-card-name">${name()}</p>
                ${dl([
                  [t("f.technician_id"), html`<span class="mono">${tech.technician_id}</span>`],
                  [t("me.card_serial"), html`<span class="mono">${card.serial}</span>`],
                  [t("me.card_issued"), formatDate(card.issued_on)],
                  [t("me.card_valid"), formatDate(card.valid_until)],
                  [t("me.card_status"), badge("card", card.status)],
                ])}
              </div>
            </div>`
          : html`<p data-testid="no-card">${lostSerial ? t("card.lost_notice", { serial: lostSerial }) : tech.status === "approved" ? t("me.no_active_card") : t("me.no_card")}</p>`}
        ${self && card?.status === "active" ? lostCard(card.serial) : nothing}
      </section>
      ${renewalSection()}
      ${face && tech.status === "approved" ? face.render() : nothing}
      <section class="card" aria-labelledby="apps-h">
        <h2 id="apps-h">${t("me.applications")}</h2>
        ${apps.length
          ? html`<ul class="list">
              ${[...apps].reverse().map((a) => html`<li>
                <strong>${tr("kind", a.kind)}</strong> ${badge("status", a.status)}
                ${a.proxy ? html`<span class="badge">${t("review.proxy")}</span>` : nothing}
                <div class="meta">${t("me.submitted_at")}: ${formatDateTime(a.submitted_at)}
                  ${a.decided_at ? html` · ${t("me.decided_at")}: ${formatDateTime(a.decided_at)}` : nothing}
                  ${a.fee_yen != null && a.priced_on ? html` · <span data-testid="application-fee">${t("fee.application", { amount: formatYen(a.fee_yen), on: formatDate(a.priced_on) })}</span>` : nothing}</div>
                ${a.status === "returned"
                  ? html`<button type="button" @click=${() => onResubmit(a)}>${t("me.resubmit")}</button>`
                  : nothing}
              </li>`)}
            </ul>`
          : html`<p>${t("me.no_applications")}</p>`}
      </section>
      ${self
        ? html`<section class="card" aria-labelledby="notes-h">
            <h2 id="notes-h">${t("notes.title")}</h2>
            ${notices.length
              ? html`<ul class="list">${notices.slice(0, 5).map((n) => html`<li>
                  ${n.read_at ? nothing : html`<span class="badge badge-unread">${t("notes.unread")}</span>`}
                  ${n.message} <div class="meta">${formatDateTime(n.created_at)}</div></li>`)}</ul>
                <p><a href="/notifications">${t("nav.notifications")}</a></p>`
              : html`<p>${t("notes.none")}</p>`}
          </section>`
        : nothing}`;
  }

  function editTab(): TemplateResult {
    const open = returnedNew();
    const reasons = reasonsOf(open);
    const canEdit = editable();
    const errors = status.errors;
    return html`
      ${open ? reasonList(open, `${base}/edit`) : nothing}
      ${canEdit ? nothing : html`<p class="notice info">${t("me.edit_locked")}</p>`}
      ${canEdit ? licence.render() : nothing}
      ${errorSummary(status, [...IDENTITY_FIELDS, "photo", "id_document"])}
      <form id="identity-form" @submit=${onSaveIdentity} novalidate>
        ${identitySections(tech, errors, reasons, { disabled: !canEdit })}
        <fieldset>
          <legend>${t("me.photos")}</legend>
          ${canEdit
            ? html`${photoField({ name: "photo", label: t("f.photo"), capture: "user", hint: t("f.photo_hint"), errors, reasons, current: photoImg("photo") })}
                ${photoField({ name: "id_document", label: t("f.id_document"), capture: "environment", hint: t("f.id_hint"), errors, reasons, current: photoImg("id-document") })}`
            : html`<div class="photo-row">${photoImg("photo")} ${photoImg("id-document")}</div>`}
        </fieldset>
        ${canEdit && tech.status === "draft" ? feeNotice(fees.new) : nothing}
        ${canEdit
          ? html`<div class="actions">
              ${tech.status === "returned" && open
                ? html`<button class="primary" type="submit" name="action" value="resubmit" ?disabled=${status.busy}>${t("me.save_and_resubmit")}</button>`
                : nothing}
              ${tech.status === "draft"
                ? html`<button class="primary" type="submit" name="action" value="apply" ?disabled=${status.busy}>${t("me.save_and_apply")}</button>`
                : nothing}
              <button type="submit" name="action" value="save" ?disabled=${status.busy}>${t("me.save")}</button>
            </div>`
          : nothing}
      </form>`;
  }

  function datedRows(list: "health_checks" | "trainings" | "awards", legend: string): TemplateResult {
    const items = detailedRows[list];
    return html`<fieldset class="rows">
      <legend>${legend}</legend>
      ${repeat(items, (r) => r.key, (r, i) => html`<div class="row-item">
        ${field({ name: `${list}.${r.key}.name`, label: `${t("me.item_name")} ${i + 1}`, value: r.value.name, errors: status.errors })}
        ${field({ name: `${list}.${r.key}.on`, label: `${t("me.item_on")} ${i + 1}`, type: "date", value: r.value.on, errors: status.errors })}
        <button type="button" class="link" @click=${() => { detailedRows[list] = items.filter((x) => x !== r); update(); }}>${t("me.remove_row")}</button>
      </div>`)}
      <button type="button" @click=${() => { detailedRows[list] = [...items, { key: rowSeq++, value: { name: "", on: "" } }]; update(); }}>${t("me.add_row")}: ${legend}</button>
    </fieldset>`;
  }

  function detailedTab(): TemplateResult {
    const upgradeOpen = apps.find((a) => a.kind === "upgrade" && (a.status === "submitted" || a.status === "returned"));
    const returned = returnedUpgrade();
    const canUpgrade = tech.status === "approved" && tech.tier === "simplified" && !upgradeOpen;
    const detailEditable = tech.status !== "submitted";
    const d = tech.detailed ?? {};
    const groups = new Map<string, typeof qualifications>();
    for (const q of qualifications) groups.set(q.category, [...(groups.get(q.category) ?? []), q]);
    const reasons = reasonsOf(returned);
    return html`
      ${returned ? html`${reasonList(returned, `${base}/detailed`)}
        <p><button class="primary" type="button" @click=${() => onResubmit(returned)}>${t("me.resubmit")}</button></p>` : nothing}
      <section class="card" aria-labelledby="upgrade-h">
        <h2 id="upgrade-h">${t("me.upgrade_title")}</h2>
        <p>${tech.tier === "detailed" ? t("me.already_detailed") : t("me.upgrade_intro")}</p>
        ${tech.status !== "approved" ? html`<p class="notice info">${t("me.upgrade_needs_approval")}</p>` : nothing}
        ${upgradeOpen ? html`<p>${tr("kind", "upgrade")}: ${badge("status", upgradeOpen.status)}</p>` : nothing}
      </section>
      ${errorSummary(status)}
      <form @submit=${onSaveDetailed} novalidate class="card">
        <h2>${t("me.detailed_form")}</h2>
        ${reasons.detailed ? html`<p class="reason"><strong>${t("me.reason_label")}:</strong> ${reasons.detailed}</p>` : nothing}
        ${checkbox({ name: "labour_insurance_special", label: t("me.labour_insurance_special"), checked: !!d.labour_insurance_special, errors: status.errors, disabled: !detailEditable })}
        ${datedRows("health_checks", t("me.health_checks"))}
        ${datedRows("trainings", t("me.trainings"))}
        ${datedRows("awards", t("me.awards"))}
        <fieldset class="rows">
          <legend>${t("me.education")}</legend>
          ${repeat(detailedRows.education, (r) => r.key, (r, i) => html`<div class="row-item">
            ${field({ name: `education.${r.key}.school`, label: `${t("me.school")} ${i + 1}`, value: r.value.school, errors: status.errors })}
            ${field({ name: `education.${r.key}.department`, label: `${t("me.department")} ${i + 1}`, value: r.value.department ?? "", errors: status.errors })}
            ${field({ name: `education.${r.key}.graduated_on`, label: `${t("me.graduated_on")} ${i + 1}`, type: "date", value: r.value.graduated_on ?? "", errors: status.errors })}
            <button type="button" class="link" @click=${() => { detailedRows.education = detailedRows.education.filter((x) => x !== r); update(); }}>${t("me.remove_row")}</button>
          </div>`)}
          <button type="button" @click=${() => { detailedRows.education = [...detailedRows.education, { key: rowSeq++, value: { school: "" } }]; update(); }}>${t("me.add_row")}: ${t("me.education")}</button>
        </fieldset>
        <button type="submit" ?disabled=${status.busy || !detailEditable}>${t("me.save_detailed")}</button>
      </form>
      <section class="card" aria-labelledby="quals-h">
        <h2 id="quals-h">${t("me.qualifications")}</h2>
        ${reasons.qualifications ? html`<p class="reason"><strong>${t("me.reason_label")}:</strong> ${reasons.qualifications}</p>` : nothing}
        ${tech.qualifications.length
          ? html`<ul class="list quals">${tech.qualifications.map((q) => html`<li>
              ${q.has_certificate ? authImg(`/technicians/${pk}/qualifications/${q.id}/certificate`, t("review.image_alt_cert", { name: name(), q: q.name }), "thumb small", imageVersion) : nothing}
              <div><strong>${q.name}</strong> <span class="meta">(${q.code})</span>${q.approved === false ? html` <span class="badge">${t("me.qual_pending")}</span>` : nothing}
              <div class="meta">${t("me.acquired_on")}: ${formatDate(q.acquired_on)}${q.expires_on ? html` · ${t("me.expires_on")}: ${formatDate(q.expires_on)}` : nothing}</div></div>
            </li>`)}</ul>`
          : html`<p>${t("me.no_qualifications")}</p>`}
        <h3>${t("me.add_qualification")}</h3>
        ${errorSummary(qualStatus, ["code", "acquired_on", "expires_on", "certificate"])}
        <form @submit=${onAddQualification} novalidate>
          <div class="field ${qualStatus.errors.code ? "has-error" : ""}">
            <label for="f-code">${t("me.qualification")} <span class="req">${t("f.required")}</span></label>
            ${qualStatus.errors.code ? html`<p class="field-error" id="f-code-error">${qualStatus.errors.code}</p>` : nothing}
            <select id="f-code" name="code" required aria-describedby=${qualStatus.errors.code ? "f-code-error" : nothing}>
              <option value="" selected disabled>${t("f.choose")}</option>
              ${[...groups.entries()].map(([cat, qs]) => html`<optgroup label=${tr("qcat", cat)}>
                ${qs.map((q) => html`<option value=${q.code}>${q.name} (${q.code})</option>`)}</optgroup>`)}
            </select>
          </div>
          <div class="grid2">
            ${field({ name: "acquired_on", label: t("me.acquired_on"), type: "date", required: true, errors: qualStatus.errors })}
            ${field({ name: "expires_on", label: t("me.expires_on"), type: "date", errors: qualStatus.errors })}
          </div>
          ${photoField({ name: "certificate", label: t("me.certificate"), capture: "environment", required: true, hint: t("me.certificate_hint"), errors: qualStatus.errors })}
          <button type="submit" ?disabled=${qualStatus.busy}>${t("me.add_qualification")}</button>
        </form>
      </section>
      ${canUpgrade
        ? html`${feeNotice(fees.upgrade, "upgrade-fee")}
            <p><button class="primary" type="button" @click=${onApplyUpgrade}>${t("me.apply_upgrade")}</button></p>`
        : nothing}`;
  }

  function disclosureTab(): TemplateResult {
    return html`<form class="card" @submit=${onSaveDisclosure} novalidate>
      <p>${t("me.disclosure_intro")}</p>
      ${errorSummary(status)}
      ${checkbox({ name: "show_qualifications_to_sites", label: t("me.show_qualifications_to_sites"), checked: !!tech.disclosure?.show_qualifications_to_sites, errors: status.errors })}
      ${checkbox({ name: "show_levels_publicly", label: t("me.show_levels_publicly"), checked: !!tech.disclosure?.show_levels_publicly, errors: status.errors })}
      <button class="primary" type="submit">${t("me.save")}</button>
    </form>`;
  }

  const heading = () => {
    switch (tab) {
      case "edit":
        return t("me.edit_title");
      case "detailed":
        return t("me.upgrade_title");
      case "disclosure":
        return t("me.disclosure_title");
      default:
        return self ? t("me.title") : t("me.employee_title");
    }
  };

  return {
    title: () => `${heading()} — ${name()}`,
    refresh: reload,
    render: () => html`<section>
      <h1 tabindex="-1">${heading()} <span class="sub">${name()}</span></h1>
      ${tabs()}
      ${tab === "overview" ? overview() : tab === "edit" ? editTab() : tab === "detailed" ? detailedTab() : disclosureTab()}
    </section>`,
  };
}

export async function myTechnicianPk(): Promise<number> {
  if (session.me?.technician_pk) return session.me.technician_pk;
  const me = await api<{ technician_pk: number | null }>("GET", "/auth/me");
  if (!me.technician_pk) throw new Error("not a technician");
  return me.technician_pk;
}
