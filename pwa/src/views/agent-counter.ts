// A registration agent's counter (/agent/technician, /agent/business): a technician's or a business's registration
// filed with the applicant's consent — the signed consent form's image is required, a paper application attaches its
// scanned pages — in one request. The licence auto-fill works here as on the self-registration page. No password
// is asked for: the applicant sets their own by the link the API mails them.
//
// Never queued in the outbox: the applicant is at the counter and the answer (or what to fix) is needed at once.

import { html, nothing, TemplateResult } from "lit-html";
import { api, FormPart } from "../api";
import { navigate, View } from "../app";
import { IDENTITY_FIELDS, identitySections, readIdentity, withoutNulls } from "../identity";
import { t } from "../i18n";
import { fillForm, LicenceFill } from "../licence";
import { industries, prefectures } from "../masters";
import { Form } from "../forms";
import { checkbox, Errors, errorSummary, field, fileFrom, photoField, industriesField, requiredErrors } from "../ui";
import { agentTabs, myAgent } from "./agent";

const SCANS = ["scan_1", "scan_2", "scan_3"];
const CONSENT_FIELDS = ["consent", "consent_on", "channel", ...SCANS];

function todayJst(): string {
  return new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
}

/** The consent form, its date, the channel and the scanned pages: what every filing carries. */
function consentSection(v: Record<string, unknown>, errors: Errors): TemplateResult {
  const channels: [string, string][] = [["counter", t("ag.channel.counter")], ["paper", t("ag.channel.paper")]];
  return html`<fieldset>
    <legend>${t("ag.section_consent")}</legend>
    ${photoField({ name: "consent", capture: "environment", required: true, hint: t("ag.consent_hint"), errors })}
    ${field({ name: "consent_on", type: "date", value: (v.consent_on as string) ?? todayJst(), required: true, errors })}
    ${field({ name: "channel", value: (v.channel as string) ?? "counter", options: channels, required: true, errors })}
    ${SCANS.map((n) => photoField({ name: n, capture: "environment", errors }))}
  </fieldset>`;
}

/** The consent part of the multipart request, or the errors found before sending. */
function readConsent(form: HTMLFormElement, errors: Errors): { data: Record<string, string>; files: [string, FormPart][] } {
  const fd = new FormData(form);
  const consent = fileFrom(form, "consent");
  const channel = String(fd.get("channel") || "counter");
  const files: [string, FormPart][] = [];
  if (consent) files.push(["consent", consent]);
  else errors.consent = t("ag.consent_required");
  for (const n of SCANS) {
    const f = fileFrom(form, n);
    if (f) files.push([n, f]);
  }
  if (channel === "paper" && files.length < 2) errors.scan_1 = t("ag.scans_required");
  return { data: { consent_on: String(fd.get("consent_on") || ""), channel }, files };
}

function counterView(o: {
  kind: "technician" | "business";
  title: () => string;
  intro: () => string;
  fields: string[];
  body: (values: Record<string, unknown>, errors: Errors) => TemplateResult;
  read: (form: HTMLFormElement, errors: Errors) => { data: Record<string, unknown>; files: [string, FormPart][] };
  licence?: LicenceFill;
}): View {
  const sending = new Form();
  let values: Record<string, unknown> = {};

  async function onSubmit(ev: Event) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const errors: Errors = requiredErrors(form);
    const own = o.read(form, errors);
    const consent = readConsent(form, errors);
    values = { ...own.data, ...consent.data };
    if (Object.keys(errors).length) return sending.invalid(errors);
    // Nothing is written on a refusal (one request): the form shows what to fix and keeps the input.
    await sending.run(async () => {
      const agent = await myAgent();
      const out = await api<{ id: number }>("POST", `/agents/${agent.id}/${o.kind === "technician" ? "technicians" : "businesses"}`, {
        form: [["data", JSON.stringify({ ...own.data, ...consent.data })], ...own.files, ...consent.files],
      });
      await navigate(`/agent/filings/${out.id}`, { flash: { kind: "ok", text: t("ag.filed") } });
    });
  }

  return {
    title: o.title,
    render: () => html`<section>
      <h1 tabindex="-1">${o.title()}</h1>
      ${agentTabs(o.kind)}
      <p>${o.intro()}</p>
      ${o.licence ? o.licence.render() : nothing}
      ${errorSummary(sending.status, [...o.fields, ...CONSENT_FIELDS])}
      <form id="agent-form" @submit=${onSubmit} novalidate>
        ${o.body(values, sending.status.errors)}
        ${consentSection(values, sending.status.errors)}
        <button class="primary" type="submit" ?disabled=${sending.status.busy} data-testid="agent-submit">${t("ag.submit")}</button>
      </form>
    </section>`,
  };
}

export function agentTechnicianView(): View {
  let kept: Record<string, unknown> = { nationality: "JP", has_identity_document: true, retirement_aid: { kentaikyo: false } };
  const licence = new LicenceFill((read) => {
    kept = { ...kept, ...read };
    fillForm(document.getElementById("agent-form") as HTMLFormElement | null, read);
  });
  return counterView({
    kind: "technician",
    title: () => t("ag.tech_title"),
    intro: () => t("ag.tech_intro"),
    fields: [...IDENTITY_FIELDS, "photo", "id_document", "employer_business_id"],
    licence,
    body: (_, errors) => html`
      ${identitySections(kept, errors)}
      <fieldset>
        <legend>${t("reg.section_photos")}</legend>
        ${photoField({ name: "photo", capture: "user", required: true, hint: t("f.photo_hint"), errors })}
        ${photoField({ name: "id_document", capture: "environment", hint: t("f.id_hint"), errors })}
      </fieldset>
      ${field({ name: "employer_business_id", inputmode: "numeric", maxlength: 14, value: (kept.employer_business_id as string) ?? "", errors })}
      <p class="hint">${t("ag.login_hint")}</p>`,
    read: (form, errors) => {
      const identity = readIdentity(form);
      const fd = new FormData(form);
      const employer = String(fd.get("employer_business_id") || "").trim();
      kept = { ...identity, employer_business_id: employer };
      const photo = fileFrom(form, "photo");
      const idDocument = fileFrom(form, "id_document");
      if (!photo) errors.photo = t("reg.photo_required");
      if (identity.has_identity_document && !idDocument) errors.id_document = t("reg.id_required");
      if (!identity.email) errors.email = t("ag.email_required");
      const data: Record<string, unknown> = { ...withoutNulls(identity), social_insurance: identity.social_insurance };
      if (employer) data.employer_business_id = employer;
      const files: [string, FormPart][] = [];
      if (photo) files.push(["photo", photo]);
      if (idDocument) files.push(["id_document", idDocument]);
      return { data, files };
    },
  });
}

const BIZ_FIELDS = [
  "name", "name_kana", "corporate_number", "capital_yen", "sole_proprietor", "permitted_industries",
  "social_insurance.health", "social_insurance.pension", "social_insurance.employment", "postal_code", "prefecture",
  "address", "phone", "email", "admin.display_name", "admin.email",
];

export function agentBusinessView(): View {
  let kept: Record<string, unknown> = {};
  const ins = (): [string, string][] => (["enrolled", "exempt", "not_enrolled"] as const).map((v) => [v, t(`ins.${v}`)]);
  const v = (n: string) => (kept[n] as string | undefined) ?? "";
  return counterView({
    kind: "business",
    title: () => t("ag.biz_title"),
    intro: () => t("ag.biz_intro"),
    fields: BIZ_FIELDS,
    body: (_, errors) => {
      const chosen = new Set((kept.permitted_industries as string[] | undefined) ?? []);
      return html`<fieldset>
          <legend>${t("biz.section_firm")}</legend>
          ${field({ name: "name", label: t("biz.name"), value: v("name"), required: true, errors })}
          ${field({ name: "name_kana", label: t("biz.name_kana"), value: v("name_kana"), required: true, hint: t("f.kana_hint"), errors })}
          ${checkbox({ name: "sole_proprietor", label: t("firm.sole_proprietor"), checked: !!kept.sole_proprietor, errors })}
          <div class="grid2">
            ${field({ name: "corporate_number", label: t("biz.corporate_number"), value: v("corporate_number"), inputmode: "numeric", maxlength: 13, errors })}
            ${field({ name: "capital_yen", label: t("biz.capital_yen"), value: v("capital_yen"), inputmode: "numeric", errors })}
          </div>
          ${industriesField(industries, chosen, errors)}
        </fieldset>
        <fieldset>
          <legend>${t("f.social_insurance")}</legend>
          <div class="grid3">
            ${["health", "pension", "employment"].map((k) => field({ name: `social_insurance.${k}`, value: v(`social_insurance.${k}`), options: ins(), required: true, errors }))}
          </div>
        </fieldset>
        <fieldset>
          <legend>${t("reg.section_contact")}</legend>
          <div class="grid2">
            ${field({ name: "postal_code", value: v("postal_code"), required: true, inputmode: "numeric", placeholder: "100-0001", errors })}
            ${field({ name: "prefecture", label: t("firm.prefecture"), value: v("prefecture"), required: true, options: prefectures.map((p) => [p.code, p.name]), errors })}
          </div>
          ${field({ name: "address", value: v("address"), required: true, errors })}
          <div class="grid2">
            ${field({ name: "phone", type: "tel", value: v("phone"), required: true, errors })}
            ${field({ name: "email", type: "email", value: v("email"), required: true, errors })}
          </div>
        </fieldset>
        <fieldset>
          <legend>${t("ag.section_admin")}</legend>
          <p class="hint">${t("ag.login_hint")}</p>
          ${field({ name: "admin.display_name", label: t("f.display_name"), value: v("admin.display_name"), required: true, errors })}
          ${field({ name: "admin.email", label: t("f.email"), type: "email", value: v("admin.email"), required: true, errors })}
        </fieldset>`;
    },
    read: (form) => {
      const fd = new FormData(form);
      const s = (n: string) => String(fd.get(n) ?? "").trim();
      kept = Object.fromEntries(BIZ_FIELDS.map((n) => [n, s(n)]));
      kept.permitted_industries = fd.getAll("permitted_industries").map(String);
      kept.sole_proprietor = fd.get("sole_proprietor") === "true";
      const capital = s("capital_yen").replace(/[,，\s]/g, "");
      const data: Record<string, unknown> = {
        name: s("name"), name_kana: s("name_kana"), sole_proprietor: kept.sole_proprietor,
        permitted_industries: kept.permitted_industries,
        social_insurance: { health: s("social_insurance.health"), pension: s("social_insurance.pension"), employment: s("social_insurance.employment") },
        postal_code: s("postal_code"), prefecture: s("prefecture"), address: s("address"), phone: s("phone"), email: s("email"),
        admin: { display_name: s("admin.display_name"), email: s("admin.email") },
      };
      if (s("corporate_number")) data.corporate_number = s("corporate_number");
      if (capital) data.capital_yen = /^\d+$/.test(capital) ? Number(capital) : capital;
      return { data, files: [] };
    },
  });
}
