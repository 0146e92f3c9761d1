// 経審: W1⑩ (CCUS on every directly contracted work) and W1⑧ (judged level rises) beside it.

import { html, nothing, TemplateResult } from "lit-html";
import { get, NetworkError } from "../api";
import { update, View } from "../app";
import { Forms, values } from "../forms";
import { t } from "../i18n";
import type { W1Result, W1Skills } from "../types";
import { checkbox, dl, errorSummary, field, requiredErrors } from "../ui";
import { firmTabs } from "./firm-tabs";
import { businessPk, dayAfterYearBefore, keishinTabs, lastFiscalYearEnd, loadError, why } from "./keishin-common";


// --- W1⑧ (judged level rises) --------------------------------------------------------------------------------------

function skillsCard(s: W1Skills): TemplateResult {
  return html`<section class="card" aria-labelledby="w18-h">
    <h2 id="w18-h">${t("keishin.w18_title")}</h2>
    <p class="hint">${t("keishin.w18_intro")}</p>
    ${dl([
      [t("keishin.w18_points"), s.points == null
        ? html`<span data-testid="w18-points">${t("keishin.w18_needs_engineers")}</span>`
        : html`<strong class="big" data-testid="w18-points">${t("keishin.points_n", { n: s.points })}</strong>`],
      [t("keishin.w18_technicians"), t("keishin.people_n", { n: s.technicians })],
      [t("keishin.w18_risen"), html`<span data-testid="w18-risen">${t("keishin.people_n", { n: s.risen })}</span>`],
      [t("keishin.w18_deducted"), t("keishin.people_n", { n: s.deducted })],
      [t("keishin.w18_ratio"), s.ratio == null ? "—" : `${(s.ratio * 100).toFixed(1)}%`],
      [t("keishin.w18_skill_value"), s.skill_value_status === "confirmed" ? String(s.skill_value)
        : `${s.skill_value}（${t("keishin.w18_inferred")}）`],
      ...(s.computed_value == null ? [] : [[t("keishin.w18_computed"), String(s.computed_value)] as [string, unknown]]),
    ])}
  </section>`;
}

// --- W1⑩ ------------------------------------------------------------------------------------------------------------

export async function keishinW1View(): Promise<View> {
  const pk = businessPk();
  const forms = new Forms();
  const end = lastFiscalYearEnd();
  const cond = { base_date: end, fiscal_year_start: dayAfterYearBefore(end), pledge_submitted: true, engineers: "", engineer_value: "0" };
  let result: W1Result | null = null;
  let error = "";

  /** 別紙一 for the conditions; asked from the conditions form (`fromForm`), a refusal is the form's to show. */
  async function load(fromForm = false) {
    try {
      const qs = new URLSearchParams({ base_date: cond.base_date, fiscal_year_start: cond.fiscal_year_start,
        pledge_submitted: String(cond.pledge_submitted), engineer_value: cond.engineer_value || "0" });
      if (cond.engineers !== "") qs.set("engineers", cond.engineers);
      result = await get<W1Result>(`/businesses/${pk}/keishin/w1?${qs}`);
      error = "";
    } catch (e) {
      result = null;
      error = fromForm ? "" : loadError(e);
      if (fromForm || (e instanceof NetworkError && !navigator.onLine)) throw e;
    }
  }
  await load();

  async function onConditions(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    if (Object.keys(errors).length) return forms.invalid("w1-", errors);
    const engineers = v("engineers").trim();
    const engineerValue = v("engineer_value").trim() || "0";
    if (engineers !== "" && !/^\d{1,6}$/.test(engineers)) errors.engineers = t("keishin.engineers_format");
    if (!/^(10|\d)$/.test(engineerValue)) errors.engineer_value = t("keishin.engineer_value_format");
    if (Object.keys(errors).length) return forms.invalid("w1-", errors);
    Object.assign(cond, { base_date: v("base_date"), fiscal_year_start: v("fiscal_year_start"),
      pledge_submitted: new FormData(form).get("pledge_submitted") === "true", engineers, engineer_value: engineerValue });
    await forms.run("w1-", () => load(true));
  }

  return {
    title: () => `${t("keishin.title")} — ${t("keishin.tab_w1")}`,
    refresh: async () => {
      await load();
      update();
    },
    render: () => {
      const st = forms.get("w1-");
      return html`<section>
        <h1 tabindex="-1">${t("keishin.title")} <span class="sub">${t("keishin.tab_w1")}</span></h1>
        ${firmTabs("/firm/keishin")}
        ${keishinTabs("w1")}
        <p>${t("keishin.w1_intro")}</p>
        <section class="card" aria-labelledby="w1c-h">
          <h2 id="w1c-h">${t("keishin.conditions")}</h2>
          ${errorSummary(st, ["base_date", "fiscal_year_start", "engineers", "engineer_value"], "w1-")}
          <form @submit=${onConditions} novalidate>
            <div class="grid2">
              ${field({ name: "base_date", prefix: "w1-", label: t("keishin.base_date"), type: "date", required: true, value: cond.base_date, errors: st.errors })}
              ${field({ name: "fiscal_year_start", prefix: "w1-", label: t("keishin.fiscal_year_start"), type: "date", required: true, value: cond.fiscal_year_start, errors: st.errors })}
            </div>
            ${checkbox({ name: "pledge_submitted", label: t("keishin.pledge"), checked: cond.pledge_submitted, errors: st.errors })}
            <div class="grid2">
              ${field({ name: "engineers", prefix: "w1-", label: t("keishin.engineers"), type: "number", inputmode: "numeric", min: 0, value: cond.engineers, hint: t("keishin.engineers_hint"), errors: st.errors })}
              ${field({ name: "engineer_value", prefix: "w1-", label: t("keishin.engineer_value"), type: "number", inputmode: "numeric", min: 0, max: 10, value: cond.engineer_value, errors: st.errors })}
            </div>
            <button type="submit" class="primary" ?disabled=${st.busy}>${t("keishin.show")}</button>
          </form>
        </section>
        <section class="card" aria-labelledby="w1-h">
          <h2 id="w1-h">${t("keishin.w1_title")}</h2>
          ${error ? html`<p class="notice returned" role="alert">${error}</p>` : nothing}
          ${result
            ? html`${dl([
                [t("keishin.w1_points"), html`<strong class="big" data-testid="w1-points">${t("keishin.points_n", { n: result.points })}</strong>`],
                [t("keishin.w1_considered"), t("keishin.sites_n", { n: result.considered })],
              ])}
              <ul data-testid="w1-reasons">${result.reasons.map((r) => html`<li>${why(r)}</li>`)}</ul>`
            : nothing}
        </section>
        ${result ? skillsCard(result.skills) : nothing}
      </section>`;
    },
  };
}
