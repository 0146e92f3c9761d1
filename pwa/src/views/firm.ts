// The firm portal: business data with the registration fee band, employees and their registration status,
// 管理者ID / 現場管理者ID. Sites are in sites.ts, 経審 in keishin.ts, reports and API連携 in reports.ts.

import { html, nothing } from "lit-html";
import { get, session } from "../api";
import { flash, update, View } from "../app";
import { formatDate, formatDateTime, formatYen, t, tr } from "../i18n";
import { industryName, prefectureName } from "../masters";
import type { Account, Business, TechnicianSummary } from "../types";
import { firmTabs } from "./firm-tabs";
import { Forms, send } from "../forms";
import { badge, dl, errorSummary, field } from "../ui";
import { loginIdText } from "../loginid";

function businessPk(): number {
  const pk = session.me?.business_pk;
  if (!pk) throw new Error("no business");
  return pk;
}

export async function businessView(): Promise<View> {
  const pk = businessPk();
  let [biz, employees] = await Promise.all([get<Business>(`/businesses/${pk}`), get<TechnicianSummary[]>(`/businesses/${pk}/employees`)]);
  const counts = () => {
    const c: Record<string, number> = {};
    for (const e of employees) c[e.status] = (c[e.status] ?? 0) + 1;
    return c;
  };
  return {
    title: () => `${t("firm.title")} — ${biz.name}`,
    refresh: async () => {
      [biz, employees] = await Promise.all([get<Business>(`/businesses/${pk}`), get<TechnicianSummary[]>(`/businesses/${pk}/employees`)]);
      update();
    },
    render: () => html`<section>
      <h1 tabindex="-1">${t("firm.title")} <span class="sub">${biz.name}</span></h1>
      ${firmTabs("/firm")}
      ${biz.status !== "approved" ? html`<p class="notice info">${t("biz.under_review")}</p>` : nothing}
      <section class="card" aria-labelledby="biz-h">
        <h2 id="biz-h">${biz.name}</h2>
        ${dl([
          [t("firm.business_id"), html`<span class="mono" data-testid="business-id">${biz.business_id}</span>`],
          [t("firm.status"), badge("status", biz.status)],
          [t("f.name_kana"), biz.name_kana],
          [t("f.corporate_number"), biz.corporate_number ?? "—"],
          [t("f.capital_yen"), biz.capital_yen != null ? formatYen(biz.capital_yen) : "—"],
          [t("firm.sole_proprietor"), biz.sole_proprietor ? "✓" : "—"],
          [t("f.permitted_industries"), biz.permitted_industries.map((c) => `${industryName(c)} (${c})`).join("、") || "—"],
          [t("f.address"), `〒${biz.postal_code} ${prefectureName(biz.prefecture)} ${biz.address}`],
          [t("f.phone"), biz.phone],
          [t("f.email"), biz.email],
        ])}
      </section>
      <section class="card" aria-labelledby="fee-h">
        <h2 id="fee-h">${t("firm.fee")}</h2>
        ${dl([
          [t("firm.fee_band"), tr("band", biz.registration_fee.band)],
          [t("firm.fee_amount"), html`<strong data-testid="fee-amount">${formatYen(biz.registration_fee.amount_yen)}</strong>`],
          [t("firm.fee_on"), formatDate(biz.registration_fee.on)],
        ])}
      </section>
      <section class="card" aria-labelledby="emp-h">
        <h2 id="emp-h">${t("firm.employees")}</h2>
        <p>${Object.entries(counts()).map(([s, n]) => html`${badge("status", s)} ${n} `)}</p>
        <p><a href="/firm/employees">${t("nav.employees")} (${employees.length})</a></p>
      </section>
    </section>`,
  };
}


export { employeesView } from "./firm-employees";

export async function accountsView(): Promise<View> {
  const pk = businessPk();
  let accounts = await get<Account[]>(`/businesses/${pk}/accounts`);
  const forms = new Forms(); // "admin-" and "site-"
  const myTier = session.me?.admin_tier ?? 0;

  async function reload() {
    accounts = await get<Account[]>(`/businesses/${pk}/accounts`);
    update();
  }

  function onAdd(kind: "admins" | "site-managers") {
    return async (ev: Event) => {
      ev.preventDefault();
      const form = ev.target as HTMLFormElement;
      const fd = new FormData(form);
      const body: Record<string, unknown> = {
        password: String(fd.get("password") || ""),
        display_name: String(fd.get("display_name") || "").trim(),
      };
      const email = String(fd.get("email") || "").trim();
      if (email) body.email = email;
      if (kind === "admins") body.tier = Number(fd.get("tier") || myTier + 1);
      const label = kind === "admins"
        ? { ja: `管理者IDの追加（${body.display_name}）`, en: `New admin ID (${body.display_name})` }
        : { ja: `現場管理者IDの追加（${body.display_name}）`, en: `New site-manager ID (${body.display_name})` };
      const sent = await send<Account>(forms, kind === "admins" ? "admin-" : "site-", label, { method: "POST", path: `/businesses/${pk}/${kind}`, json: body });
      if (sent.state === "failed") return;
      form.reset();
      if (sent.state === "done") {
        await reload();
        // The system assigned the login ID: the admin hands it over with the password they chose.
        flash(t("firm.added", { login: loginIdText(sent.result.login), name: String(body.display_name) }));
      }
    };
  }

  const tiers = [1, 2, 3].filter((n) => n > myTier);
  const subForm = (kind: "admins" | "site-managers") => {
    const prefix = kind === "admins" ? "admin-" : "site-";
    const st = forms.get(prefix);
    return html`
    ${errorSummary(st, ["password", "display_name", "email", "tier"], prefix)}
    <form @submit=${onAdd(kind)} novalidate>
      ${field({ name: "display_name", required: true, errors: st.errors, prefix })}
      ${field({ name: "password", type: "password", required: true, autocomplete: "new-password", errors: st.errors, prefix })}
      ${field({ name: "email", type: "email", errors: st.errors, prefix })}
      ${kind === "admins"
        ? field({ name: "tier", options: tiers.map((n) => [String(n), String(n)]), value: String(tiers[0] ?? ""), required: true, errors: st.errors, prefix })
        : nothing}
      <button type="submit" ?disabled=${st.busy}>${kind === "admins" ? t("firm.add_admin") : t("firm.add_site_manager")}</button>
    </form>`;
  };

  return {
    title: () => t("firm.accounts"),
    refresh: reload,
    render: () => html`<section>
      <h1 tabindex="-1">${t("firm.accounts")}</h1>
      ${firmTabs("/firm/accounts")}
      <ul class="list accounts" data-testid="accounts">
        ${accounts.map((a) => html`<li>
          <strong>${a.display_name}</strong> <span class="mono">${loginIdText(a.login)}</span>
          <span class="badge">${tr("role", a.role)}${a.admin_tier != null ? ` · ${t("firm.tier_label")} ${a.admin_tier}` : ""}</span>
        </li>`)}
      </ul>
      <div class="grid2 wide">
        ${tiers.length
          ? html`<section class="card" aria-labelledby="add-admin-h" id="add-admin">
              <h2 id="add-admin-h">${t("firm.add_admin")}</h2>
              <p class="hint">${t("firm.add_admin_note")}</p>
              ${subForm("admins")}
            </section>`
          : nothing}
        <section class="card" aria-labelledby="add-site-h" id="add-site-manager">
          <h2 id="add-site-h">${t("firm.add_site_manager")}</h2>
          <p class="hint">${t("firm.add_site_manager_note")}</p>
          ${subForm("site-managers")}
        </section>
      </div>
    </section>`,
  };
}

export { firmTabs, formatDateTime };
