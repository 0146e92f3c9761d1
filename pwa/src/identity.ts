// The 簡略型 identity fields, shared by self-registration, proxy registration, editing a returned registration and
// the operator's correction form.

import { html, nothing, TemplateResult } from "lit-html";
import { t } from "./i18n";
import { trades, tradeName } from "./masters";
import type { Technician } from "./types";
import { checkbox, Errors, field, Reasons } from "./ui";

export type IdentityValues = Partial<Technician>;

const INS: [string, string][] = [["enrolled", ""], ["exempt", ""], ["not_enrolled", ""]];

function insuranceOptions(): [string, string][] {
  return INS.map(([v]) => [v, t(`ins.${v}` as "ins.enrolled")]);
}

export function sexOptions(): [string, string][] {
  return (["male", "female", "other"] as const).map((v) => [v, t(`sex.${v}`)]);
}

/** Field names that the form shows, so an error or returned reason can link to its input. */
export const IDENTITY_FIELDS = [
  "family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "sex", "nationality",
  "residence_status", "residence_expiry", "postal_code", "address", "phone", "email", "trades", "experience_text",
  "social_insurance.health", "social_insurance.pension", "social_insurance.employment", "retirement_aid.kentaikyo",
  "retirement_aid.chutaikyo", "has_identity_document",
];

export function identitySections(v: IdentityValues, errors: Errors, reasons: Reasons = {}, opts: { disabled?: boolean } = {}): TemplateResult {
  const d = !!opts.disabled;
  const si = v.social_insurance;
  const tradeOpts: [string, string][] = trades.map((x) => [x.code, `${tradeName(x.code)} (${x.code})`]);
  const current = v.trades ?? [];
  // Errors on a nested field ("social_insurance.health") or on the group name both show on the group.
  const siReason = reasons["social_insurance"];
  const raReason = reasons["retirement_aid"];
  return html`
    <fieldset>
      <legend>${t("reg.section_identity")}</legend>
      <div class="grid2">
        ${field({ name: "family_name", value: v.family_name, required: true, autocomplete: "family-name", errors, reasons, disabled: d })}
        ${field({ name: "given_name", value: v.given_name, required: true, autocomplete: "given-name", errors, reasons, disabled: d })}
        ${field({ name: "family_name_kana", value: v.family_name_kana, required: true, hint: t("f.kana_hint"), errors, reasons, disabled: d })}
        ${field({ name: "given_name_kana", value: v.given_name_kana, required: true, errors, reasons, disabled: d })}
      </div>
      <div class="grid2">
        ${field({ name: "birth_date", type: "date", value: v.birth_date, required: true, autocomplete: "bday", errors, reasons, disabled: d })}
        ${field({ name: "sex", value: v.sex, options: sexOptions(), required: true, errors, reasons, disabled: d })}
      </div>
      ${field({ name: "nationality", value: v.nationality ?? "JP", required: true, maxlength: 2, hint: t("f.nationality_hint"), autocomplete: "country", errors, reasons, disabled: d })}
      <div class="grid2">
        ${field({ name: "residence_status", value: v.residence_status, errors, reasons, disabled: d })}
        ${field({ name: "residence_expiry", type: "date", value: v.residence_expiry, errors, reasons, disabled: d })}
      </div>
    </fieldset>
    <fieldset>
      <legend>${t("reg.section_contact")}</legend>
      ${field({ name: "postal_code", value: v.postal_code, required: true, inputmode: "numeric", autocomplete: "postal-code", placeholder: "100-0001", errors, reasons, disabled: d })}
      ${field({ name: "address", value: v.address, required: true, autocomplete: "street-address", errors, reasons, disabled: d })}
      ${field({ name: "phone", type: "tel", value: v.phone, required: true, autocomplete: "tel", placeholder: "090-1234-5678", errors, reasons, disabled: d })}
      ${field({ name: "email", type: "email", value: v.email, autocomplete: "email", errors, reasons, disabled: d })}
    </fieldset>
    <fieldset class=${reasons.trades || errors.trades ? "returned-group" : ""}>
      <legend>${t("reg.section_work")}</legend>
      <div class="grid2" role="group" aria-labelledby="trades-label">
        <p id="trades-label" class="group-label">${t("f.trades")}</p>
        ${reasons.trades ? html`<p class="reason" id="f-trades-reason"><strong>${t("me.reason_label")}:</strong> ${reasons.trades}</p>` : nothing}
        ${errors.trades ? html`<p class="field-error" id="f-trades-error">${errors.trades}</p>` : nothing}
        ${[0, 1, 2, 3].map((i) => field({
          name: i === 0 ? "trades" : `trade_${i + 1}`, label: t("f.trade_n", { n: i + 1 }), value: current[i] ?? "",
          options: tradeOpts, required: i === 0, errors: {}, disabled: d,
        }))}
      </div>
      ${field({ name: "experience_text", type: "textarea", value: v.experience_text, maxlength: 4000, errors, reasons, disabled: d })}
      <div class="grid3" role="group" aria-labelledby="si-label">
        <p id="si-label" class="group-label">${t("f.social_insurance")}</p>
        ${siReason ? html`<p class="reason"><strong>${t("me.reason_label")}:</strong> ${siReason}</p>` : nothing}
        ${field({ name: "social_insurance.health", value: si?.health, options: insuranceOptions(), required: true, errors, reasons, disabled: d })}
        ${field({ name: "social_insurance.pension", value: si?.pension, options: insuranceOptions(), required: true, errors, reasons, disabled: d })}
        ${field({ name: "social_insurance.employment", value: si?.employment, options: insuranceOptions(), required: true, errors, reasons, disabled: d })}
      </div>
      <div role="group" aria-labelledby="ra-label">
        <p id="ra-label" class="group-label">${t("f.retirement_aid")}</p>
        ${raReason ? html`<p class="reason"><strong>${t("me.reason_label")}:</strong> ${raReason}</p>` : nothing}
        ${checkbox({ name: "retirement_aid.kentaikyo", checked: !!v.retirement_aid?.kentaikyo, errors, disabled: d })}
        ${checkbox({ name: "retirement_aid.chutaikyo", checked: !!v.retirement_aid?.chutaikyo, errors, disabled: d })}
      </div>
      ${checkbox({ name: "has_identity_document", checked: v.has_identity_document ?? true, errors, reasons, disabled: d })}
    </fieldset>`;
}

function text(fd: FormData, name: string): string {
  const v = fd.get(name);
  return typeof v === "string" ? v.trim() : "";
}

/** The identity fields as the API wants them; empty optional fields are null. */
export function readIdentity(form: HTMLFormElement): Record<string, unknown> {
  const fd = new FormData(form);
  const tradesList = ["trades", "trade_2", "trade_3", "trade_4"].map((n) => text(fd, n)).filter(Boolean);
  const opt = (name: string) => text(fd, name) || null;
  return {
    family_name: text(fd, "family_name"),
    given_name: text(fd, "given_name"),
    family_name_kana: text(fd, "family_name_kana"),
    given_name_kana: text(fd, "given_name_kana"),
    birth_date: text(fd, "birth_date") || null,
    sex: text(fd, "sex") || null,
    nationality: (text(fd, "nationality") || "JP").toUpperCase(),
    postal_code: text(fd, "postal_code"),
    address: text(fd, "address"),
    phone: text(fd, "phone"),
    email: opt("email"),
    trades: tradesList,
    experience_text: opt("experience_text"),
    social_insurance: {
      health: text(fd, "social_insurance.health") || null,
      pension: text(fd, "social_insurance.pension") || null,
      employment: text(fd, "social_insurance.employment") || null,
    },
    retirement_aid: { kentaikyo: fd.get("retirement_aid.kentaikyo") === "true", chutaikyo: fd.get("retirement_aid.chutaikyo") === "true" },
    residence_status: opt("residence_status"),
    residence_expiry: opt("residence_expiry"),
    has_identity_document: fd.get("has_identity_document") === "true",
  };
}

/** Drop null optional fields for a create request (the API's defaults apply). */
export function withoutNulls(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null));
}

/** Only the fields that differ from the technician's current data (for PATCH and corrections). */
export function changedFields(data: Record<string, unknown>, tech: Technician): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const current = tech as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(data)) {
    const cur = current[k];
    const norm = (x: unknown) => JSON.stringify(x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as object).sort()) : x ?? null);
    if (norm(v) !== norm(cur)) out[k] = v;
  }
  return out;
}
