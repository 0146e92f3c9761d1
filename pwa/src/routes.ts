// The routes: each path, the roles that may open it and the view it loads (each view is its own chunk).

import { html } from "lit-html";
import { session } from "./api";
import { navigate, RouteDef, View } from "./app";
import { t } from "./i18n";
import type { Role } from "./types";
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

export function prefetchRoleViews(): void {
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

export function messageView(title: string, text: string): View {
  return {
    title: () => title,
    render: () => html`<section class="narrow"><h1 tabindex="-1">${title}</h1><p>${text}</p>
      <p><a href="/">${t("app.back_home")}</a></p></section>`,
  };
}

export function match(path: string): { route: RouteDef; params: Record<string, string> } | null {
  for (const route of routes) {
    const names: string[] = [];
    const re = new RegExp(`^${route.path.replace(/:(\w+)/g, (_, n: string) => { names.push(n); return "(\\d+)"; })}/?$`);
    const m = path.match(re);
    if (m) return { route, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
  }
  return null;
}
