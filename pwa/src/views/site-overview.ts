// A site's overview: its data and the contract tree (施工体制): invite or register the next tier by proxy, enter a
// missing upper tier, accept or decline an invitation, change the site's data.

import { html, nothing, TemplateResult } from "lit-html";
import { get } from "../api";
import { flash } from "../app";
import { Forms, send, values } from "../forms";
import { formatDate, t, tr } from "../i18n";
import type { Account, Contract } from "../types";
import { badge, checkbox, dl, errorSummary, field, requiredErrors } from "../ui";
import { myBusiness, isAdmin, type SiteData, type Page, manages, tierLabel, businessName } from "./site-common";

// --- overview and the contract tree ------------------------------------------------------------------------------

export async function overviewPage(first: SiteData, forms: Forms, cur: () => SiteData, set: (d: SiteData) => void): Promise<Page> {
  const me = myBusiness();
  let managers: Account[] = [];
  if (isAdmin() && me === first.site.prime_pk) {
    managers = await get<Account[]>(`/businesses/${me}/accounts`).catch(() => [] as Account[]);
  }

  /** Contracts I may invite under: my own approved one, the prime's when I run the site, and a placeholder I act
   * for (the prime's side, or the firm directly above it). */
  function parents(d: SiteData): Contract[] {
    return d.contracts.filter((c) => c.status === "approved"
      && ((isAdmin() && c.business_pk === me) || (c.tier === 0 && manages(d.site)) || actsFor(d, c)));
  }

  function actsFor(d: SiteData, c: Contract): boolean {
    if (!c.placeholder) return false;
    const above = d.contracts.find((x) => x.id === c.parent_id);
    return manages(d.site) || (isAdmin() && above?.business_pk === me);
  }

  /** Contracts a missing firm may be entered under: any approved one when I run the site, else my own (and the
   * placeholders I act for). */
  function placeholderParents(d: SiteData): Contract[] {
    return d.contracts.filter((c) => c.status === "approved"
      && (manages(d.site) || (isAdmin() && c.business_pk === me) || actsFor(d, c)));
  }

  async function onPlaceholder(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    if (Object.keys(errors).length) return forms.invalid("ph-", errors);
    const body = { name: v("name"), corporate_number: v("corporate_number"), parent_contract_id: Number(v("parent_contract_id")) };
    const sent = await send<Contract[]>(forms, "ph-", { ja: `未登録の会社の仮登録（${body.name}）`, en: `Missing firm (${body.name})` },
      { method: "POST", path: `/sites/${cur().site.id}/contracts/placeholders`, json: body });
    if (sent.state === "failed") return;
    form.reset();
    if (sent.state === "done") {
      set({ ...cur(), contracts: sent.result });
      flash(t("ph.added", { name: body.name }));
    }
  }

  function placeholderForm(d: SiteData): TemplateResult | typeof nothing {
    const options = placeholderParents(d);
    if (!options.length) return nothing;
    const st = forms.get("ph-");
    return html`<section class="card" aria-labelledby="ph-h" id="placeholder">
      <h2 id="ph-h">${t("ph.title")}</h2>
      <p class="hint">${t("ph.intro")}</p>
      ${errorSummary(st, ["name", "corporate_number", "parent_contract_id"], "ph-")}
      <form @submit=${onPlaceholder} novalidate data-testid="placeholder-form">
        ${field({ name: "name", prefix: "ph-", label: t("ph.name"), required: true, maxlength: 200, errors: st.errors })}
        ${field({ name: "corporate_number", prefix: "ph-", label: t("ph.corporate_number"), required: true, maxlength: 40, hint: t("ph.corporate_number_hint"), errors: st.errors })}
        ${field({ name: "parent_contract_id", prefix: "ph-", label: t("ph.parent"), required: true, value: String(options[0].id),
          options: options.map((c) => [String(c.id), `${c.business_name}（${tierLabel(c.tier)}）`]), errors: st.errors })}
        <button type="submit" ?disabled=${st.busy}>${t("ph.submit")}</button>
      </form>
    </section>`;
  }

  async function onInvite(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    if (Object.keys(errors).length) return forms.invalid("inv-", errors);
    const proxy = new FormData(form).get("proxy") === "true";
    const body = { business_id: v("business_id"), parent_contract_id: Number(v("parent_contract_id")), proxy };
    const sent = await send<Contract[]>(forms, "inv-", { ja: `下位の会社の招待（${body.business_id}）`, en: `Invitation (${body.business_id})` },
      { method: "POST", path: `/sites/${cur().site.id}/contracts`, json: body });
    if (sent.state === "failed") return;
    form.reset();
    if (sent.state === "done") {
      set({ ...cur(), contracts: sent.result });
      flash(proxy ? t("contract.registered") : t("contract.invited"));
    }
  }

  async function decide(c: Contract, approve: boolean) {
    const key = `dec-${c.id}-`;
    const sent = await send<Contract[]>(forms, key,
      approve ? { ja: `招待の承諾（${cur().site.name}）`, en: `Accept invitation (${cur().site.name})` }
        : { ja: `招待の辞退（${cur().site.name}）`, en: `Decline invitation (${cur().site.name})` },
      { method: "POST", path: `/sites/${cur().site.id}/contracts/${c.id}/${approve ? "approve" : "decline"}` });
    if (sent.state === "done") {
      set({ ...cur(), contracts: sent.result });
      flash(approve ? t("contract.accepted") : t("contract.declined"));
    }
  }

  function node(d: SiteData, c: Contract): TemplateResult {
    const children = d.contracts.filter((x) => x.parent_id === c.id);
    const mine = isAdmin() && c.business_pk === me;
    const st = forms.get(`dec-${c.id}-`);
    return html`<li data-contract=${c.id}>
      <div class="node">
        <span class="badge">${tierLabel(c.tier)}</span>
        <strong>${c.business_name}</strong>
        ${badge("cstatus", c.status)}
        ${c.placeholder ? html`<span class="badge badge-submitted" data-testid="placeholder">${t("ph.badge")}</span>`
          : c.proxy ? html`<span class="badge">${t("contract.proxy")}</span>` : nothing}
        ${c.placeholder
          ? html`<div class="meta">${t("ph.number")}: <span class="mono">${c.corporate_number}</span></div>`
          : html`<div class="meta">${t("firm.business_id")}: <span class="mono">${c.business_id}</span></div>`}
        ${mine && c.status === "invited"
          ? html`${errorSummary(st, [], `dec-${c.id}-`)}
            <div class="actions">
              <button type="button" class="primary" data-testid="accept-invitation" ?disabled=${st.busy} @click=${() => decide(c, true)}>${t("contract.accept")}</button>
              <button type="button" class="danger" ?disabled=${st.busy} @click=${() => decide(c, false)}>${t("contract.decline")}</button>
            </div>`
          : nothing}
      </div>
      ${children.length ? html`<ul>${children.map((x) => node(d, x))}</ul>` : nothing}
    </li>`;
  }

  function inviteForm(d: SiteData): TemplateResult | typeof nothing {
    const options = parents(d);
    if (!options.length || !(isAdmin() || manages(d.site))) return nothing;
    const st = forms.get("inv-");
    return html`<section class="card" aria-labelledby="invite-h" id="invite">
      <h2 id="invite-h">${t("contract.invite_title")}</h2>
      <p class="hint">${t("contract.invite_intro")}</p>
      ${errorSummary(st, ["business_id", "parent_contract_id"], "inv-")}
      <form @submit=${onInvite} novalidate>
        ${field({ name: "business_id", prefix: "inv-", label: t("contract.business_id"), required: true, inputmode: "numeric", maxlength: 14, pattern: "\\d{14}", hint: t("contract.business_id_hint"), errors: st.errors })}
        ${field({ name: "parent_contract_id", prefix: "inv-", label: t("contract.parent"), required: true, value: String(options[0].id),
          options: options.map((c) => [String(c.id), `${c.business_name}（${tierLabel(c.tier)}）`]), errors: st.errors })}
        ${checkbox({ name: "proxy", label: t("contract.proxy_label"), hint: t("contract.proxy_hint"), checked: false, errors: st.errors })}
        <button type="submit" class="primary" ?disabled=${st.busy}>${t("contract.invite")}</button>
      </form>
    </section>`;
  }

  return {
    reload: async (d) => {
      set(d);
    },
    render: () => {
      const d = cur();
      const s = d.site;
      const names = s.manager_account_ids.map((id) => managers.find((a) => a.id === id)?.display_name ?? t("who.unknown"));
      const roots = d.contracts.filter((c) => c.parent_id == null);
      return html`
        <section class="card" aria-labelledby="site-h">
          <h2 id="site-h">${t("site.data")}</h2>
          ${dl([
            [t("sites.site_id"), html`<span class="mono" data-testid="site-id">${s.site_id}</span>`],
            [t("sites.address"), s.address],
            [t("sites.order_type"), tr("order", s.order_type)],
            [t("sites.window"), `${formatDate(s.window_start)} – ${formatDate(s.window_end)}`],
            [t("sites.shift_hours"), t("sites.shift_hours_value", { n: s.shift_hours })],
            [t("sites.cutoff_hour"), t("sites.cutoff_value", { n: s.cutoff_hour })],
            [t("sites.hazardous"), s.hazardous ? "✓" : "—"],
            [t("sites.managers"), names.join("、") || "—"],
            [t("sites.prime"), businessName(d, s.prime_pk)],
          ])}
        </section>
        <section class="card" aria-labelledby="tree-h">
          <h2 id="tree-h">${t("contract.tree")}</h2>
          <ul class="tree" data-testid="contract-tree">${roots.map((c) => node(d, c))}</ul>
        </section>
        ${inviteForm(d)}
        ${placeholderForm(d)}`;
    },
  };
}
