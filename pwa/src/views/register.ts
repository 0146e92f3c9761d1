// 簡略型 registration: by the technician (public) or by the employer with consent (代行申請).

import { html, nothing } from "lit-html";
import { session } from "../api";
import { flash, navigate, update, View } from "../app";
import { IDENTITY_FIELDS, identitySections, readIdentity, withoutNulls } from "../identity";
import { feeNotice, quote, Quote } from "../fees";
import { t } from "../i18n";
import { registerJob, RegisterResult } from "../jobs";
import { fillForm, LicenceFill } from "../licence";
import { submit } from "../outbox";
import { Form } from "../forms";
import { loginIdText } from "../loginid";
import { randomId } from "../phonekey";
import { checkbox, errorSummary, field, fileFrom, photoField, requiredErrors } from "../ui";

const EXTRA = ["photo", "id_document", "password", "employer_business_id", "consent_obtained", "consent_on"];

function today(): string {
  const d = new Date();
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

export function registerView(mode: "self" | "proxy"): View {
  const sending = new Form();
  let queued = false;
  // A new registration is 簡略型: its fee, as charged if the application is submitted today.
  let fee: Quote | null | undefined;
  void quote({ kind: "technician_registration", tier: "simplified" }).then((q) => { fee = q; update(); });
  // Keep what was typed across re-renders (language switch) and failed submissions.
  let values: Record<string, unknown> = { nationality: "JP", has_identity_document: true, retirement_aid: { kentaikyo: false } };
  const licence = new LicenceFill((read) => {
    values = { ...values, ...read };
    fillForm(document.getElementById("reg-form") as HTMLFormElement | null, read);
  });

  async function onSubmit(ev: Event) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const identity = readIdentity(form);
    values = identity;
    const fd = new FormData(form);
    const photo = fileFrom(form, "photo");
    const idDocument = fileFrom(form, "id_document");
    const errors: Record<string, string> = requiredErrors(form);
    if (!photo) errors.photo = t("reg.photo_required");
    if (identity.has_identity_document && !idDocument) errors.id_document = t("reg.id_required");
    const data: Record<string, unknown> = {
      ...withoutNulls(identity),
      social_insurance: identity.social_insurance,
      password: String(fd.get("password") || ""),
      // Made once per registration and kept with it in the outbox: sent again after a lost answer, the API answers
      // with the account the first send made (api/registration/replay.py).
      request_key: randomId(),
    };
    if (mode === "self") {
      const employer = String(fd.get("employer_business_id") || "").trim();
      if (employer) data.employer_business_id = employer;
    } else {
      data.consent_obtained = fd.get("consent_obtained") === "true";
      data.consent_on = String(fd.get("consent_on") || "") || null;
    }
    if (Object.keys(errors).length) return sending.invalid(errors);
    const job = registerJob({
      mode, businessPk: session.me?.business_pk ?? undefined, data, photo, idDocument,
    });
    // Nothing is written on a refusal (the registration is one request): the form shows what to fix and keeps the input.
    await sending.run(async () => {
      const outcome = await submit<RegisterResult>(job);
      if (outcome.queued) {
        if (mode === "self") {
          queued = true;
          flash(t("reg.queued"), "info");
        } else {
          await navigate("/firm/employees", { flash: { kind: "info", text: t("me.queued") } });
        }
        return;
      }
      const { techPk: pk, loginId } = outcome.result;
      const login = loginIdText(loginId);
      if (mode === "self") await navigate("/me", { flash: { kind: "ok", text: t("reg.done", { login }) } });
      else await navigate(`/firm/employees/${pk}`, { flash: { kind: "ok", text: t("reg.proxy_done", { login }) } });
    });
  }

  const title = () => (mode === "self" ? t("reg.title") : t("reg.proxy_title"));
  return {
    title,
    render: () => {
      if (queued) {
        return html`<section class="narrow">
          <h1 tabindex="-1">${title()}</h1>
          <p class="notice info">${t("reg.queued")}</p>
          <p><a class="button" href="/outbox">${t("app.view_outbox")}</a></p>
        </section>`;
      }
      const errors = sending.status.errors;
      return html`<section>
        <h1 tabindex="-1">${title()}</h1>
        <p>${mode === "self" ? t("reg.intro") : t("reg.proxy_intro")}</p>
        ${mode === "self" ? html`<p>${t("reg.has_account")} <a href="/login">${t("nav.login")}</a></p>` : nothing}
        ${licence.render()}
        ${errorSummary(sending.status, [...IDENTITY_FIELDS, ...EXTRA])}
        <form id="reg-form" @submit=${onSubmit} novalidate>
          ${identitySections(values, errors)}
          <fieldset>
            <legend>${t("reg.section_photos")}</legend>
            ${photoField({ name: "photo", capture: "user", required: true, hint: t("f.photo_hint"), errors })}
            ${photoField({ name: "id_document", capture: "environment", hint: t("f.id_hint"), errors })}
          </fieldset>
          ${mode === "self"
            ? field({ name: "employer_business_id", inputmode: "numeric", maxlength: 14, errors })
            : html`<fieldset>
                <legend>${t("reg.section_consent")}</legend>
                ${checkbox({ name: "consent_obtained", checked: false, errors, required: true })}
                ${field({ name: "consent_on", type: "date", value: today(), required: true, errors })}
              </fieldset>`}
          <fieldset>
            <legend>${t("reg.section_account")}</legend>
            <p class="hint">${mode === "self" ? t("reg.login_id_hint") : t("reg.proxy_login_id_hint")}</p>
            ${field({ name: "password", type: "password", required: true, autocomplete: "new-password", errors })}
          </fieldset>
          ${feeNotice(fee)}
          <button class="primary" type="submit" ?disabled=${sending.status.busy}>${t("reg.submit")}</button>
        </form>
      </section>`;
    },
  };
}
