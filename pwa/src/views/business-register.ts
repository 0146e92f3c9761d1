// 事業者登録: a firm registers itself with its 事業者責任者 account (tier-0 管理者ID) and applies for review.

import { html } from "lit-html";
import { api, COOKIE_SESSION, session } from "../api";
import { navigate, update, View } from "../app";
import { feeNotice, quote, Quote } from "../fees";
import { t } from "../i18n";
import { industries, prefectures } from "../masters";
import type { Business, Me } from "../types";
import { Form } from "../forms";
import { checkbox, errorSummary, field, industriesField, requiredErrors } from "../ui";
import { loginIdText } from "../loginid";

const FIELDS = [
  "name", "name_kana", "corporate_number", "capital_yen", "sole_proprietor", "permit_number", "permitted_industries",
  "social_insurance.health", "social_insurance.pension", "social_insurance.employment", "postal_code", "prefecture",
  "address", "phone", "email", "admin.display_name", "admin.password", "admin.email",
];

export function businessRegisterView(): View {
  const sending = new Form();
  let values: Record<string, unknown> = {};
  // 事業者登録料 by capital band, as charged if the application is submitted today; requoted as the form changes.
  let fee: Quote | null | undefined;
  let feeKey = "";
  function requote(form: HTMLFormElement | null) {
    const sole = !!(form?.elements.namedItem("sole_proprietor") as HTMLInputElement | null)?.checked;
    const raw = String((form?.elements.namedItem("capital_yen") as HTMLInputElement | null)?.value ?? "").replace(/[,，\s]/g, "");
    const params: Record<string, string> = { kind: "business_registration", sole_proprietor: String(sole) };
    if (!sole && /^\d+$/.test(raw)) params.capital_yen = raw;
    const key = JSON.stringify(params);
    if (key === feeKey) return;
    feeKey = key;
    void quote(params).then((q) => { if (feeKey === key) { fee = q; update(); } });
  }
  requote(null);

  async function onSubmit(ev: Event) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const fd = new FormData(form);
    const s = (n: string) => String(fd.get(n) ?? "").trim();
    values = Object.fromEntries(FIELDS.map((n) => [n, s(n)]));
    values.permitted_industries = fd.getAll("permitted_industries").map(String);
    values.sole_proprietor = fd.get("sole_proprietor") === "true";
    const errors = requiredErrors(form);
    if (Object.keys(errors).length) return sending.invalid(errors);
    const capital = s("capital_yen").replace(/[,，\s]/g, "");
    const body: Record<string, unknown> = {
      name: s("name"), name_kana: s("name_kana"),
      sole_proprietor: values.sole_proprietor,
      permitted_industries: values.permitted_industries,
      social_insurance: { health: s("social_insurance.health"), pension: s("social_insurance.pension"), employment: s("social_insurance.employment") },
      postal_code: s("postal_code"), prefecture: s("prefecture"), address: s("address"), phone: s("phone"), email: s("email"),
      admin: { display_name: s("admin.display_name"), password: String(fd.get("admin.password") ?? "") },
    };
    if (s("corporate_number")) body.corporate_number = s("corporate_number");
    if (capital) body.capital_yen = /^\d+$/.test(capital) ? Number(capital) : capital;
    if (s("permit_number")) body.permit_number = s("permit_number");
    if (s("admin.email")) (body.admin as Record<string, unknown>).email = s("admin.email");
    // Not queued offline: the answer (the token) is needed at once, and a firm registers from an office.
    await sending.run(async () => {
      const out = await api<{ business: Business; login_id: string }>("POST", "/businesses", { json: body, auth: false, headers: COOKIE_SESSION });
      const me = await api<Me>("GET", "/auth/me");
      session.set(me);
      await navigate("/firm", { flash: { kind: "ok", text: t("biz.done", { login: loginIdText(out.login_id) }) } });
    }, { needsConnection: t("biz.offline") });
  }

  const ins = (): [string, string][] => (["enrolled", "exempt", "not_enrolled"] as const).map((v) => [v, t(`ins.${v}`)]);
  const v = (n: string) => (values[n] as string | undefined) ?? "";
  return {
    title: () => t("biz.title"),
    render: () => {
      const errors = sending.status.errors;
      const chosen = new Set((values.permitted_industries as string[] | undefined) ?? []);
      return html`<section>
        <h1 tabindex="-1">${t("biz.title")}</h1>
        <p>${t("biz.intro")}</p>
        ${errorSummary(sending.status, FIELDS)}
        <form @submit=${onSubmit} @change=${(e: Event) => requote(e.currentTarget as HTMLFormElement)} novalidate>
          <fieldset>
            <legend>${t("biz.section_firm")}</legend>
            ${field({ name: "name", label: t("biz.name"), value: v("name"), required: true, autocomplete: "organization", errors })}
            ${field({ name: "name_kana", label: t("biz.name_kana"), value: v("name_kana"), required: true, hint: t("f.kana_hint"), errors })}
            ${checkbox({ name: "sole_proprietor", label: t("firm.sole_proprietor"), checked: !!values.sole_proprietor, errors })}
            <div class="grid2">
              ${field({ name: "corporate_number", label: t("biz.corporate_number"), value: v("corporate_number"), inputmode: "numeric", maxlength: 13, hint: t("biz.corporate_number_hint"), errors })}
              ${field({ name: "capital_yen", label: t("biz.capital_yen"), value: v("capital_yen"), inputmode: "numeric", hint: t("biz.capital_hint"), errors })}
            </div>
            ${field({ name: "permit_number", label: t("biz.permit_number"), value: v("permit_number"), errors })}
            ${industriesField(industries, chosen, errors)}
          </fieldset>
          <fieldset>
            <legend>${t("f.social_insurance")}</legend>
            <div class="grid3">
              ${field({ name: "social_insurance.health", value: v("social_insurance.health"), options: ins(), required: true, errors })}
              ${field({ name: "social_insurance.pension", value: v("social_insurance.pension"), options: ins(), required: true, errors })}
              ${field({ name: "social_insurance.employment", value: v("social_insurance.employment"), options: ins(), required: true, errors })}
            </div>
          </fieldset>
          <fieldset>
            <legend>${t("reg.section_contact")}</legend>
            <div class="grid2">
              ${field({ name: "postal_code", value: v("postal_code"), required: true, inputmode: "numeric", autocomplete: "postal-code", placeholder: "100-0001", errors })}
              ${field({ name: "prefecture", label: t("firm.prefecture"), value: v("prefecture"), required: true, options: prefectures.map((p) => [p.code, p.name]), errors })}
            </div>
            ${field({ name: "address", value: v("address"), required: true, autocomplete: "street-address", errors })}
            <div class="grid2">
              ${field({ name: "phone", type: "tel", value: v("phone"), required: true, autocomplete: "tel", errors })}
              ${field({ name: "email", type: "email", value: v("email"), required: true, autocomplete: "email", errors })}
            </div>
          </fieldset>
          <fieldset>
            <legend>${t("biz.section_admin")}</legend>
            <p class="hint">${t("biz.admin_hint")}</p>
            ${field({ name: "admin.display_name", label: t("f.display_name"), value: v("admin.display_name"), required: true, autocomplete: "name", errors })}
            ${field({ name: "admin.password", label: t("f.password"), type: "password", required: true, autocomplete: "new-password", errors })}
            ${field({ name: "admin.email", label: t("f.email"), type: "email", value: v("admin.email"), errors })}
          </fieldset>
          ${feeNotice(fee)}
          <button class="primary" type="submit" ?disabled=${sending.status.busy}>${t("biz.submit")}</button>
        </form>
      </section>`;
    },
  };
}
