// Start-up: the shell (header, language switch, connection and outbox status), the router, the service worker.

import { html, nothing, render } from "lit-html";
import { registerSW } from "virtual:pwa-register";
import { api, ApiError, NetworkError, session, setUnauthorisedHandler } from "./api";
import { flash, Flash, navigate, setRenderer, setRouter, state, update, View } from "./app";
import { errorMessage, getLang, setLang, startLang, t, tr } from "./i18n";
import { badgeFor, clearCounts, refreshCounts } from "./counts";
import "./jobs";
import { flush, listJobs, onJobDone, onOutboxChange, startOutbox } from "./outbox";
import "./styles.css";
import type { Me } from "./types";
import { cardTables, hydrateImages } from "./ui";
import { match, messageView, prefetchRoleViews } from "./routes";

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

async function toggleLang() {
  try {
    await setLang(getLang() === "ja" ? "en" : "ja");
  } catch {
    flash(t("app.lang_unavailable"), "error"); // offline, and English was never fetched
    return;
  }
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

async function start() {
  await startLang();
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

void start();
