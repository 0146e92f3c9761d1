// A technician's overview tab: status, card (and reporting it lost), the registration's renewal, face check-in,
// applications and notices. Drawn from the page's state (TechnicianPage, kept by technicianView).

import { html, nothing, TemplateResult } from "lit-html";
import { update } from "../app";
import { feeNotice, Quote } from "../fees";
import type { Form } from "../forms";
import { todayJst } from "../forms";
import { formatDate, formatDateTime, formatYen, t, tr } from "../i18n";
import { tradeName } from "../masters";
import type { Application, Notice, Technician } from "../types";
import { badge, dl, Reasons } from "../ui";
import type { FaceConsent } from "./face";
import type { DetailedRows } from "./technician-detailed";
import { loginIdText } from "../loginid";
import { session } from "../api";

/** What the technician's tabs read and call: the state and handlers of technicianView. */
export interface TechnicianPage {
  readonly pk: number;
  readonly self: boolean;
  readonly base: string;
  readonly tech: Technician;
  readonly apps: Application[];
  readonly notices: Notice[];
  readonly imageVersion: number;
  readonly main: Form;
  readonly qual: Form;
  readonly face: FaceConsent | null;
  readonly fees: Record<"new" | "upgrade" | "renewal", Quote | null | undefined>;
  readonly detailedRows: DetailedRows;
  readonly lost: { confirm: boolean; serial: string };
  name(): string;
  openApp(): Application | undefined;
  returnedUpgrade(): Application | undefined;
  reasonsOf(a: Application | undefined): Reasons;
  photoImg(kind: "photo" | "id-document", cls?: string): TemplateResult;
  reasonList(app: Application, editHref: string): TemplateResult;
  onResubmit(app: Application): Promise<void>;
  onSaveDetailed(ev: SubmitEvent): Promise<void>;
  onAddQualification(ev: SubmitEvent): Promise<void>;
  onApplyUpgrade(): Promise<void>;
  onApplyRenewal(): Promise<void>;
  onReportLost(serial: string): Promise<void>;
}

export function lostCard(p: TechnicianPage, serial: string): TemplateResult {
  if (!p.lost.confirm) {
    return html`<p><button type="button" class="danger" data-testid="report-lost" @click=${() => {
      p.lost.confirm = true;
      update();
      requestAnimationFrame(() => document.getElementById("lost-confirm")?.focus());
    }}>${t("card.report_lost")}</button></p>`;
  }
  return html`<div class="notice returned" id="lost-confirm" tabindex="-1" role="group" aria-labelledby="lost-h">
    <h3 id="lost-h">${t("card.report_lost")}</h3>
    <p>${t("card.lost_confirm", { serial })}</p>
    <div class="actions">
      <button type="button" class="danger" data-testid="confirm-lost" @click=${() => p.onReportLost(serial)}>${t("card.lost_yes")}</button>
      <button type="button" @click=${() => { p.lost.confirm = false; update(); }}>${t("card.lost_no")}</button>
    </div>
  </div>`;
}

/** The registration's expiry and, from 6 months before it, the renewal (登録更新) with its fee. */
function renewalSection(p: TechnicianPage): TemplateResult | typeof nothing {
  const expires = p.tech.registration_expires_on;
  const opens = p.tech.renewal_opens_on;
  if (!expires || !opens || p.tech.status !== "approved") return nothing;
  const today = todayJst();
  const pending = p.tech.open_renewal_pk != null;
  const canApply = !pending && today >= opens;
  return html`<section class="card" aria-labelledby="renewal-h" data-testid="renewal">
    <h2 id="renewal-h">${t("renewal.title")}</h2>
    ${dl([[t("renewal.expires"), html`<strong data-testid="registration-expires">${formatDate(expires)}</strong>`], [t("renewal.opens"), formatDate(opens)]])}
    ${expires < today ? html`<p class="notice returned">${t("renewal.expired")}</p>` : nothing}
    ${pending ? html`<p>${t("renewal.pending")}</p>` : nothing}
    ${!pending && today < opens ? html`<p>${t("renewal.not_yet", { on: formatDate(opens) })}</p>` : nothing}
    ${canApply
      ? html`<p>${t("renewal.open_now")}</p>${feeNotice(p.fees.renewal, "renewal-fee")}
          <p><button class="primary" type="button" data-testid="apply-renewal" ?disabled=${p.main.status.busy} @click=${p.onApplyRenewal}>${t("renewal.apply")}</button></p>`
      : nothing}
  </section>`;
}

export function overview(p: TechnicianPage): TemplateResult {
  const open = p.openApp();
  const card = p.tech.card;
  return html`
    ${open?.status === "returned" ? p.reasonList(open, open.kind === "upgrade" ? `${p.base}/detailed` : `${p.base}/edit`) : nothing}
    <section class="card" aria-labelledby="status-h">
      <h2 id="status-h">${t("me.status")}</h2>
      ${dl([
        [t("f.status"), badge("status", p.tech.status)],
        [t("me.tier"), badge("tier", p.tech.tier)],
        [t("f.technician_id"), p.tech.technician_id ? html`<span class="mono" data-testid="technician-id">${p.tech.technician_id}</span>` : "—"],
        // Their own ログインID, always at hand (the system assigned it; the flash after registration is gone by now).
        ...(p.self && session.me ? [[t("f.login"), html`<span class="mono" data-testid="login-id">${loginIdText(session.me.login)}</span>`] as [string, unknown]] : []),
        [t("f.trades"), p.tech.trades.map(tradeName).join("、")],
        ...(p.tech.residence_expiry ? [[t("me.foreign_expiry"), `${p.tech.residence_status ?? ""} ${formatDate(p.tech.residence_expiry)}`] as [string, unknown]] : []),
        ...(open ? [[t("me.open_application"), html`${tr("kind", open.kind)} — ${badge("status", open.status)}`] as [string, unknown]] : []),
      ])}
      ${p.tech.status === "draft" ? html`<p><a class="button primary" href="${p.base}/edit">${t("me.apply")}</a></p>` : nothing}
    </section>
    <section class="card ccus-card-section" aria-labelledby="card-h">
      <h2 id="card-h">${t("me.card_title")}</h2>
      ${card
        ? html`<div class="ccus-card" data-testid="card">
            <div class="ccus-card-photo">${p.photoImg("photo", "card-photo")}</div>
            <div>
              <p class="ccus-card-name">${p.name()}</p>
              ${dl([
                [t("f.technician_id"), html`<span class="mono">${p.tech.technician_id}</span>`],
                [t("me.card_serial"), html`<span class="mono">${card.serial}</span>`],
                [t("me.card_issued"), formatDate(card.issued_on)],
                [t("me.card_valid"), formatDate(card.valid_until)],
                [t("me.card_status"), badge("card", card.status)],
              ])}
            </div>
          </div>`
        : html`<p data-testid="no-card">${p.lost.serial ? t("card.lost_notice", { serial: p.lost.serial }) : p.tech.status === "approved" ? t("me.no_active_card") : t("me.no_card")}</p>`}
      ${p.self && card?.status === "active" ? lostCard(p, card.serial) : nothing}
    </section>
    ${renewalSection(p)}
    ${p.face && p.tech.status === "approved" ? p.face.render() : nothing}
    <section class="card" aria-labelledby="apps-h">
      <h2 id="apps-h">${t("me.applications")}</h2>
      ${p.apps.length
        ? html`<ul class="list">
            ${[...p.apps].reverse().map((a) => html`<li>
              <strong>${tr("kind", a.kind)}</strong> ${badge("status", a.status)}
              ${a.proxy ? html`<span class="badge">${t("review.proxy")}</span>` : nothing}
              <div class="meta">${t("me.submitted_at")}: ${formatDateTime(a.submitted_at)}
                ${a.decided_at ? html` · ${t("me.decided_at")}: ${formatDateTime(a.decided_at)}` : nothing}
                ${a.fee_yen != null && a.priced_on ? html` · <span data-testid="application-fee">${t("fee.application", { amount: formatYen(a.fee_yen), on: formatDate(a.priced_on) })}</span>` : nothing}</div>
              ${a.status === "returned"
                ? html`<button type="button" @click=${() => p.onResubmit(a)}>${t("me.resubmit")}</button>`
                : nothing}
            </li>`)}
          </ul>`
        : html`<p>${t("me.no_applications")}</p>`}
    </section>
    ${p.self
      ? html`<section class="card" aria-labelledby="notes-h">
          <h2 id="notes-h">${t("notes.title")}</h2>
          ${p.notices.length
            ? html`<ul class="list">${p.notices.slice(0, 5).map((n) => html`<li>
                ${n.read_at ? nothing : html`<span class="badge badge-unread">${t("notes.unread")}</span>`}
                ${n.message} <div class="meta">${formatDateTime(n.created_at)}</div></li>`)}</ul>
              <p><a href="/notifications">${t("nav.notifications")}</a></p>`
            : html`<p>${t("notes.none")}</p>`}
        </section>`
      : nothing}`;
}

