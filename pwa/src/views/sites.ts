// Sites in the firm portal: the list and a new site (現場・契約情報), and one site in tabs — the contract tree
// (施工体制: invite or register the next tier by proxy, accept or decline an invitation), the roster (作業員名簿:
// trade, position, work content, active), card readers and face kiosks (the one-time enrolment code, rotate,
// revoke), the day's work records and rejected taps, direct-input approvals and the 作業員名簿 download.
//
// The prime's 管理者ID runs its sites; a 現場管理者ID runs the sites it is assigned to; a subcontractor's 管理者ID
// sees the sites it is invited to, answers the invitation, invites its own next tier and puts its technicians on
// the roster. The API decides; these pages only offer what the API allows the account.

import { html, nothing, TemplateResult } from "lit-html";
import { api, get, NetworkError, session } from "../api";
import { flash, navigate, update, View } from "../app";
import { download, Forms, send, timeJst, todayJst, values } from "../forms";
import { formatDate, formatDateTime, t, tr } from "../i18n";
import { trades, tradeName } from "../masters";
import type { Account, Contract, Device, DeviceCreated, DirectInput, RosterEntry, Site, Tap, TechnicianSummary, WorkRecord } from "../types";
import { badge, checkbox, dl, errorSummary, field, requiredErrors } from "../ui";
import { facePage } from "./face";
import { firmTabs } from "./firm-tabs";
import { phonePage } from "./phone";
import { kentaikyoCandidatesPage } from "./site-kentaikyo";

const POSITIONS = ["foreman", "team_leader", "worker", "apprentice"] as const;

const positionOptions = (): [string, string][] => POSITIONS.map((p) => [p, tr("position", p)]);
const tradeOptions = (): [string, string][] => trades.map((x) => [x.code, `${tradeName(x.code)} (${x.code})`]);

function myBusiness(): number | null {
  return session.me?.business_pk ?? null;
}

function isAdmin(): boolean {
  return session.me?.role === "business_admin";
}

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

// --- one site ---------------------------------------------------------------------------------------------------

export type SiteTab = "overview" | "roster" | "devices" | "records" | "direct" | "reports" | "face" | "phone" | "kentaikyo";

interface SiteData {
  site: Site;
  contracts: Contract[];
}

async function loadSite(pk: number): Promise<SiteData> {
  const [site, contracts] = await Promise.all([get<Site>(`/sites/${pk}`), get<Contract[]>(`/sites/${pk}/contracts`)]);
  return { site, contracts };
}

/** The prime's admins and the site's own 現場管理者ID run the site (approve direct input, see everything). */
function manages(site: Site): boolean {
  const me = session.me;
  if (!me) return false;
  if (me.role === "business_admin") return me.business_pk === site.prime_pk;
  if (me.role === "site_manager") return site.manager_account_ids.includes(me.id);
  return me.role === "operator";
}

function siteTabs(site: Site, tab: SiteTab): TemplateResult {
  const base = `/firm/sites/${site.id}`;
  const items: [SiteTab, string, string][] = [
    ["overview", base, t("site.tab_overview")],
    ["roster", `${base}/roster`, t("site.tab_roster")],
    ["devices", `${base}/devices`, t("site.tab_devices")],
    ["records", `${base}/records`, t("site.tab_records")],
  ];
  if (manages(site) && session.me?.role !== "operator") items.push(["direct", `${base}/direct-inputs`, t("site.tab_direct")]);
  items.push(["reports", `${base}/reports`, t("site.tab_reports")]);
  if (manages(site) && session.me?.role !== "operator") items.push(["face", `${base}/face`, t("site.tab_face")]);
  if (manages(site) && session.me?.role !== "operator") items.push(["phone", `${base}/phone`, t("site.tab_phone")]);
  if (manages(site) && session.me?.role !== "operator") items.push(["kentaikyo", `${base}/kentaikyo`, t("site.tab_kentaikyo")]);
  return html`<nav class="tabs" aria-label=${t("site.tabs")}>
    ${items.map(([k, href, text]) => html`<a href=${href} aria-current=${k === tab ? "page" : "false"}>${text}</a>`)}
  </nav>`;
}

function siteHeader(d: SiteData, tab: SiteTab, heading: string): TemplateResult {
  return html`<h1 tabindex="-1">${heading} <span class="sub">${d.site.name}（${t("sites.site_id")} <span class="mono">${d.site.site_id}</span>）</span></h1>
    <p><a href="/firm/sites">← ${t("sites.back")}</a></p>
    ${siteTabs(d.site, tab)}`;
}

function tierLabel(tier: number): string {
  return tier === 0 ? t("contract.prime") : t("contract.tier_n", { n: tier });
}

function businessName(d: SiteData, pk: number | null): string {
  if (pk == null) return "—";
  return d.contracts.find((c) => c.business_pk === pk)?.business_name ?? `#${pk}`;
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

interface Page {
  render(): TemplateResult;
  reload(d: SiteData): Promise<void>;
}

// --- overview and the contract tree ------------------------------------------------------------------------------

async function overviewPage(first: SiteData, forms: Forms, cur: () => SiteData, set: (d: SiteData) => void): Promise<Page> {
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

// --- the roster -------------------------------------------------------------------------------------------------

async function rosterPage(first: SiteData, forms: Forms): Promise<Page> {
  const me = myBusiness();
  let d = first;
  let roster = await get<RosterEntry[]>(`/sites/${d.site.id}/roster`);
  const inTree = () => isAdmin() && d.contracts.some((c) => c.business_pk === me && c.status === "approved");
  let employees: TechnicianSummary[] = [];
  // The picker asks the server (approved employees, searched by name or ID): a firm of hundreds narrows it by typing.
  let pickerQ = "";
  let pickerTimer: number | undefined;
  const loadEmployees = async () => {
    if (!isAdmin() || !me) return;
    const qs = new URLSearchParams({ status: "approved" });
    if (pickerQ) qs.set("q", pickerQ);
    employees = (await get<TechnicianSummary[]>(`/businesses/${me}/employees?${qs}`).catch(() => [] as TechnicianSummary[]))
      .filter((e) => e.technician_id);
  };
  await loadEmployees();
  const onPickerInput = (ev: Event) => {
    pickerQ = (ev.target as HTMLInputElement).value.trim();
    clearTimeout(pickerTimer);
    pickerTimer = window.setTimeout(() => void loadEmployees().then(update), 300);
  };

  async function onAdd(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    if (Object.keys(errors).length) return forms.invalid("ros-", errors);
    const body = { technician_id: v("technician_id"), trade: v("trade"), position: v("position"), work_content: v("work_content") || null };
    const who = employees.find((e) => e.technician_id === body.technician_id)?.name ?? body.technician_id;
    const sent = await send<RosterEntry[]>(forms, "ros-", { ja: `作業員名簿への登録（${who}）`, en: `Roster entry (${who})` },
      { method: "POST", path: `/sites/${d.site.id}/roster`, json: body });
    if (sent.state === "failed") return;
    form.reset();
    if (sent.state === "done") {
      roster = sent.result;
      flash(t("roster.added", { name: who }));
    }
  }

  async function onEdit(ev: SubmitEvent, e: RosterEntry) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const key = `re-${e.id}-`;
    const body = {
      trade: v("trade"), position: v("position"), work_content: v("work_content") || null,
      active: new FormData(form).get(`active-${e.id}`) === "true",
    };
    const sent = await send<RosterEntry[]>(forms, key, { ja: `作業員名簿の変更（${e.name}）`, en: `Roster change (${e.name})` },
      { method: "PATCH", path: `/sites/${d.site.id}/roster/${e.id}`, json: body });
    if (sent.state === "done") {
      roster = sent.result;
      flash(t("roster.saved", { name: e.name }));
    }
  }

  function entry(e: RosterEntry): TemplateResult {
    const mine = isAdmin() && e.employer_pk === me;
    const key = `re-${e.id}-`;
    const st = forms.get(key);
    return html`<li data-roster=${e.id}>
      <div class="row-head">
        <strong>${e.name}</strong>
        <span class="badge">${tr("position", e.position)}</span>
        ${e.active ? html`<span class="badge badge-active">${t("roster.active")}</span>` : html`<span class="badge">${t("roster.inactive")}</span>`}
      </div>
      <div class="meta">${t("f.technician_id")}: <span class="mono">${e.technician_id}</span> · ${tradeName(e.trade)}
        · ${businessName(d, e.employer_pk)}${e.work_content ? html` · ${e.work_content}` : nothing}</div>
      ${mine
        ? html`<details>
            <summary>${t("roster.edit", { name: e.name })}</summary>
            ${errorSummary(st, ["trade", "position", "work_content"], key)}
            <form @submit=${(ev: SubmitEvent) => onEdit(ev, e)} novalidate>
              <div class="grid3">
                ${field({ name: "trade", prefix: key, label: t("roster.trade"), value: e.trade, options: tradeOptions(), required: true, errors: st.errors })}
                ${field({ name: "position", prefix: key, label: t("roster.position"), value: e.position, options: positionOptions(), required: true, errors: st.errors })}
                ${field({ name: "work_content", prefix: key, label: t("roster.work_content"), value: e.work_content ?? "", maxlength: 200, errors: st.errors })}
              </div>
              ${checkbox({ name: `active-${e.id}`, label: t("roster.active_label"), checked: e.active, errors: st.errors })}
              <button type="submit" ?disabled=${st.busy}>${t("me.save")}</button>
            </form>
          </details>`
        : nothing}
    </li>`;
  }

  function addForm(): TemplateResult | typeof nothing {
    if (!isAdmin()) return nothing;
    if (!inTree()) return html`<p class="notice info">${t("roster.not_in_tree")}</p>`;
    const st = forms.get("ros-");
    const onRoster = new Set(roster.map((r) => r.technician_id));
    const choices = employees.filter((e) => !onRoster.has(e.technician_id!));
    return html`<section class="card" aria-labelledby="ros-h" id="add-roster">
      <h2 id="ros-h">${t("roster.add")}</h2>
      <div class="field"><label for="f-ros-find">${t("roster.find")}</label>
        <input id="f-ros-find" type="search" maxlength="100" .value=${pickerQ} @input=${onPickerInput} data-testid="roster-find" /></div>
      ${choices.length
        ? html`${errorSummary(st, ["technician_id", "trade", "position", "work_content"], "ros-")}
          <form @submit=${onAdd} novalidate>
            ${field({ name: "technician_id", prefix: "ros-", label: t("roster.technician"), required: true,
              options: choices.map((e) => [e.technician_id!, `${e.name}（${e.technician_id}）`]), errors: st.errors })}
            <div class="grid2">
              ${field({ name: "trade", prefix: "ros-", label: t("roster.trade"), required: true, options: tradeOptions(), errors: st.errors })}
              ${field({ name: "position", prefix: "ros-", label: t("roster.position"), required: true, value: "worker", options: positionOptions(), errors: st.errors })}
            </div>
            ${field({ name: "work_content", prefix: "ros-", label: t("roster.work_content"), maxlength: 200, hint: t("roster.work_content_hint"), errors: st.errors })}
            <button type="submit" class="primary" ?disabled=${st.busy}>${t("roster.add")}</button>
          </form>`
        : html`<p>${t("roster.no_choices")}</p>`}
    </section>`;
  }

  return {
    reload: async (x) => {
      d = x;
      roster = await get<RosterEntry[]>(`/sites/${d.site.id}/roster`);
    },
    render: () => html`
      ${roster.length
        ? html`<ul class="list roster" data-testid="roster">${roster.map(entry)}</ul>`
        : html`<p>${t("roster.none")}</p>`}
      ${addForm()}`,
  };
}

// --- devices ----------------------------------------------------------------------------------------------------

async function devicesPage(first: SiteData, forms: Forms): Promise<Page> {
  let d = first;
  let devices = await get<Device[]>(`/sites/${d.site.id}/devices`);
  let shown: { name: string; code: string; kiosk: boolean } | null = null; // the one-time code, until the page is left
  const confirming = new Set<number>();
  const canRun = () => manages(d.site) && session.me?.role !== "operator";

  async function reload() {
    devices = await get<Device[]>(`/sites/${d.site.id}/devices`);
  }

  /** Device codes are shown once: these requests need a connection and are never queued. */
  async function direct<T>(key: string, method: string, path: string, json?: unknown): Promise<T | null> {
    const sent = await forms.run(key, () => api<T>(method, path, { json }),
      { needsConnection: t("devices.offline"), offline: t("devices.offline") });
    return sent.state === "done" ? sent.result : null;
  }

  function showCode(out: DeviceCreated) {
    shown = { name: out.device.name, code: out.enrolment_code, kiosk: out.device.kind === "kiosk" };
    update();
    requestAnimationFrame(() => document.getElementById("enrol-code")?.focus());
  }

  async function onAdd(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    if (Object.keys(errors).length) return forms.invalid("dev-", errors);
    const out = await direct<DeviceCreated>("dev-", "POST", `/sites/${d.site.id}/devices`, { kind: v("kind"), name: v("name") });
    if (!out) return;
    form.reset();
    await reload();
    showCode(out);
  }

  async function onRotate(dev: Device) {
    const { confirmAction } = await import("../confirm");
    if (!(await confirmAction({ title: t("devices.rotate_confirm_title", { name: dev.name }), body: t("devices.rotate_confirm_body"),
      confirm: t("devices.rotate_confirm_run"), danger: true }))) return;
    const out = await direct<DeviceCreated>(`rot-${dev.id}-`, "POST", `/sites/${d.site.id}/devices/${dev.id}/rotate`);
    if (!out) return;
    await reload();
    showCode(out);
  }

  async function onRevoke(dev: Device) {
    const sent = await send(forms, `rev-${dev.id}-`, { ja: `機器の失効（${dev.name}）`, en: `Revoke device (${dev.name})` },
      { method: "POST", path: `/sites/${d.site.id}/devices/${dev.id}/revoke` });
    confirming.delete(dev.id);
    if (sent.state === "done") {
      await reload();
      flash(t("devices.revoked", { name: dev.name }));
    }
  }

  function deviceItem(dev: Device): TemplateResult {
    const st = forms.get(`rot-${dev.id}-`);
    const stRev = forms.get(`rev-${dev.id}-`);
    const state = dev.revoked_at ? "revoked" : dev.enrolled_at ? "enrolled" : "waiting";
    return html`<li data-device=${dev.id}>
      <div class="row-head">
        <strong>${dev.name}</strong>
        <span class="badge">${tr("device.kind", dev.kind)}</span>
        <span class="badge badge-${state === "revoked" ? "revoked" : state === "enrolled" ? "active" : "submitted"}">${tr("device.state", state)}</span>
      </div>
      ${dl([
        [t("devices.last_seen"), dev.last_seen_at ? formatDateTime(dev.last_seen_at) : t("devices.never")],
        [t("devices.version"), dev.software_version ?? "—"],
        [t("devices.outbox_depth"), dev.outbox_depth ?? "—"],
        ...(dev.reader_name ? [[t("devices.reader"), dev.reader_name] as [string, unknown]] : []),
        ...(dev.enrolled_at ? [[t("devices.enrolled_at"), formatDateTime(dev.enrolled_at)] as [string, unknown]] : []),
        ...(dev.revoked_at ? [[t("devices.revoked_at"), formatDateTime(dev.revoked_at)] as [string, unknown]] : []),
      ])}
      ${errorSummary(st, [], `rot-${dev.id}-`)}${errorSummary(stRev, [], `rev-${dev.id}-`)}
      ${canRun() && !dev.revoked_at
        ? confirming.has(dev.id)
          ? html`<div class="notice returned" role="group" aria-label=${t("devices.revoke_confirm", { name: dev.name })}>
              <p>${t("devices.revoke_confirm", { name: dev.name })}</p>
              <div class="actions">
                <button type="button" class="danger" ?disabled=${stRev.busy} @click=${() => onRevoke(dev)}>${t("devices.revoke")}</button>
                <button type="button" @click=${() => { confirming.delete(dev.id); update(); }}>${t("card.lost_no")}</button>
              </div></div>`
          : html`<div class="actions">
              <button type="button" ?disabled=${st.busy} @click=${() => onRotate(dev)}>${t("devices.rotate")}</button>
              <button type="button" class="danger" @click=${() => { confirming.add(dev.id); update(); }}>${t("devices.revoke")}</button>
            </div>`
        : nothing}
    </li>`;
  }

  return {
    reload: async (x) => {
      d = x;
      await reload();
    },
    render: () => {
      const st = forms.get("dev-");
      return html`
        ${shown
          ? html`<div class="notice code-box" id="enrol-code" tabindex="-1" role="status" data-testid="enrolment-code">
              <h2>${t("devices.code_title", { name: shown.name })}</h2>
              <p class="code mono">${shown.code}</p>
              <p>${t("devices.code_hint")}</p>
              ${shown.kiosk ? html`<p data-testid="kiosk-hint">${t("devices.kiosk_hint", { url: `${location.origin}/kiosk` })}</p>` : nothing}
              <button type="button" @click=${() => { shown = null; update(); }}>${t("devices.code_done")}</button>
            </div>`
          : nothing}
        ${devices.length
          ? html`<ul class="list devices" data-testid="devices">${devices.map(deviceItem)}</ul>`
          : html`<p>${t("devices.none")}</p>`}
        ${canRun()
          ? html`<section class="card" aria-labelledby="dev-h" id="add-device">
              <h2 id="dev-h">${t("devices.add")}</h2>
              <p class="hint">${t("devices.add_intro")}</p>
              ${errorSummary(st, ["kind", "name"], "dev-")}
              <form @submit=${onAdd} novalidate>
                <div class="grid2">
                  ${field({ name: "kind", prefix: "dev-", label: t("devices.kind"), required: true, value: "reader",
                    options: [["reader", tr("device.kind", "reader")], ["kiosk", tr("device.kind", "kiosk")]], errors: st.errors })}
                  ${field({ name: "name", prefix: "dev-", label: t("devices.name"), required: true, maxlength: 200, placeholder: t("devices.name_placeholder"), errors: st.errors })}
                </div>
                <button type="submit" class="primary" ?disabled=${st.busy}>${t("devices.add")}</button>
              </form>
            </section>`
          : nothing}`;
    },
  };
}

// --- a day's work records and the rejected taps ------------------------------------------------------------------

async function recordsPage(first: SiteData, query: URLSearchParams): Promise<Page> {
  let d = first;
  const q = query.get("date") ?? "";
  const day = /^\d{4}-\d{2}-\d{2}$/.test(q) ? q : todayJst();
  let records: WorkRecord[] = [];
  let rejected: Tap[] = [];
  let roster: RosterEntry[] = [];

  async function load() {
    [records, rejected, roster] = await Promise.all([
      get<WorkRecord[]>(`/sites/${d.site.id}/work-records?work_date=${day}`).catch((e) => {
        if (e instanceof NetworkError) throw e;
        return [] as WorkRecord[]; // a subcontractor may not read the whole site's records
      }),
      get<Tap[]>(`/sites/${d.site.id}/taps?status=rejected&limit=100`).catch((e) => {
        if (e instanceof NetworkError) throw e;
        return [] as Tap[];
      }),
      get<RosterEntry[]>(`/sites/${d.site.id}/roster`).catch(() => [] as RosterEntry[]),
    ]);
  }
  await load();

  const nameByPk = (pk: number) => roster.find((r) => r.technician_pk === pk)?.name ?? t("who.unknown");
  const nameByCode = (code: string) => roster.find((r) => r.technician_id === code)?.name ?? code;

  function onDay(ev: SubmitEvent) {
    ev.preventDefault();
    const v = values(ev.target as HTMLFormElement);
    void navigate(`/firm/sites/${d.site.id}/records?date=${v("date") || todayJst()}`);
  }

  return {
    reload: async (x) => {
      d = x;
      await load();
    },
    render: () => html`
      <form class="filters one" @submit=${onDay}>
        ${field({ name: "date", label: t("records.day"), type: "date", value: day, required: true, hideRequiredMark: true, errors: {} })}
        <button type="submit">${t("review.apply_filter")}</button>
      </form>
      <section aria-labelledby="day-h">
        <h2 id="day-h">${t("records.title", { day: formatDate(day) })}</h2>
        ${records.length
          ? html`<div class="table-wrap" role="region" aria-labelledby="day-h" tabindex="0">
              <table class="data" data-testid="site-records">
                <thead><tr>
                  <th scope="col">${t("records.technician")}</th><th scope="col">${t("work.first_in")}</th>
                  <th scope="col">${t("work.last_out")}</th><th scope="col">${t("records.method")}</th>
                  <th scope="col">${t("work.trade")}</th><th scope="col">${t("records.employer")}</th>
                </tr></thead>
                <tbody>${records.map((r) => html`<tr>
                  <th scope="row">${nameByPk(r.technician_pk)}</th>
                  <td>${timeJst(r.first_in) || "—"}</td>
                  <td>${r.last_out ? timeJst(r.last_out) : html`<span class="warn">${t("work.missing_exit")}</span>`}</td>
                  <td>${tr("method", r.method)} (${r.taps})</td>
                  <td>${r.trade ? tradeName(r.trade) : "—"}${r.position ? ` · ${tr("position", r.position)}` : ""}</td>
                  <td>${businessName(d, r.employer_pk)}${r.tier != null ? ` (${tierLabel(r.tier)})` : ""}</td>
                </tr>`)}</tbody>
              </table>
            </div>`
          : html`<p>${t("records.none")}</p>`}
      </section>
      <section aria-labelledby="rej-h">
        <h2 id="rej-h">${t("taps.rejected_title")}</h2>
        <p class="hint">${t("taps.rejected_intro")}</p>
        ${rejected.length
          ? html`<ul class="list taps" data-testid="rejected-taps">${rejected.map((tp) => html`<li>
              <div class="row-head"><strong>${nameByCode(tp.technician_code)}</strong>
                <span class="badge badge-returned">${tr("reject", tp.reject_reason ?? "")}</span>
                <span class="badge">${tr("method", tp.method)}</span></div>
              <div class="meta">${t("taps.device_time")}: ${formatDateTime(tp.device_time)} · ${t("taps.work_date")}: ${formatDate(tp.work_date)}
                · ${t("f.technician_id")}: <span class="mono">${tp.technician_code}</span></div>
            </li>`)}</ul>`
          : html`<p>${t("taps.none")}</p>`}
      </section>`,
  };
}

// --- direct-input approvals --------------------------------------------------------------------------------------

async function directPage(first: SiteData, forms: Forms, query: URLSearchParams): Promise<Page> {
  let d = first;
  const status = ["pending", "approved", "rejected"].includes(query.get("status") ?? "") ? query.get("status")! : "pending";
  let items: DirectInput[] = [];
  let roster: RosterEntry[] = [];

  async function load() {
    [items, roster] = await Promise.all([
      get<DirectInput[]>(`/sites/${d.site.id}/direct-inputs?status=${status}`),
      get<RosterEntry[]>(`/sites/${d.site.id}/roster`).catch(() => [] as RosterEntry[]),
    ]);
  }
  await load();
  const nameByPk = (pk: number) => roster.find((r) => r.technician_pk === pk)?.name ?? t("who.unknown");

  async function decide(ev: SubmitEvent, item: DirectInput) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const approve = ((ev.submitter as HTMLButtonElement | null)?.value ?? "approve") === "approve";
    const note = values(form)("note");
    const key = `di-${item.id}-`;
    const who = nameByPk(item.technician_pk);
    const sent = await send(forms, key,
      approve ? { ja: `直接入力の承認（${who} ${formatDate(item.work_date)}）`, en: `Approve direct input (${who} ${item.work_date})` }
        : { ja: `直接入力の却下（${who} ${formatDate(item.work_date)}）`, en: `Reject direct input (${who} ${item.work_date})` },
      { method: "POST", path: `/sites/${d.site.id}/direct-inputs/${item.id}/${approve ? "approve" : "reject"}`, json: { note: note || null } });
    if (sent.state === "done") {
      await load();
      flash(approve ? t("direct.approved", { name: who, day: formatDate(item.work_date) }) : t("direct.rejected", { name: who, day: formatDate(item.work_date) }));
    }
  }

  function onFilter(ev: SubmitEvent) {
    ev.preventDefault();
    void navigate(`/firm/sites/${d.site.id}/direct-inputs?status=${values(ev.target as HTMLFormElement)("status")}`);
  }

  return {
    reload: async (x) => {
      d = x;
      await load();
    },
    render: () => html`
      <p>${t("direct.intro")}</p>
      <form class="filters one" @submit=${onFilter}>
        ${field({ name: "status", label: t("f.status"), value: status, required: true, hideRequiredMark: true, errors: {},
          options: ["pending", "approved", "rejected"].map((s) => [s, tr("di", s)]) })}
        <button type="submit">${t("review.apply_filter")}</button>
      </form>
      ${items.length
        ? html`<ul class="list direct" data-testid="direct-inputs">${items.map((item) => {
            const key = `di-${item.id}-`;
            const st = forms.get(key);
            return html`<li data-direct=${item.id}>
              <div class="row-head"><strong>${nameByPk(item.technician_pk)}</strong> ${badge("di", item.status)}</div>
              ${dl([
                [t("work.date"), formatDate(item.work_date)],
                [t("work.first_in"), timeJst(item.start_at)],
                [t("work.last_out"), item.end_at ? timeJst(item.end_at) : "—"],
                [t("work.reason"), item.reason],
                [t("work.deadline"), item.deadline],
                ...(item.decision_note ? [[t("direct.note"), item.decision_note] as [string, unknown]] : []),
              ])}
              ${item.status === "pending"
                ? html`${errorSummary(st, ["note"], key)}
                  <form @submit=${(ev: SubmitEvent) => decide(ev, item)} novalidate>
                    ${field({ name: "note", prefix: key, label: t("direct.note"), maxlength: 500, hint: t("direct.note_hint"), errors: st.errors })}
                    <div class="actions">
                      <button type="submit" class="primary" name="decision" value="approve" ?disabled=${st.busy}>${t("direct.approve")}</button>
                      <button type="submit" class="danger" name="decision" value="reject" ?disabled=${st.busy}>${t("direct.reject")}</button>
                    </div>
                  </form>`
                : nothing}
            </li>`;
          })}</ul>`
        : html`<p>${t("direct.none")}</p>`}`,
  };
}

// --- 作業員名簿 --------------------------------------------------------------------------------------------------------

async function reportsPage(first: SiteData, forms: Forms): Promise<Page> {
  let d = first;
  let busy = false;

  async function onDownload(ev: SubmitEvent) {
    ev.preventDefault();
    const v = values(ev.target as HTMLFormElement);
    const qs = new URLSearchParams({ employer_pk: v("employer_pk"), format: v("format") });
    if (v("format") === "csv") qs.set("encoding", v("encoding"));
    busy = true;
    update();
    await download(`/sites/${d.site.id}/worker-roster?${qs}`);
    busy = false;
    update();
  }

  return {
    reload: async (x) => {
      d = x;
    },
    render: () => {
      const me = myBusiness();
      const employers = d.contracts.filter((c) => c.status === "approved");
      const st = forms.get("wr-");
      return html`<section class="card" aria-labelledby="wr-h">
        <h2 id="wr-h">${t("reports.worker_roster")}</h2>
        <p class="hint">${t("reports.worker_roster_intro")}</p>
        ${errorSummary(st, [], "wr-")}
        <form @submit=${onDownload} novalidate>
          ${field({ name: "employer_pk", prefix: "wr-", label: t("reports.employer"), required: true,
            value: String(employers.find((c) => c.business_pk === me)?.business_pk ?? employers[0]?.business_pk ?? ""),
            options: employers.map((c) => [String(c.business_pk), `${c.business_name}（${tierLabel(c.tier)}）`]), errors: st.errors })}
          <div class="grid2">
            ${field({ name: "format", prefix: "wr-", label: t("reports.format"), required: true, value: "csv", hideRequiredMark: true,
              options: [["csv", "CSV"], ["pdf", "PDF"]], errors: st.errors })}
            ${field({ name: "encoding", prefix: "wr-", label: t("reports.encoding"), required: true, value: "utf-8", hideRequiredMark: true,
              hint: t("reports.encoding_hint"), options: [["utf-8", "UTF-8"], ["shift_jis", "Shift_JIS"]], errors: st.errors })}
          </div>
          <button type="submit" class="primary" ?disabled=${busy || !employers.length}>${t("reports.download")}</button>
        </form>
      </section>`;
    },
  };
}
