// A registration agent's own queue (/agent) and one filing (/agent/filings/:pk): the applications this agent filed,
// their status and return reasons, the consent form and scans, and the answer to a return (correct, new photo,
// resubmit). The API shows an agent only its own filings.
//
// Answers to a return need the server's verdict at once, so they are never queued in the outbox.

import { html, nothing, TemplateResult } from "lit-html";
import { api, get } from "../api";
import { flash, navigate, update, View } from "../app";
import { Forms, values } from "../forms";
import { formatDate, formatDateTime, t, tr } from "../i18n";
import type { Schemas } from "../types";
import { authImg, badge, errorSummary, field, fileFrom, photoField } from "../ui";
import { loginIdText } from "../loginid";

export interface Agent { id: number; name: string; kind: string; prefecture: string | null; active: boolean }
type Filing = Schemas["FilingOut"];

let mine: Promise<Agent> | null = null;

/** The caller's agent (fetched once per page load). */
export function myAgent(): Promise<Agent> {
  mine ??= get<Agent>("/agents/mine").catch((e) => {
    mine = null;
    throw e;
  });
  return mine;
}

export function agentTabs(current: "queue" | "technician" | "business"): TemplateResult {
  const tab = (key: typeof current, href: string, label: string) =>
    html`<a href=${href} aria-current=${key === current ? "page" : "false"}>${label}</a>`;
  return html`<nav class="tabs" aria-label=${t("nav.main")}>
    ${tab("queue", "/agent", t("nav.agent_queue"))}
    ${tab("technician", "/agent/technician", t("nav.agent_technician"))}
    ${tab("business", "/agent/business", t("nav.agent_business"))}
  </nav>`;
}

const STATUSES = ["submitted", "returned", "approved"] as const;

export async function agentQueueView(query: URLSearchParams): Promise<View> {
  const agent = await myAgent();
  const status = STATUSES.find((s) => s === query.get("status")) ?? "";
  let rows: Filing[] = await get<Filing[]>(`/agents/${agent.id}/filings${status ? `?status=${status}` : ""}`);
  return {
    title: () => t("ag.queue_title"),
    refresh: async () => {
      rows = await get<Filing[]>(`/agents/${agent.id}/filings${status ? `?status=${status}` : ""}`);
    },
    render: () => html`<section>
      <h1 tabindex="-1">${t("ag.queue_title")}</h1>
      <p class="muted">${agent.name}</p>
      ${agentTabs("queue")}
      <p>${t("ag.queue_intro")}</p>
      <form class="inline" @submit=${(e: Event) => {
        e.preventDefault();
        const s = values(e.target as HTMLFormElement)("status");
        void navigate(s ? `/agent?status=${s}` : "/agent");
      }}>
        ${field({
          name: "status", label: t("ag.filter"), value: status, errors: {}, emptyLabel: t("ag.filter_all"),
          options: STATUSES.map((s) => [s, tr("status", s)]),
        })}
        <button type="submit">${t("ag.show")}</button>
      </form>
      ${rows.length === 0
        ? html`<p data-testid="agent-empty">${t("ag.none")}</p>`
        : html`<table class="list" data-testid="agent-filings">
            <thead><tr><th>${t("ag.col_applicant")}</th><th>${t("ag.col_kind")}</th><th>${t("ag.col_channel")}</th>
              <th>${t("ag.col_status")}</th><th>${t("ag.col_filed")}</th></tr></thead>
            <tbody>${rows.map((f) => html`<tr>
              <td><a href=${`/agent/filings/${f.id}`}>${f.subject_name}</a></td>
              <td>${tr("ag.subject", f.application.subject_type)}</td>
              <td>${tr("ag.channel", f.channel)}</td>
              <td>${badge("status", f.application.status)}</td>
              <td>${formatDateTime(f.created_at)}</td>
            </tr>`)}</tbody>
          </table>`}
    </section>`,
  };
}

export async function agentFilingView(pk: number): Promise<View> {
  const agent = await myAgent();
  const base = `/agents/${agent.id}/filings/${pk}`;
  let filing = await get<Filing>(base);
  const forms = new Forms();
  let photoVersion = 0;

  async function act(name: string, fn: () => Promise<Filing>, done: string) {
    const sent = await forms.run(name, fn);
    if (sent.state !== "done") return;
    filing = sent.result;
    flash(done);
  }

  const onAddress = (e: Event) => {
    e.preventDefault();
    const address = values(e.target as HTMLFormElement)("address");
    void act("fix", () => api<Filing>("PATCH", `${base}/technician`, { json: { address } }), t("ag.fixed"));
  };
  const onPhoto = (e: Event) => {
    e.preventDefault();
    const file = fileFrom(e.target as HTMLFormElement, "photo");
    if (!file) {
      forms.set("photo", { errors: { photo: t("reg.photo_required") }, message: null, busy: false });
      update();
      return;
    }
    void act("photo", async () => {
      const out = await api<Filing>("PUT", `${base}/photo`, { form: [["file", file]] });
      photoVersion += 1;
      return out;
    }, t("ag.photo_saved"));
  };
  const onResubmit = () => void act("resubmit", () => api<Filing>("POST", `${base}/resubmit`), t("ag.resubmitted"));

  function documents(): TemplateResult {
    return html`<h2>${t("ag.documents")}</h2>
      <div class="photo-row" data-testid="agent-documents">
        ${filing.documents.map((d) => html`<figure>
          ${authImg(`${base}/documents/${d.id}`, d.kind === "consent" ? t("ag.doc.consent") : t("ag.doc.scan", { n: d.page }))}
          <figcaption>${d.kind === "consent" ? t("ag.doc.consent") : t("ag.doc.scan", { n: d.page })}</figcaption>
        </figure>`)}
      </div>`;
  }

  function returned(): TemplateResult | typeof nothing {
    const app = filing.application;
    if (app.status !== "returned") return nothing;
    const tech = app.subject_type === "technician";
    return html`<h2>${t("ag.reasons")}</h2>
      <ul data-testid="agent-reasons">${app.return_reasons.map((r) => html`<li><strong>${r.field}</strong>: ${r.reason}</li>`)}</ul>
      <h2>${t("ag.fix_title")}</h2>
      ${tech
        ? html`${errorSummary(forms.get("fix"), ["address"])}
          <form @submit=${onAddress} novalidate>
            ${field({ name: "address", label: t("ag.address_fix"), errors: forms.get("fix").errors })}
            <button type="submit" ?disabled=${forms.get("fix").busy}>${t("ag.save_fix")}</button>
          </form>
          ${errorSummary(forms.get("photo"), ["photo", "file"])}
          <form @submit=${onPhoto} novalidate>
            ${photoField({ name: "photo", label: t("ag.new_photo"), capture: "user", errors: forms.get("photo").errors })}
            <button type="submit" ?disabled=${forms.get("photo").busy}>${t("ag.new_photo")}</button>
          </form>`
        : nothing}
      ${errorSummary(forms.get("resubmit"))}
      <p><button class="primary" type="button" data-testid="agent-resubmit" @click=${onResubmit}
        ?disabled=${forms.get("resubmit").busy}>${t("ag.resubmit")}</button></p>`;
  }

  return {
    title: () => t("ag.filing_title"),
    render: () => html`<section data-photo-version=${photoVersion}>
      <h1 tabindex="-1">${t("ag.filing_title")}: ${filing.subject_name}</h1>
      ${agentTabs("queue")}
      <dl class="facts">
        <dt>${t("ag.col_kind")}</dt><dd>${tr("ag.subject", filing.application.subject_type)} · ${tr("kind", filing.application.kind)}</dd>
        <dt>${t("ag.col_status")}</dt><dd data-testid="agent-status">${badge("status", filing.application.status)}</dd>
        <dt>${t("ag.col_channel")}</dt><dd>${tr("ag.channel", filing.channel)}</dd>
        <dt>${t("ag.col_filed")}</dt><dd>${formatDateTime(filing.created_at)}</dd>
      </dl>
      <p>${t("ag.consent_on_label", { d: formatDate(filing.consent_on) })}</p>
      ${filing.login ? html`<p>${t("ag.login_label", { login: loginIdText(filing.login) })}</p>` : nothing}
      ${documents()}
      ${returned()}
      <p><a href="/agent">${t("ag.back")}</a></p>
    </section>`,
  };
}
