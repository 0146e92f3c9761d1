// Sites in the firm portal: the list and a new site (現場・契約情報), and one site in tabs — the contract tree
// (施工体制: invite or register the next tier by proxy, accept or decline an invitation), the roster (作業員名簿:
// trade, position, work content, active), card readers and face kiosks (the one-time enrolment code, rotate,
// revoke), the day's work records and rejected taps, direct-input approvals and the 作業員名簿 download.
//
// The prime's 管理者ID runs its sites; a 現場管理者ID runs the sites it is assigned to; a subcontractor's 管理者ID
// sees the sites it is invited to, answers the invitation, invites its own next tier and puts its technicians on
// the roster. The API decides; these pages only offer what the API allows the account.

import { html, nothing, TemplateResult } from "lit-html";
import { get } from "../api";
import { navigate, update, View } from "../app";
import { Forms, send, todayJst, values } from "../forms";
import { formatDate, t, tr } from "../i18n";
import type { Account, Contract, Site } from "../types";
import { checkbox, errorSummary, field, requiredErrors } from "../ui";
import { facePage } from "./face";
import { firmTabs } from "./firm-tabs";
import { phonePage } from "./phone";
import { kentaikyoCandidatesPage } from "./site-kentaikyo";
import { myBusiness, isAdmin, type SiteTab, loadSite, type SiteData, siteHeader } from "./site-common";
import { overviewPage } from "./site-overview";
import { rosterPage } from "./site-roster";
import { devicesPage } from "./site-devices";
import { recordsPage, directPage, reportsPage } from "./site-records";

// --- the list and a new site ----------------------------------------------------------------------------------

// The site's shift length, as the API bounds it (api/sites/schemas.py: 4–36 h, default 24).
const SHIFT_MIN = 4;
const SHIFT_MAX = 36;
const SHIFT_DEFAULT = 24;

export async function sitesView(): Promise<View> {
  const forms = new Forms();
  const me = myBusiness();
  let sites: Site[] = [];
  let managers: Account[] = [];
  let invites = new Map<number, Contract>(); // site → my open invitation

  async function load() {
    sites = await get<Site[]>("/sites");
    if (isAdmin() && me) {
      managers = (await get<Account[]>(`/businesses/${me}/accounts`).catch(() => [] as Account[])).filter((a) => a.role === "site_manager");
      // Sites where my business is a subcontractor: is an invitation waiting for an answer?
      const others = sites.filter((s) => s.prime_pk !== me).slice(0, 30);
      const trees = await Promise.all(others.map((s) => get<Contract[]>(`/sites/${s.id}/contracts`).catch(() => [] as Contract[])));
      invites = new Map();
      others.forEach((s, i) => {
        const mine = trees[i].find((c) => c.business_pk === me && c.status === "invited");
        if (mine) invites.set(s.id, mine);
      });
    }
  }
  await load();

  async function onCreate(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    const shift = Number(v("shift_hours") || SHIFT_DEFAULT);
    if (!Number.isInteger(shift) || shift < SHIFT_MIN || shift > SHIFT_MAX)
      errors.shift_hours = t("sites.shift_hours_range", { min: SHIFT_MIN, max: SHIFT_MAX });
    if (Object.keys(errors).length) return forms.invalid("site-", errors);
    const body = {
      name: v("name"),
      address: v("address"),
      order_type: v("order_type"),
      window_start: v("window_start"),
      window_end: v("window_end"),
      cutoff_hour: Number(v("cutoff_hour") || 0),
      shift_hours: shift,
      hazardous: new FormData(form).get("hazardous") === "true",
      manager_account_ids: new FormData(form).getAll("manager").map(Number),
    };
    const sent = await send<Site>(forms, "site-", { ja: `現場の登録（${body.name}）`, en: `New site (${body.name})` },
      { method: "POST", path: "/sites", json: body });
    if (sent.state === "done") {
      await navigate(`/firm/sites/${sent.result.id}`, { flash: { kind: "ok", text: t("sites.created", { id: sent.result.site_id }) } });
    } else if (sent.state === "queued") form.reset();
  }

  function createForm(): TemplateResult {
    const st = forms.get("site-");
    const today = todayJst();
    return html`<section class="card" aria-labelledby="new-site-h" id="new-site">
      <h2 id="new-site-h">${t("sites.new")}</h2>
      <p class="hint">${t("sites.new_intro")}</p>
      ${errorSummary(st, ["name", "address", "order_type", "window_start", "window_end", "shift_hours", "cutoff_hour", "manager_account_ids"], "site-")}
      <form @submit=${onCreate} novalidate>
        ${field({ name: "name", prefix: "site-", label: t("sites.name"), required: true, maxlength: 200, errors: st.errors })}
        ${field({ name: "address", prefix: "site-", label: t("sites.address"), required: true, maxlength: 200, errors: st.errors })}
        ${field({ name: "order_type", prefix: "site-", label: t("sites.order_type"), required: true, value: "private",
          options: [["public", t("order.public")], ["private", t("order.private")]], errors: st.errors })}
        <div class="grid2">
          ${field({ name: "window_start", prefix: "site-", label: t("sites.window_start"), type: "date", required: true, value: today, hint: t("sites.window_hint"), errors: st.errors })}
          ${field({ name: "window_end", prefix: "site-", label: t("sites.window_end"), type: "date", required: true, errors: st.errors })}
        </div>
        ${field({ name: "shift_hours", prefix: "site-", label: t("sites.shift_hours"), type: "number", value: SHIFT_DEFAULT,
          inputmode: "numeric", min: SHIFT_MIN, max: SHIFT_MAX, hint: t("sites.shift_hours_hint"), errors: st.errors })}
        ${field({ name: "cutoff_hour", prefix: "site-", label: t("sites.cutoff_hour"), type: "number", value: 0, inputmode: "numeric", hint: t("sites.cutoff_hint"), errors: st.errors })}
        ${checkbox({ name: "hazardous", label: t("sites.hazardous"), checked: false, errors: st.errors })}
        <fieldset id="f-site-manager_account_ids" tabindex="-1">
          <legend>${t("sites.managers")}</legend>
          ${managers.length
            ? managers.map((a) => html`<div class="field check">
                <input type="checkbox" id="f-manager-${a.id}" name="manager" value=${a.id} />
                <label for="f-manager-${a.id}">${a.display_name} <span class="mono">${a.login}</span></label>
              </div>`)
            : html`<p class="hint">${t("sites.no_managers")} <a href="/firm/accounts#add-site-manager">${t("firm.add_site_manager")}</a></p>`}
          ${st.errors.manager_account_ids ? html`<p class="field-error">${st.errors.manager_account_ids}</p>` : nothing}
        </fieldset>
        <button type="submit" class="primary" ?disabled=${st.busy}>${t("sites.create")}</button>
      </form>
    </section>`;
  }

  return {
    title: () => t("sites.title"),
    refresh: async () => {
      await load();
      update();
    },
    render: () => html`<section>
      <h1 tabindex="-1">${t("sites.title")}</h1>
      ${firmTabs("/firm/sites")}
      ${sites.length
        ? html`<ul class="list sites" data-testid="sites">
            ${sites.map((s) => html`<li>
              <div class="row-head">
                <a href="/firm/sites/${s.id}"><strong>${s.name}</strong></a>
                <span class="badge">${s.prime_pk === me ? t("sites.prime") : t("sites.sub")}</span>
                <span class="badge">${tr("order", s.order_type)}</span>
                ${invites.has(s.id) ? html`<span class="badge badge-submitted">${t("contract.invited_you")}</span>` : nothing}
              </div>
              <div class="meta">${t("sites.site_id")}: <span class="mono">${s.site_id}</span> · ${s.address}
                · ${t("sites.window")}: ${formatDate(s.window_start)} – ${formatDate(s.window_end)}</div>
            </li>`)}
          </ul>`
        : html`<p>${t("sites.none")}</p>`}
      ${isAdmin() ? createForm() : nothing}
    </section>`,
  };
}

const siteTitles: Record<SiteTab, () => string> = {
  overview: () => t("site.tab_overview"),
  roster: () => t("site.tab_roster"),
  devices: () => t("site.tab_devices"),
  records: () => t("site.tab_records"),
  direct: () => t("site.tab_direct"),
  reports: () => t("site.tab_reports"),
  face: () => t("site.tab_face"),
  phone: () => t("site.tab_phone"),
  kentaikyo: () => t("site.tab_kentaikyo"),
};

export async function siteView(pk: number, tab: SiteTab, query: URLSearchParams): Promise<View> {
  let d = await loadSite(pk);
  const forms = new Forms();
  const page = await (tab === "overview" ? overviewPage(d, forms, () => d, (x) => (d = x))
    : tab === "roster" ? rosterPage(d, forms)
      : tab === "devices" ? devicesPage(d, forms)
        : tab === "records" ? recordsPage(d, query)
          : tab === "direct" ? directPage(d, forms, query)
            : tab === "face" ? facePage(d.site, query).then((fp) => ({ render: fp.render, reload: (x: SiteData) => fp.reload(x.site) }))
              : tab === "phone" ? phonePage(d.site).then((pp) => ({ render: pp.render, reload: (x: SiteData) => pp.reload(x.site) }))
              : tab === "kentaikyo" ? kentaikyoCandidatesPage(d.site, query).then((kp) => ({ render: kp.render, reload: (x: SiteData) => kp.reload(x.site) }))
              : reportsPage(d, forms));
  return {
    title: () => `${siteTitles[tab]()} — ${d.site.name}`,
    refresh: async () => {
      d = await loadSite(pk);
      await page.reload(d);
      update();
    },
    render: () => html`<section>
      ${siteHeader(d, tab, siteTitles[tab]())}
      ${page.render()}
    </section>`,
  };
}
