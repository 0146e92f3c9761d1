// Start-up: the shell (header, language switch, connection and outbox status), the router, the service worker.

import { html, nothing, render } from "lit-html";
import { registerSW } from "virtual:pwa-register";
import { api, ApiError, NetworkError, session, setUnauthorisedHandler } from "./api";
import { Flash, navigate, RouteDef, setRenderer, setRouter, state, update, View } from "./app";
import { errorMessage, getLang, setLang, t, tr } from "./i18n";
import { badgeFor, clearCounts, refreshCounts } from "./counts";
import "./jobs";
import { flush, listJobs, onJobDone, onOutboxChange, startOutbox } from "./outbox";
import "./styles.css";
import type { Me, Role } from "./types";
import { cardTables, hydrateImages } from "./ui";
import { homeFor, loginView } from "./views/login";

// Each view is its own chunk, fetched when first shown: a technician's first load carries only the shell and
// the technician's pages, not every role's (issue 19.8).
const views = {
  agent: () => import("./views/agent"),
  agent_counter: () => import("./views/agent-counter"),
  batches: () => import("./views/batches"),
  business_register: () => import("./views/business-register"),
  firm: () => import("./views/firm"),
  invoices: () => import("./views/invoices"),
  keishin: () => import("./views/keishin"),
  kentaikyo: () => import("./views/kentaikyo"),
  kiosk: () => import("./views/kiosk"),
  kpi: () => import("./views/kpi"),
  notifications: () => import("./views/notifications"),
  outbox: () => import("./views/outbox"),
  payments: () => import("./views/payments"),
  phone: () => import("./views/phone"),
  register: () => import("./views/register"),
  account: () => import("./views/account"),
  mail: () => import("./views/mail"),
  reports: () => import("./views/reports"),
  review: () => import("./views/review"),
  sites: () => import("./views/sites"),
  technician: () => import("./views/technician"),
  work: () => import("./views/work"),
};

// After login (and at start, when logged in) the role's own pages are fetched in the background while online, so
// they work offline later; the service worker keeps what was fetched (vite.config.ts, runtime cache).
const ROLE_VIEWS: Partial<Record<Role, (keyof typeof views)[]>> = {
  technician: ["technician", "work", "phone", "invoices", "notifications", "outbox"],
  business_admin: ["firm", "sites", "technician", "work", "keishin", "reports", "kentaikyo", "invoices", "register", "notifications", "outbox"],
  site_manager: ["sites", "firm", "technician", "notifications", "outbox"],
  operator: ["review", "batches", "payments", "kpi", "invoices", "notifications", "outbox"],
  registration_agent: ["agent", "agent_counter"],
};

function prefetchRoleViews(): void {
  const role = session.me?.role;
  if (!role || !navigator.onLine) return;
  const later = (fn: () => void) => ("requestIdleCallback" in window ? requestIdleCallback(fn) : setTimeout(fn, 2000));
  later(() => (ROLE_VIEWS[role] ?? []).forEach((k) => void views[k]().catch(() => {})));
}

const TECH: Role[] = ["technician"];
const FIRM: Role[] = ["business_admin"];
const SITES: Role[] = ["business_admin", "site_manager"];
const OPERATOR: Role[] = ["operator"];
const AGENT: Role[] = ["registration_agent"];
const ANY: Role[] = ["technician", "business_admin", "site_manager", "operator", "registration_agent"];

const routes: RouteDef[] = [
  { path: "/", load: () => redirectView(homeFor(session.me)) },
  { path: "/login", load: (_, q) => loginView(q) },
  { path: "/forgot", load: async () => (await views.account()).forgotView() },
  { path: "/reset", load: async () => (await views.account()).resetView() },
  { path: "/password", roles: ANY, load: async () => (await views.account()).passwordView() },
  { path: "/register", load: async () => (await views.register()).registerView("self") },
  { path: "/register/business", load: async () => (await views.business_register()).businessRegisterView() },
  { path: "/outbox", load: async () => (await views.outbox()).outboxView() },
  { path: "/kiosk", load: async () => (await views.kiosk()).kioskView() },
  { path: "/notifications", roles: ANY, load: async () => (await views.notifications()).notificationsView() },
  { path: "/me", roles: TECH, load: async () => (await views.technician()).technicianView(await (await views.technician()).myTechnicianPk(), "overview", true) },
  { path: "/me/edit", roles: TECH, load: async () => (await views.technician()).technicianView(await (await views.technician()).myTechnicianPk(), "edit", true) },
  { path: "/me/detailed", roles: TECH, load: async () => (await views.technician()).technicianView(await (await views.technician()).myTechnicianPk(), "detailed", true) },
  { path: "/me/disclosure", roles: TECH, load: async () => (await views.technician()).technicianView(await (await views.technician()).myTechnicianPk(), "disclosure", true) },
  { path: "/me/work", roles: TECH, load: async (_, q) => (await views.work()).workView(await (await views.technician()).myTechnicianPk(), true, q) },
  { path: "/me/levels", roles: TECH, load: async () => (await views.work()).levelsView(await (await views.technician()).myTechnicianPk(), true) },
  { path: "/phone", roles: TECH, load: async (_, q) => (await views.phone()).phoneView(q) },
  { path: "/me/invoices", roles: TECH, load: async (_, q) => (await views.invoices()).invoicesView("me", q) },
  { path: "/me/invoices/:pk", roles: TECH, load: async (p) => (await views.invoices()).invoiceView("me", Number(p.pk)) },
  { path: "/firm", roles: SITES, load: async () => (session.me?.role === "site_manager" ? redirectView("/firm/sites") : (await views.firm()).businessView()) },
  { path: "/firm/employees", roles: FIRM, load: async (_, q) => (await views.firm()).employeesView(q) },
  { path: "/firm/employees/:pk", roles: FIRM, load: async (p) => (await views.technician()).technicianView(Number(p.pk), "overview", false) },
  { path: "/firm/employees/:pk/edit", roles: FIRM, load: async (p) => (await views.technician()).technicianView(Number(p.pk), "edit", false) },
  { path: "/firm/employees/:pk/detailed", roles: FIRM, load: async (p) => (await views.technician()).technicianView(Number(p.pk), "detailed", false) },
  { path: "/firm/employees/:pk/work", roles: FIRM, load: async (p, q) => (await views.work()).workView(Number(p.pk), false, q) },
  { path: "/firm/employees/:pk/levels", roles: FIRM, load: async (p) => (await views.work()).levelsView(Number(p.pk), false) },
  { path: "/firm/sites", roles: SITES, load: async () => (await views.sites()).sitesView() },
  { path: "/firm/sites/:pk", roles: SITES, load: async (p, q) => (await views.sites()).siteView(Number(p.pk), "overview", q) },
  { path: "/firm/sites/:pk/roster", roles: SITES, load: async (p, q) => (await views.sites()).siteView(Number(p.pk), "roster", q) },
  { path: "/firm/sites/:pk/devices", roles: SITES, load: async (p, q) => (await views.sites()).siteView(Number(p.pk), "devices", q) },
  { path: "/firm/sites/:pk/records", roles: SITES, load: async (p, q) => (await views.sites()).siteView(Number(p.pk), "records", q) },
  { path: "/firm/sites/:pk/direct-inputs", roles: SITES, load: async (p, q) => (await views.sites()).siteView(Number(p.pk), "direct", q) },
  { path: "/firm/sites/:pk/kentaikyo", roles: SITES, load: async (p, q) => (await views.sites()).siteView(Number(p.pk), "kentaikyo", q) },
  { path: "/firm/sites/:pk/reports", roles: SITES, load: async (p, q) => (await views.sites()).siteView(Number(p.pk), "reports", q) },
  { path: "/firm/sites/:pk/face", roles: SITES, load: async (p, q) => (await views.sites()).siteView(Number(p.pk), "face", q) },
  { path: "/firm/sites/:pk/phone", roles: SITES, load: async (p, q) => (await views.sites()).siteView(Number(p.pk), "phone", q) },
  { path: "/firm/keishin", roles: FIRM, load: async () => (await views.keishin()).keishinStaffView() },
  { path: "/firm/keishin/works", roles: FIRM, load: async () => (await views.keishin()).keishinWorksView() },
  { path: "/firm/keishin/w1", roles: FIRM, load: async () => (await views.keishin()).keishinW1View() },
  { path: "/firm/reports", roles: FIRM, load: async () => (await views.reports()).reportsView() },
  { path: "/firm/kentaikyo", roles: FIRM, load: async (_, q) => (await views.kentaikyo()).kentaikyoView(q) },
  { path: "/firm/invoices", roles: FIRM, load: async (_, q) => (await views.invoices()).invoicesView("firm", q) },
  { path: "/firm/invoices/:pk", roles: FIRM, load: async (p) => (await views.invoices()).invoiceView("firm", Number(p.pk)) },
  { path: "/firm/accounts", roles: FIRM, load: async () => (await views.firm()).accountsView() },
  { path: "/firm/proxy", roles: FIRM, load: async () => (await views.register()).registerView("proxy") },
  { path: "/review", roles: OPERATOR, load: async (_, q) => (await views.review()).queueView(q) },
  { path: "/review/:pk", roles: OPERATOR, load: async (p) => (await views.review()).reviewDetailView(Number(p.pk)) },
  { path: "/admin/technicians/:pk", roles: OPERATOR, load: async (p) => (await views.review()).correctionView(Number(p.pk)) },
  { path: "/audit", roles: OPERATOR, load: async (_, q) => (await views.review()).auditView(q) },
  { path: "/admin/batches", roles: OPERATOR, load: async () => (await views.batches()).batchesView() },
  { path: "/admin/payments", roles: OPERATOR, load: async (_, q) => (await views.payments()).paymentsView(q) },
  { path: "/admin/kpi", roles: OPERATOR, load: async (_, q) => (await views.kpi()).kpiView(q) },
  { path: "/admin/invoices", roles: OPERATOR, load: async (_, q) => (await views.invoices()).invoicesView("admin", q) },
  { path: "/admin/invoices/:pk", roles: OPERATOR, load: async (p) => (await views.invoices()).invoiceView("admin", Number(p.pk)) },
  { path: "/admin/mail", roles: OPERATOR, load: async () => (await views.mail()).mailListView() },
  { path: "/agent", roles: AGENT, load: async (_, q) => (await views.agent()).agentQueueView(q) },
  { path: "/agent/filings/:pk", roles: AGENT, load: async (p) => (await views.agent()).agentFilingView(Number(p.pk)) },
  { path: "/agent/technician", roles: AGENT, load: async () => (await views.agent_counter()).agentTechnicianView() },
  { path: "/agent/business", roles: AGENT, load: async () => (await views.agent_counter()).agentBusinessView() },
  { path: "/admin/mail/:pk", roles: OPERATOR, load: async (p) => (await views.mail()).mailView(Number(p.pk)) },
];

function redirectView(to: string): View {
  queueMicrotask(() => void navigate(to, { replace: true }));
  return { title: () => t("app.name"), render: () => html`<p>${t("app.loading")}</p>` };
}

function messageView(title: string, text: string): View {
  return {
    title: () => title,
    render: () => html`<section class="narrow"><h1 tabindex="-1">${title}</h1><p>${text}</p>
      <p><a href="/">${t("app.back_home")}</a></p></section>`,
  };
}

function match(path: string): { route: RouteDef; params: Record<string, string> } | null {
  for (const route of routes) {
    const names: string[] = [];
    const re = new RegExp(`^${route.path.replace(/:(\w+)/g, (_, n: string) => { names.push(n); return "(\\d+)"; })}/?$`);
    const m = path.match(re);
    if (m) return { route, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
  }
  return null;
}

let navSeq = 0;
let firstView = true;
async function go(url: string, flashMsg?: Flash, replace = false): Promise<void> {
  const target = new URL(url, location.origin);
  const full = target.pathname + target.search + target.hash;
  if (full !== location.pathname + location.search + location.hash || replace) {
    if (replace) history.replaceState(null, "", full);
    else history.pushState(null, "", full);
  }
  await show(flashMsg);
}

async function show(flashMsg?: Flash): Promise<void> {
  const seq = ++navSeq;
  const path = location.pathname;
  const previousPath = state.path;
  const m = match(path);
  state.path = path;
  state.flash = flashMsg ?? null;
  let view: View;
  if (!m) view = messageView(t("app.error_title"), t("app.not_found"));
  else if (m.route.roles && !session.me) {
    const next = encodeURIComponent(location.pathname + location.search);
    return go(`/login?next=${next}`, undefined, true);
  } else if (m.route.roles && session.me?.must_change_password && path !== "/password") {
    // Someone else chose this account's password: the API opens nothing else until the holder picks their own.
    return go("/password", undefined, true);
  } else if (m.route.roles && session.me && !m.route.roles.includes(session.me.role)) {
    view = messageView(t("app.error_title"), t("app.forbidden"));
  } else {
    state.loading = true;
    if (path !== previousPath) state.view = null; // never show the old page under the new address
    update();
    try {
      view = await m.route.load(m.params, new URLSearchParams(location.search));
    } catch (e) {
      if (seq !== navSeq) return;
      if (e instanceof ApiError && e.status === 401) return; // the unauthorised handler moves to /login
      view = e instanceof NetworkError
        ? messageView(t("app.error_title"), navigator.onLine ? t("app.network_error") : t("app.offline_view"))
        : e instanceof ApiError
          ? messageView(t("app.error_title"), errorMessage(e.code, e.message))
          : messageView(t("app.error_title"), String(e));
    }
  }
  if (seq !== navSeq) return; // a later navigation won
  state.loading = false;
  if (state.view && state.view !== view) state.view.leave?.();
  state.view = view;
  document.title = `${view.title()} | OpenCCUS`;
  renderApp();
  void refreshCounts();
  // After an in-app navigation, move focus to the new page's heading (or to a message), so keyboard and
  // screen-reader users start there. The first page of a visit keeps the browser's own start (the skip link).
  const initial = firstView;
  firstView = false;
  requestAnimationFrame(() => {
    const target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (target) {
      target.focus();
      target.scrollIntoView({ block: "center" });
    } else if (!initial || state.flash) {
      window.scrollTo(0, 0);
      (document.getElementById(state.flash ? "flash" : "page-h1") ?? document.querySelector<HTMLElement>("main h1"))?.focus();
    }
  });
}

function navLinks(): [string, string][] {
  switch (session.me?.role) {
    case "technician":
      return [["/me", t("nav.me")], ["/phone", t("nav.phone")], ["/me/work", t("nav.work")], ["/notifications", t("nav.notifications")]];
    case "business_admin":
      return [["/firm", t("nav.firm")], ["/firm/sites", t("nav.sites")], ["/notifications", t("nav.notifications")]];
    case "site_manager":
      return [["/firm/sites", t("nav.sites")], ["/notifications", t("nav.notifications")]];
    case "registration_agent":
      return [["/agent", t("nav.agent_queue")], ["/agent/technician", t("nav.agent_technician")], ["/agent/business", t("nav.agent_business")]];
    case "operator":
      return [["/review", t("nav.review")], ["/admin/payments", t("nav.payments")], ["/admin/invoices", t("nav.admin_invoices")],
        ["/admin/kpi", t("nav.kpi")], ["/audit", t("nav.audit")], ["/admin/batches", t("nav.batches")],
        ["/admin/mail", t("nav.mail")], ["/notifications", t("nav.notifications")]];
    default:
      return [["/login", t("nav.login")], ["/register", t("nav.register")], ["/register/business", t("biz.title")]];
  }
}

/** A menu link with its badge: the number of things waiting there (counts.ts), spoken as part of the link's name. */
function navLink(href: string, text: string) {
  const n = badgeFor(href);
  return html`<a href=${href} aria-current=${isCurrent(href) ? "page" : "false"}
    aria-label=${n ? t("nav.badge_label", { label: text, n }) : nothing}>${text}${n
      ? html`<span class="nav-badge" aria-hidden="true" data-testid="badge-${href.replace(/\//g, "-").slice(1)}">${n > 99 ? "99+" : n}</span>`
      : nothing}</a>`;
}

function isCurrent(href: string): boolean {
  const p = state.path;
  if (href === "/register") return p === href;
  const covers = (h: string) => p === h || p.startsWith(`${h}/`);
  if (!covers(href)) return false;
  // The most specific link wins ("/me/work" over "/me").
  return !navLinks().some(([other]) => other.length > href.length && other.startsWith(href) && covers(other));
}

async function logout(everywhere = false) {
  try {
    await api("POST", everywhere ? "/auth/logout-all" : "/auth/logout");
  } catch {
    /* offline or already expired: forget the session anyway */
  }
  session.clear();
  clearCounts();
  await navigate("/login");
}

function toggleLang() {
  setLang(getLang() === "ja" ? "en" : "ja");
  document.title = `${state.view?.title() ?? ""} | OpenCCUS`;
  renderApp();
}

function shell() {
  const view = state.view;
  if (view?.bare) {
    // The kiosk: the whole screen is the view (it shows its own connection state and language switch).
    return html`<main id="main" class="bare" tabindex="-1" aria-busy=${state.loading ? "true" : "false"}>
      ${state.flash ? html`<div id="flash" class="flash flash-${state.flash.kind}" role=${state.flash.kind === "error" ? "alert" : "status"} tabindex="-1" data-testid="flash">${state.flash.text}</div>` : nothing}
      ${view.render()}
    </main>`;
  }
  return html`
    <a class="skip" href="#main" @click=${(e: Event) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>${t("app.skip")}</a>
    <header class="top">
      <div class="bar">
        <a class="brand" href="/"><img src="/icons/favicon-64.png" alt="" width="28" height="28" /><span>OpenCCUS</span>
          <span class="brand-sub">${t("app.name")}</span></a>
        <div class="top-actions">
          <button type="button" class="lang" lang=${getLang() === "ja" ? "en" : "ja"} @click=${toggleLang}
            aria-label=${t("app.lang_switch_label")} data-testid="lang-switch">${t("app.lang_switch")}</button>
          ${session.me
            ? html`<span class="who" title=${session.me.login}>${session.me.display_name} <span class="role">${tr("role", session.me.role)}</span></span>
                <a class="logout" href="/password" data-testid="change-password">${t("acct.change_link")}</a>
                <button type="button" class="logout" @click=${() => logout()}>${t("app.logout")}</button>
                <button type="button" class="logout-all" @click=${() => logout(true)} title=${t("app.logout_all_hint")}
                  data-testid="logout-all">${t("app.logout_all")}</button>`
            : nothing}
        </div>
      </div>
      <nav class="main-nav" aria-label=${t("nav.main")}>
        ${navLinks().map(([href, text]) => navLink(href, text))}
        ${state.pending || state.failed ? html`<a href="/outbox" aria-current=${isCurrent("/outbox") ? "page" : "false"}>${t("nav.outbox")}</a>` : nothing}
      </nav>
    </header>
    <div class="status-area" role="status" aria-live="polite">
      ${state.online ? nothing : html`<p class="banner offline" data-testid="offline-banner">${t("app.offline")}</p>`}
      ${state.pending
        ? html`<p class="banner queued" data-testid="queued-banner">${t("app.queued_count", { n: state.pending })} — <a href="/outbox">${t("app.view_outbox")}</a></p>`
        : nothing}
      ${state.failed
        ? html`<p class="banner failed" data-testid="failed-banner">${t("app.failed_count", { n: state.failed })} — <a href="/outbox">${t("app.view_outbox")}</a></p>`
        : nothing}
    </div>
    <main id="main" tabindex="-1" aria-busy=${state.loading ? "true" : "false"}>
      ${state.flash
        ? html`<div id="flash" class="flash flash-${state.flash.kind}" role=${state.flash.kind === "error" ? "alert" : "status"} tabindex="-1" data-testid="flash">${state.flash.text}</div>`
        : nothing}
      ${state.loading ? html`<p class="loading">${t("app.loading")}</p>` : nothing}
      ${view ? view.render() : nothing}
    </main>
    <footer class="foot"><p>${t("app.footer")}</p></footer>`;
}

function renderApp() {
  const root = document.getElementById("app")!;
  render(shell(), root);
  hydrateImages(root);
  cardTables(root); // every table is a stack of cards on a phone
  // The page heading is the focus target after navigation.
  const h1 = root.querySelector<HTMLElement>("main h1");
  if (h1) h1.id = "page-h1";
  // On a phone the tab rows scroll sideways: keep the current tab in sight.
  root.querySelectorAll<HTMLElement>(".tabs").forEach((nav) => {
    const cur = nav.querySelector<HTMLElement>('[aria-current="page"]');
    if (!cur) return;
    const n = nav.getBoundingClientRect();
    const c = cur.getBoundingClientRect();
    if (c.right > n.right || c.left < n.left) nav.scrollLeft += c.left - n.left - 16;
  });
}

async function refreshOutboxCounts() {
  const jobs = await listJobs();
  state.failed = jobs.filter((j) => j.state === "failed").length;
  state.pending = jobs.length - state.failed;
  update();
}

function start() {
  document.documentElement.lang = getLang();
  document.getElementById("app")!.replaceChildren(); // drop the static "Loading…" placeholder
  setRenderer(renderApp);
  setRouter(go);
  setUnauthorisedHandler(() => {
    session.clear();
    void go(`/login?next=${encodeURIComponent(location.pathname)}`, { kind: "error", text: t("app.session_expired") }, true);
  });
  session.onChange(() => update());

  document.addEventListener("click", (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element).closest("a");
    if (!a || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
    if (url.pathname === location.pathname && url.search === location.search && url.hash) {
      // An in-page link (e.g. to a field): let the browser scroll, and move focus there.
      e.preventDefault();
      history.replaceState(null, "", url.hash);
      const el = document.getElementById(url.hash.slice(1));
      el?.focus();
      el?.scrollIntoView({ block: "center" });
      return;
    }
    e.preventDefault();
    void go(url.pathname + url.search + url.hash);
  });
  window.addEventListener("popstate", () => void show());
  window.addEventListener("online", () => {
    state.online = true;
    update();
  });
  window.addEventListener("offline", () => {
    state.online = false;
    update();
  });

  onOutboxChange(() => void refreshOutboxCounts());
  onJobDone(async (job) => {
    state.flash = { kind: "ok", text: t("outbox.sent", { label: getLang() === "ja" ? job.label.ja : job.label.en }) };
    try {
      await state.view?.refresh?.();
    } catch {
      /* the next visit reloads */
    }
    update();
  });
  startOutbox();
  void refreshOutboxCounts();

  // Keep the cached account fresh (role changes, a revoked token).
  if (session.me && navigator.onLine) {
    api<Me>("GET", "/auth/me").then((me) => session.set(me)).catch(() => {});
  }

  registerSW({ immediate: true });
  void show();
  void flush();
  session.onChange(prefetchRoleViews);
  window.addEventListener("load", prefetchRoleViews, { once: true });
}

start();
