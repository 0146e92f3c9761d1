import { html } from "lit-html";
import { api, ApiError, COOKIE_SESSION, session } from "../api";
import { navigate, View } from "../app";
import { ensureDeviceKey } from "../phonekey";
import { t } from "../i18n";
import type { Me } from "../types";
import { Form } from "../forms";
import { errorSummary, field } from "../ui";

export function homeFor(me: Me | null): string {
  switch (me?.role) {
    case "technician":
      return "/me";
    case "business_admin":
      return "/firm";
    case "site_manager":
      return "/firm/sites";
    case "operator":
      return "/review";
    case "registration_agent":
      return "/agent";
    default:
      return "/login";
  }
}

export function loginView(query: URLSearchParams): View {
  const form = new Form();
  const next = query.get("next");

  async function onSubmit(ev: Event) {
    ev.preventDefault();
    const fd = new FormData(ev.target as HTMLFormElement);
    await form.run(async () => {
      const out = await api<{ account: Me }>("POST", "/auth/login", {
        json: { login: String(fd.get("login") || "").trim(), password: String(fd.get("password") || "") },
        auth: false,
        headers: COOKIE_SESSION,
      });
      session.set(out.account);
      // An account whose password someone else chose (proxy registration, an admin, the operator): the change first.
      if (out.account.must_change_password) return void (await navigate("/password", { replace: true }));
      // The phone's key for check-ins kept offline (docs/phone.md): made now, while there is a connection.
      if (out.account.role === "technician") await ensureDeviceKey().catch(() => null);
      await navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : homeFor(out.account), { replace: true });
    }, {
      needsConnection: t("login.offline"),
      refusal: (e) => (e instanceof ApiError && e.status === 401 ? { errors: {}, message: t("login.failed"), busy: false } : null),
    });
  }

  return {
    title: () => t("login.title"),
    render: () => html`
      <section class="narrow">
        <h1 tabindex="-1">${t("login.title")}</h1>
        ${errorSummary(form.status, ["login", "password"])}
        <form @submit=${onSubmit} novalidate>
          ${field({ name: "login", label: t("login.login"), hint: t("login.login_hint"), required: true, autocomplete: "username", errors: form.status.errors })}
          ${field({ name: "password", label: t("login.password"), type: "password", required: true, autocomplete: "current-password", errors: form.status.errors })}
          <button class="primary" type="submit" ?disabled=${form.status.busy}>${t("login.submit")}</button>
        </form>
        <p><a href="/forgot" data-testid="forgot-link">${t("acct.forgot_link")}</a></p>
        <div class="card subtle">
          <p>${t("login.register_prompt")}</p>
          <p><a class="button" href="/register">${t("login.register_link")}</a></p>
          <p>${t("biz.prompt")}: <a href="/register/business">${t("biz.link")}</a></p>
        </div>
      </section>`,
  };
}
