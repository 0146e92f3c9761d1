// A technician's registration, seen by the technician ("/me…") or by the employer ("/firm/employees/:pk…"):
// status and card, returned-field reasons on the fields, edit and resubmit, 詳細型 upgrade with qualifications and
// certificate photos, disclosure settings (the technician only).

import { html, nothing, TemplateResult } from "lit-html";
import { api, get, session } from "../api";
import { flash, update, View } from "../app";
import { changedFields, IDENTITY_FIELDS, identitySections, readIdentity } from "../identity";
import { feeNotice, quote, Quote } from "../fees";
import { fieldLabel, t } from "../i18n";
import { requestJob } from "../jobs";
import { fillForm, LicenceFill } from "../licence";
import { FaceConsent } from "./face";
import { Form } from "../forms";
import { Job, submit } from "../outbox";
import type { Application, DatedItem, Detailed, Education, Notice, Technician } from "../types";
import { detailedTab, rows, type Row } from "./technician-detailed";
import { overview, TechnicianPage } from "./technician-overview";
import {
  authImg, checkbox, emptyStatus, errorSummary, fileFrom, forgetImages,
  photoField, Reasons,
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

export async function technicianView(pk: number, tab: Tab, self: boolean): Promise<View> {
  let tech = await get<Technician>(`/technicians/${pk}`);
  let apps = await get<Application[]>(`/technicians/${pk}/applications`);
  let notices: Notice[] = self ? await get<Notice[]>("/notifications").catch(() => []) : [];
  const main = new Form(); // the registration, 詳細型 and disclosure forms
  const qual = new Form(); // adding a qualification
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

  /** Run jobs in order through the form; stop at the first refusal. Returns "done", "queued" or "failed". */
  async function runAll(jobs: Job[], okText: string, target: "main" | "qual" = "main"): Promise<string> {
    const sent = await (target === "main" ? main : qual).run(async () => {
      let queued = false;
      for (const job of jobs) queued = (await submit(job)).queued || queued;
      return queued;
    });
    if (sent.state !== "done") {
      await reload().catch(() => {});
      return "failed";
    }
    main.set(emptyStatus());
    qual.set(emptyStatus());
    if (sent.result) {
      flash(t("me.queued"), "info");
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
    await runAll([requestJob(label("詳細型の情報", "Detailed data"), { method: "PUT", path: `/technicians/${pk}/detailed`, json: data })], t("me.saved"));
  }

  async function onAddQualification(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const fd = new FormData(form);
    const certificate = fileFrom(form, "certificate");
    if (!certificate) return qual.invalid({ certificate: t("reg.photo_required") });
    const expires = String(fd.get("expires_on") || "");
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

  // Asking to confirm; the card reported (the API shows no card once it is lost: remember which one was reported).
  const lost = { confirm: false, serial: "" };

  async function onReportLost(serial: string) {
    const result = await runAll([requestJob(label("カードの紛失届", "Lost card report"), { method: "POST", path: `/cards/${serial}/revoke`, json: { reason: "lost" } })], t("card.lost_done"));
    if (result !== "failed") {
      lost.confirm = false;
      lost.serial = serial;
    }
    update();
  }

  function editTab(): TemplateResult {
    const open = returnedNew();
    const reasons = reasonsOf(open);
    const canEdit = editable();
    const errors = main.status.errors;
    return html`
      ${open ? reasonList(open, `${base}/edit`) : nothing}
      ${canEdit ? nothing : html`<p class="notice info">${t("me.edit_locked")}</p>`}
      ${canEdit ? licence.render() : nothing}
      ${errorSummary(main.status, [...IDENTITY_FIELDS, "photo", "id_document"])}
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
                ? html`<button class="primary" type="submit" name="action" value="resubmit" ?disabled=${main.status.busy}>${t("me.save_and_resubmit")}</button>`
                : nothing}
              ${tech.status === "draft"
                ? html`<button class="primary" type="submit" name="action" value="apply" ?disabled=${main.status.busy}>${t("me.save_and_apply")}</button>`
                : nothing}
              <button type="submit" name="action" value="save" ?disabled=${main.status.busy}>${t("me.save")}</button>
            </div>`
          : nothing}
      </form>`;
  }

  function disclosureTab(): TemplateResult {
    return html`<form class="card" @submit=${onSaveDisclosure} novalidate>
      <p>${t("me.disclosure_intro")}</p>
      ${errorSummary(main.status)}
      ${checkbox({ name: "show_qualifications_to_sites", label: t("me.show_qualifications_to_sites"), checked: !!tech.disclosure?.show_qualifications_to_sites, errors: main.status.errors })}
      ${checkbox({ name: "show_levels_publicly", label: t("me.show_levels_publicly"), checked: !!tech.disclosure?.show_levels_publicly, errors: main.status.errors })}
      <button class="primary" type="submit">${t("me.save")}</button>
    </form>`;
  }

  // What the tabs drawn in technician-overview.ts and technician-detailed.ts read and call.
  const page: TechnicianPage = {
    pk, self, base, main, qual, face, fees, detailedRows, lost,
    get tech() { return tech; },
    get apps() { return apps; },
    get notices() { return notices; },
    get imageVersion() { return imageVersion; },
    name, openApp, returnedUpgrade, reasonsOf, photoImg, reasonList,
    onResubmit, onSaveDetailed, onAddQualification, onApplyUpgrade, onApplyRenewal, onReportLost,
  };

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
      ${tab === "overview" ? overview(page) : tab === "edit" ? editTab() : tab === "detailed" ? detailedTab(page) : disclosureTab()}
    </section>`,
  };
}

export async function myTechnicianPk(): Promise<number> {
  if (session.me?.technician_pk) return session.me.technician_pk;
  const me = await api<{ technician_pk: number | null }>("GET", "/auth/me");
  if (!me.technician_pk) throw new Error("not a technician");
  return me.technician_pk;
}
