// The firm's reports (建退共 monthly work days, the technician list or its statistics) and API連携: credentials for a
// private attendance system, shown once.

import { html, nothing } from "lit-html";
import { api, session } from "../api";
import { update, View } from "../app";
import { Downloads, Forms, todayJst, values } from "../forms";
import { t } from "../i18n";
import type { ApiClient } from "../types";
import { emptyStatus, errorSummary, field, requiredErrors } from "../ui";
import { firmTabs } from "./firm-tabs";

const ENCODINGS: [string, string][] = [["utf-8", "UTF-8"], ["shift_jis", "Shift_JIS"]];

export function reportsView(): View {
  const pk = session.me?.business_pk;
  if (!pk) throw new Error("no business");
  const forms = new Forms();
  const downloads = new Downloads();
  let created: (ApiClient & { name: string }) | null = null;

  const run = (key: string, path: string) => downloads.get(key, path);

  function onKentaikyo(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(v("month"))) errors.month = t("reports.month_format");
    if (Object.keys(errors).length) return forms.invalid("kt-", errors);
    forms.set("kt-", emptyStatus());
    void run("kt", `/businesses/${pk}/kentaikyo?${new URLSearchParams({ month: v("month"), encoding: v("encoding") })}`);
  }

  function onList(ev: SubmitEvent) {
    ev.preventDefault();
    const v = values(ev.target as HTMLFormElement);
    const qs = new URLSearchParams({ format: v("format") });
    if (v("format") !== "pdf") qs.set("encoding", v("encoding"));
    void run("tl", `/businesses/${pk}/technician-list?${qs}`);
  }

  async function onClient(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    if (Object.keys(errors).length) return forms.invalid("ac-", errors);
    // The secret is shown once: this needs a connection and is never queued.
    const sent = await forms.run("ac-", () => api<ApiClient>("POST", `/businesses/${pk}/api-clients`, { json: { name: v("name") } }),
      { needsConnection: t("clients.offline"), offline: t("clients.offline") });
    if (sent.state !== "done") return;
    created = { ...sent.result, name: v("name") };
    form.reset();
    update();
    requestAnimationFrame(() => document.getElementById("client-secret")?.focus());
  }

  const lastMonth = () => {
    const d = new Date(`${todayJst().slice(0, 7)}-01T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() - 1);
    return d.toISOString().slice(0, 7);
  };

  return {
    title: () => t("reports.title"),
    render: () => {
      const kt = forms.get("kt-");
      const ac = forms.get("ac-");
      return html`<section>
        <h1 tabindex="-1">${t("reports.title")}</h1>
        ${firmTabs("/firm/reports")}
        <div class="grid2 wide">
          <section class="card" aria-labelledby="kt-h">
            <h2 id="kt-h">${t("reports.kentaikyo")}</h2>
            <p class="hint">${t("reports.kentaikyo_intro")}</p>
            <p><a href="/firm/kentaikyo" data-testid="kt-link">${t("kt.link")}</a></p>
            ${errorSummary(kt, ["month"], "kt-")}
            <form @submit=${onKentaikyo} novalidate>
              ${field({ name: "month", prefix: "kt-", label: t("reports.month"), type: "month", required: true, value: lastMonth(), placeholder: "2026-04", errors: kt.errors })}
              ${field({ name: "encoding", prefix: "kt-", label: t("reports.encoding"), value: "utf-8", required: true, hideRequiredMark: true, options: ENCODINGS, errors: {} })}
              <button type="submit" class="primary" ?disabled=${downloads.busy("kt")}>${t("reports.download")}</button>
            </form>
          </section>
          <section class="card" aria-labelledby="tl-h">
            <h2 id="tl-h">${t("reports.technician_list")}</h2>
            <p class="hint">${t("reports.technician_list_intro")}</p>
            <form @submit=${onList} novalidate>
              ${field({ name: "format", prefix: "tl-", label: t("reports.format"), value: "csv", required: true, hideRequiredMark: true,
                options: [["csv", t("reports.list_csv")], ["pdf", t("reports.list_pdf")], ["statistics", t("reports.list_statistics")]], errors: {} })}
              ${field({ name: "encoding", prefix: "tl-", label: t("reports.encoding"), value: "utf-8", required: true, hideRequiredMark: true,
                hint: t("reports.encoding_hint"), options: ENCODINGS, errors: {} })}
              <button type="submit" class="primary" ?disabled=${downloads.busy("tl")}>${t("reports.download")}</button>
            </form>
          </section>
        </div>
        <section class="card" aria-labelledby="ac-h" id="api-clients">
          <h2 id="ac-h">${t("clients.title")}</h2>
          <p class="hint">${t("clients.intro")}</p>
          ${created
            ? html`<div class="notice code-box" id="client-secret" tabindex="-1" role="status" data-testid="api-client">
                <h3>${t("clients.created", { name: created.name })}</h3>
                <dl class="kv">
                  <div><dt>client_id</dt><dd class="mono" data-testid="client-id">${created.client_id}</dd></div>
                  <div><dt>client_secret</dt><dd class="mono code" data-testid="client-secret">${created.client_secret}</dd></div>
                </dl>
                <p>${t("clients.once")}</p>
                <button type="button" @click=${() => { created = null; update(); }}>${t("devices.code_done")}</button>
              </div>`
            : nothing}
          ${errorSummary(ac, ["name"], "ac-")}
          <form @submit=${onClient} novalidate>
            ${field({ name: "name", prefix: "ac-", label: t("clients.name"), required: true, maxlength: 200, placeholder: t("clients.name_placeholder"), errors: ac.errors })}
            <button type="submit" ?disabled=${ac.busy}>${t("clients.create")}</button>
          </form>
        </section>
      </section>`;
    },
  };
}
