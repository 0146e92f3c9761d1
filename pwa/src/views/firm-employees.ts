// A firm's employees: searched by name (kanji or kana) or technician ID and filtered by registration status or a
// residence permit ending soon, on the server (GET /businesses/{pk}/employees?q=&status=&residence_within_days=), so a
// firm of hundreds finds one person. The search lives in the address.

import { html, nothing } from "lit-html";
import { get, session } from "../api";
import { navigate, update, View } from "../app";
import { values } from "../forms";
import { formatDate, t } from "../i18n";
import type { TechnicianSummary } from "../types";
import { badge, checkbox, field } from "../ui";
import { firmTabs } from "./firm-tabs";
import { loginIdText } from "../loginid";

const SOON_DAYS = 90;

function soon(date: string | null): boolean {
  if (!date) return false;
  return new Date(date).getTime() - Date.now() < SOON_DAYS * 86400_000;
}

export async function employeesView(query: URLSearchParams = new URLSearchParams()): Promise<View> {
  const pk = session.me?.business_pk;
  if (!pk) throw new Error("no business");
  const search = (query.get("q") || "").trim();
  const status = query.get("status") || "";
  const soonOnly = query.get("residence") === "soon";
  const qs = new URLSearchParams();
  if (search) qs.set("q", search);
  if (status) qs.set("status", status);
  if (soonOnly) qs.set("residence_within_days", String(SOON_DAYS));
  const path = `/businesses/${pk}/employees${qs.toString() ? `?${qs}` : ""}`;
  let employees = await get<TechnicianSummary[]>(path);
  const filtered = !!(search || status || soonOnly);

  function onFilter(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const next = new URLSearchParams();
    if (v("q").trim()) next.set("q", v("q").trim());
    if (v("status")) next.set("status", v("status"));
    if (form.querySelector<HTMLInputElement>("#f-residence_soon")?.checked) next.set("residence", "soon");
    void navigate(`/firm/employees${next.toString() ? `?${next}` : ""}`);
  }

  return {
    title: () => t("firm.employees"),
    refresh: async () => {
      employees = await get<TechnicianSummary[]>(path);
      update();
    },
    render: () => html`<section>
      <h1 tabindex="-1">${t("firm.employees")}</h1>
      ${firmTabs("/firm/employees")}
      <p><a class="button" href="/firm/proxy">${t("nav.proxy")}</a></p>
      <form class="filters" role="search" @submit=${onFilter} aria-label=${t("emp.search_label")}>
        ${field({ name: "q", label: t("emp.search"), type: "search", value: search, maxlength: 100, hint: t("emp.search_hint"), errors: {} })}
        ${field({ name: "status", label: t("f.status"), value: status, errors: {}, emptyLabel: t("review.all"),
          options: (["approved", "submitted", "returned", "draft"] as const).map((s) => [s, t(`status.${s}`)]) })}
        ${checkbox({ name: "residence_soon", label: t("emp.residence_soon", { n: SOON_DAYS }), checked: soonOnly, errors: {} })}
        <button type="submit">${t("review.apply_filter")}</button>
      </form>
      <p class="meta" role="status" data-testid="employees-count">${t("emp.count", { n: employees.length })}</p>
      ${employees.length
        ? html`<ul class="list employees" data-testid="employees">
            ${employees.map((e) => html`<li>
              <div class="row-head">
                <a href="/firm/employees/${e.id}"><strong>${e.name}</strong></a>
                ${badge("status", e.status)} ${badge("tier", e.tier)}
              </div>
              <div class="meta">
                ${t("f.technician_id")}: <span class="mono">${e.technician_id ?? "—"}</span>
                ${e.login_id ? html` · ${t("f.login")}: <span class="mono" data-testid="employee-login">${loginIdText(e.login_id)}</span>` : nothing}
                · ${t("firm.card")}: ${e.card_status ? badge("card", e.card_status) : "—"}
                ${e.residence_expiry
                  ? html` · ${t("firm.residence")}: <span class=${soon(e.residence_expiry) ? "warn" : ""}>${formatDate(e.residence_expiry)}
                      ${soon(e.residence_expiry) ? html`(${t("firm.residence_soon")})` : nothing}</span>`
                  : nothing}
              </div>
            </li>`)}
          </ul>`
        : html`<p>${filtered ? t("emp.none_found") : t("firm.no_employees")}</p>`}
    </section>`,
  };
}
