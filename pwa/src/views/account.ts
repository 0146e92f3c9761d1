// Account recovery: "forgot password" (a link by e-mail), the page the link opens, and the password change — which is
// also the first page after logging in to an account whose password someone else chose (must_change_password).

import { html } from "lit-html";
import { api, session } from "../api";
import { navigate, View } from "../app";
import { codeMessage, t } from "../i18n";
import { Form } from "../forms";
import { errorSummary, field } from "../ui";
import { homeFor } from "./login";

export function forgotView(): View {
  const form = new Form();
  let sent = false;

  async function onSubmit(ev: Event) {
    ev.preventDefault();
    const fd = new FormData(ev.target as HTMLFormElement);
    await form.run(async () => {
      await api("POST", "/auth/password-reset", { json: { login: String(fd.get("login") || "").trim() }, auth: false });
      sent = true;
    });
  }

  return {
    title: () => t("acct.forgot_title"),
    render: () => html`<section class="narrow">
      <h1 tabindex="-1">${t("acct.forgot_title")}</h1>
      ${sent
        ? html`<p class="notice paid" role="status" data-testid="reset-sent">${t("acct.forgot_sent")}</p>
            <p>${t("acct.no_mail_hint")}</p><p><a href="/login">${t("acct.back_to_login")}</a></p>`
        : html`<p>${t("acct.forgot_intro")}</p>
            ${errorSummary(form.status, ["login"])}
            <form @submit=${onSubmit} novalidate>
              ${field({ name: "login", label: t("acct.login_or_mail"), required: true, autocomplete: "username", errors: form.status.errors })}
              <button class="primary" type="submit" ?disabled=${form.status.busy}>${t("acct.forgot_submit")}</button>
            </form>
            <p class="hint">${t("acct.no_mail_hint")}</p>`}
    </section>`,
  };
}

export function resetView(): View {
  // The token travels in the fragment (/reset#token=…): browsers never send it to the server, so it stays out of
  // access logs and Referer headers. It is taken off the address bar at once.
  const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? "";
  if (location.hash) history.replaceState(null, "", location.pathname);
  const form = new Form();

  async function onSubmit(ev: Event) {
    ev.preventDefault();
    const fd = new FormData(ev.target as HTMLFormElement);
    await form.run(async () => {
      await api("POST", "/auth/password-reset/confirm", { json: { token, password: String(fd.get("password") || "") }, auth: false });
      session.clear();
      await navigate("/login", { flash: { kind: "ok", text: t("acct.reset_done") }, replace: true });
    });
  }

  return {
    title: () => t("acct.reset_title"),
    render: () => html`<section class="narrow">
      <h1 tabindex="-1">${t("acct.reset_title")}</h1>
      ${token
        ? html`<p>${t("acct.reset_intro")}</p>
            ${errorSummary(form.status, ["password"])}
            <form @submit=${onSubmit} novalidate data-testid="reset-form">
              ${field({ name: "password", label: t("acct.new_password"), type: "password", required: true, autocomplete: "new-password", errors: form.status.errors })}
              <button class="primary" type="submit" ?disabled=${form.status.busy}>${t("acct.reset_submit")}</button>
            </form>
            <p><a href="/forgot">${t("acct.ask_again")}</a></p>`
        : html`<p class="notice returned" role="alert">${codeMessage("reset_token_invalid")}</p>
            <p><a href="/forgot">${t("acct.ask_again")}</a></p>`}
    </section>`,
  };
}

export function passwordView(): View {
  const form = new Form();
  const forced = !!session.me?.must_change_password;

  async function onSubmit(ev: Event) {
    ev.preventDefault();
    const fd = new FormData(ev.target as HTMLFormElement);
    await form.run(async () => {
      await api("POST", "/auth/password", {
        json: { current_password: String(fd.get("current_password") || ""), new_password: String(fd.get("new_password") || "") },
      });
      if (session.me) session.set({ ...session.me, must_change_password: false });
      await navigate(homeFor(session.me), { flash: { kind: "ok", text: t("acct.changed") }, replace: true });
    });
  }

  return {
    title: () => t(forced ? "acct.first_title" : "acct.change_title"),
    render: () => html`<section class="narrow">
      <h1 tabindex="-1">${t(forced ? "acct.first_title" : "acct.change_title")}</h1>
      <p data-testid="password-intro">${t(forced ? "acct.first_intro" : "acct.change_intro")}</p>
      ${errorSummary(form.status, ["current_password", "new_password"])}
      <form @submit=${onSubmit} novalidate data-testid="password-form">
        ${field({ name: "current_password", label: t("acct.current_password"), type: "password", required: true, autocomplete: "current-password", errors: form.status.errors })}
        ${field({ name: "new_password", label: t("acct.new_password"), type: "password", required: true, autocomplete: "new-password", errors: form.status.errors })}
        <button class="primary" type="submit" ?disabled=${form.status.busy}>${t("acct.change_submit")}</button>
      </form>
    </section>`,
  };
}
