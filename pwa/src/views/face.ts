// Face check-in outside the kiosk: the site's review queue and settings (/firm/sites/:pk/face, for the site's
// managers) and the technician's consent on /me (giving it starts the enrolment in the background; withdrawing deletes
// the face data).

import { html, nothing, TemplateResult } from "lit-html";
import { api, ApiError, get } from "../api";
import { flash, update } from "../app";
import { Form, Forms, send, values } from "../forms";
import { formatDateTime, t, tr } from "../i18n";
import type { Site } from "../types";
import { authImg, badge, dl, errorSummary, field, fileFrom, photoField } from "../ui";

interface CheckinItem {
  id: number;
  outcome: string;
  technician_pk: number | null;
  technician_id: string | null;
  name: string | null;
  distance: number | null;
  liveness_risk: number;
  device_time: string;
  created_at: string;
  has_evidence: boolean;
  tap_id: number | null;
  approved?: boolean | null;
  reviewed_at: string | null;
}

type SiteWithFace = Site & { face_threshold?: number; face_policy?: string };

export interface FacePage {
  render(): TemplateResult;
  reload(site: Site): Promise<void>;
}

const POLICIES = ["accept", "review", "card"] as const;

/** The site's face check-ins: the review queue (or all recent ones) with the captured image, and the settings. */
export async function facePage(first: Site, query: URLSearchParams): Promise<FacePage> {
  const forms = new Forms();
  const all = query.get("show") === "all";
  let site = first as SiteWithFace;
  const listPath = () => `/sites/${site.id}/face-checkins?${all ? "" : "outcome=review&undecided=true&"}limit=100`;
  let items = await get<CheckinItem[]>(listPath());

  async function reload(s: Site) {
    site = s as SiteWithFace;
    items = await get<CheckinItem[]>(listPath());
    update();
  }

  async function onSettings(ev: SubmitEvent) {
    ev.preventDefault();
    const v = values(ev.target as HTMLFormElement);
    const threshold = Number(v("threshold"));
    if (!(threshold >= 0.3 && threshold <= 0.6)) return forms.invalid("fs-", { threshold: t("face.threshold_range") });
    const sent = await send<{ threshold: number; policy: string }>(forms, "fs-", { ja: `顔認証の設定（${site.name}）`, en: `Face settings (${site.name})` },
      { method: "PUT", path: `/sites/${site.id}/face-settings`, json: { threshold, policy: v("policy") } });
    if (sent.state !== "done") return;
    site = { ...site, face_threshold: sent.result.threshold, face_policy: sent.result.policy };
    flash(t("face.saved"));
  }

  async function decide(c: CheckinItem, approve: boolean) {
    const who = c.name ?? t("face.unknown_person");
    const sent = await send<CheckinItem>(forms, `dec-${c.id}-`,
      approve ? { ja: `顔認証の承認（${who}）`, en: `Approve a face check-in (${who})` } : { ja: `顔認証の却下（${who}）`, en: `Reject a face check-in (${who})` },
      { method: "POST", path: `/sites/${site.id}/face-checkins/${c.id}/decision`, json: { approve } });
    if (sent.state !== "done") return;
    items = all ? items.map((x) => (x.id === c.id ? sent.result : x)) : items.filter((x) => x.id !== c.id);
    flash(t(approve ? "face.approved" : "face.rejected", { name: who }));
  }

  function item(c: CheckinItem): TemplateResult {
    const st = forms.get(`dec-${c.id}-`);
    const who = c.name ?? t("face.unknown");
    const open = c.outcome === "review" && !c.reviewed_at;
    return html`<li class="face-item" data-checkin=${c.id}>
      <div class="face-photos">
        ${c.has_evidence
          ? authImg(`/sites/${site.id}/face-checkins/${c.id}/evidence`, t("face.evidence_alt", { name: who }), "evidence")
          : html`<span class="thumb placeholder evidence">${t("face.no_evidence")}</span>`}
        ${c.technician_pk != null && open
          ? authImg(`/sites/${site.id}/face-checkins/${c.id}/registered-photo`, t("face.registered_alt", { name: who }), "registered")
          : nothing}
      </div>
      <div>
        <div class="row-head"><strong>${who}</strong> ${c.technician_id ? html`<span class="mono meta">${c.technician_id}</span>` : nothing}
          ${badge("outcome", c.outcome)} ${c.reviewed_at ? html`<span class="badge">${t("face.reviewed")}</span>` : nothing}</div>
        ${dl([
          [t("face.device_time"), formatDateTime(c.device_time)],
          [t("face.distance"), c.distance == null ? "—" : c.distance.toFixed(3)],
          [t("face.liveness"), `${Math.round(c.liveness_risk * 100)}%`],
          ...(c.reviewed_at ? [[t("face.reviewed"), formatDateTime(c.reviewed_at)] as [string, unknown]] : []),
        ])}
        ${open
          ? html`${errorSummary(st, [], `dec-${c.id}-`)}
            <div class="actions">
              <button type="button" class="primary" data-testid="face-approve" ?disabled=${st.busy} @click=${() => decide(c, true)}>${t("face.approve")}</button>
              <button type="button" class="danger" ?disabled=${st.busy} @click=${() => decide(c, false)}>${t("face.reject")}</button>
            </div>`
          : nothing}
      </div>
    </li>`;
  }

  return {
    reload,
    render: () => {
      const st = forms.get("fs-");
      return html`
        <section class="card" aria-labelledby="fq-h">
          <h2 id="fq-h">${t("face.queue")}</h2>
          <p class="hint">${t("face.queue_intro")}</p>
          <nav class="tabs sub-tabs" aria-label=${t("face.filter")}>
            <a href="/firm/sites/${site.id}/face" aria-current=${all ? "false" : "page"}>${t("face.filter.review")}</a>
            <a href="/firm/sites/${site.id}/face?show=all" aria-current=${all ? "page" : "false"}>${t("face.filter.all")}</a>
          </nav>
          ${items.length
            ? html`<ul class="list" data-testid="face-checkins">${items.map(item)}</ul>`
            : html`<p data-testid="no-face-checkins">${all ? t("face.none_all") : t("face.none")}</p>`}
        </section>
        <section class="card" aria-labelledby="fs-h">
          <h2 id="fs-h">${t("face.settings")}</h2>
          <p class="hint">${t("face.settings_intro")}</p>
          ${errorSummary(st, ["threshold", "policy"], "fs-")}
          <form @submit=${onSettings} novalidate>
            <div class="grid2">
              ${field({ name: "threshold", prefix: "fs-", label: t("face.threshold"), type: "number", inputmode: "decimal",
                value: (site.face_threshold ?? 0.5).toFixed(2), required: true, errors: st.errors })}
              ${field({ name: "policy", prefix: "fs-", label: t("face.policy"), value: site.face_policy ?? "review", required: true,
                options: POLICIES.map((p) => [p, tr("face.policy", p)]), errors: st.errors })}
            </div>
            <button type="submit" class="primary" ?disabled=${st.busy}>${t("face.save")}</button>
          </form>
        </section>`;
    },
  };
}

// --- the technician's consent ---------------------------------------------------------------------------------

interface FaceStatus {
  consent: boolean;
  consent_at: string | null;
  enrolled: boolean;
  embeddings: number;
  extra_photos?: number;
  model_version: string | null;
  error: string | null;
}

/** The consent section of /me: loads its own status (hidden when the server has no face check-in). */
export class FaceConsent {
  private status: FaceStatus | null = null;
  private unavailable = false;
  private confirming = false;
  // Consent, the extra photos and their deletion are one form ("face-"): one request at a time, the refusal in its
  // summary, a photo's own error at the photo field.
  private form = new Form("face-");
  private loading: Promise<void> | null = null;

  constructor(private pk: number, private hasPhoto: () => boolean) {}

  private load(): Promise<void> {
    this.loading ??= get<FaceStatus>(`/technicians/${this.pk}/face`)
      .then((s) => { this.status = s; })
      .catch((e) => { this.unavailable = e instanceof ApiError && (e.status === 404 || e.status === 405); })
      .finally(() => update());
    return this.loading;
  }

  async refresh(): Promise<void> {
    this.loading = null;
    await this.load();
  }

  /** An extra photo (up to 3) makes recognition surer, e.g. with glasses or from another angle. */
  private async addPhoto(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const file = fileFrom(form, "extra_photo");
    if (!file) return this.form.invalid({ extra_photo: t("reg.photo_required") });
    await this.form.action(() => api<FaceStatus>("POST", `/technicians/${this.pk}/face-photos`, { form: [["file", file]] }), {
      needsConnection: t("app.offline_view"),
      rename: { file: "extra_photo" },
      done: (status) => {
        this.status = status;
        form.reset();
        const preview = document.getElementById("f-face-extra_photo-preview") as HTMLImageElement | null;
        if (preview) preview.hidden = true;
        flash(t("consent.photo_added"));
      },
    });
  }

  private async deletePhotos() {
    await this.form.action(() => api<FaceStatus>("DELETE", `/technicians/${this.pk}/face-photos`), {
      needsConnection: t("app.offline_view"),
      done: (status) => {
        this.status = status;
        flash(t("consent.photos_deleted"));
      },
    });
  }

  private extraPhotos(s: FaceStatus): TemplateResult {
    const n = s.extra_photos ?? 0;
    return html`<div class="card subtle" data-testid="face-extra">
      <h3>${t("consent.extra_title")}</h3>
      <p class="hint">${t("consent.extra_intro", { n })}</p>
      ${n < 3
        ? html`<form @submit=${(e: SubmitEvent) => this.addPhoto(e)} novalidate>
            ${photoField({ name: "extra_photo", prefix: "face-", label: t("consent.extra_photo"), capture: "user", errors: this.form.status.errors })}
            <button type="submit" ?disabled=${this.form.status.busy}>${t("consent.extra_add")}</button>
          </form>`
        : nothing}
      ${n ? html`<p><button type="button" class="link" ?disabled=${this.form.status.busy} @click=${() => this.deletePhotos()}>${t("consent.extra_delete")}</button></p>` : nothing}
    </div>`;
  }

  private async set(consent: boolean) {
    await this.form.action(() => api<FaceStatus>("PUT", `/technicians/${this.pk}/face-consent`, { json: { consent } }), {
      needsConnection: t("app.offline_view"),
      done: (status) => {
        this.status = status;
        this.confirming = false;
        flash(consent ? t("consent.given_done") : t("consent.withdrawn_done"));
      },
    });
  }

  render(): TemplateResult | typeof nothing {
    if (!this.status && !this.unavailable) void this.load();
    if (this.unavailable || !this.status) return nothing;
    const s = this.status;
    return html`<section class="card" aria-labelledby="face-h" data-testid="face-consent">
      <h2 id="face-h">${t("consent.title")}</h2>
      <p>${t("consent.intro")}</p>
      ${dl([
        [t("consent.status"), html`<span data-testid="consent-status">${s.consent ? t("consent.given", { at: formatDateTime(s.consent_at) }) : t("consent.not_given")}</span>`],
        [t("consent.enrolled"), html`<span data-testid="face-enrolled">${s.enrolled ? t("consent.enrolled_yes", { n: s.embeddings })
          : s.consent && !s.error ? t("consent.enrolled_pending") : t("consent.enrolled_no")}</span>`],
        ...(s.model_version ? [[t("consent.model"), html`<span class="mono">${s.model_version}</span>`] as [string, unknown]] : []),
        ...(s.error ? [[t("consent.error"), html`<span class="warn">${s.error}</span>`] as [string, unknown]] : []),
      ])}
      ${!this.hasPhoto() && !s.consent ? html`<p class="hint">${t("consent.needs_photo")}</p>` : nothing}
      ${errorSummary(this.form.status, ["extra_photo"], "face-")}
      ${s.consent && !this.confirming ? this.extraPhotos(s) : nothing}
      ${s.consent
        ? this.confirming
          ? html`<div class="notice returned" id="face-withdraw" tabindex="-1" role="group" aria-labelledby="face-withdraw-h">
              <h3 id="face-withdraw-h">${t("consent.withdraw")}</h3>
              <p>${t("consent.withdraw_confirm")}</p>
              <div class="actions">
                <button type="button" class="danger" data-testid="withdraw-yes" ?disabled=${this.form.status.busy} @click=${() => this.set(false)}>${t("consent.withdraw_yes")}</button>
                <button type="button" @click=${() => { this.confirming = false; update(); }}>${t("consent.withdraw_no")}</button>
              </div>
            </div>`
          : html`<button type="button" class="danger" data-testid="withdraw-consent" @click=${() => {
              this.confirming = true;
              update();
              requestAnimationFrame(() => document.getElementById("face-withdraw")?.focus());
            }}>${t("consent.withdraw")}</button>`
        : nothing}
      ${s.consent ? nothing
        : html`<button type="button" class="primary" data-testid="give-consent" ?disabled=${this.form.status.busy} @click=${() => this.set(true)}>${t("consent.give")}</button>`}
    </section>`;
  }
}
