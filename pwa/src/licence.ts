// 免許証から入力: the driver's licence card face, photographed with the phone's back camera, is read by the API
// (POST /licence/card-photo, tesseract on the server) into a draft with a confidence per field. The person sees what
// was read, chooses which values to put into the form (the sure ones are ticked, the doubtful ones are offered but
// not ticked), and then checks the form before sending it: nothing is sent to the registration until they do.
//
// Needs a connection (the reading happens on the server). The licence number is never put into the form; the API
// keeps it masked.

import { html, nothing, TemplateResult } from "lit-html";
import { api, ApiError, NetworkError } from "./api";
import { update } from "./app";
import { Form } from "./forms";
import { fieldLabel, getLang, t } from "./i18n";
import type { LicenceDraft, Schemas } from "./types";
import { errorSummary } from "./ui";

type Draft = LicenceDraft;
type DraftField = Schemas["DraftField"];

/** The form fields a licence can fill (the API's IdentityFields names), in the form's order. */
const FILLABLE = ["family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "postal_code", "address"];
const SURE = 0.8;

export class LicenceFill {
  private form = new Form("lic-"); // reading the photo: one at a time, a refusal in its summary
  private result: Draft | null = null;
  private filled: string[] = [];

  /** `fill` puts the chosen values into the page's form (and its kept values). */
  constructor(private fill: (values: Record<string, string>) => void) {}

  private async read(ev: Event) {
    const input = ev.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    this.result = null;
    this.filled = [];
    await this.form.action(() => api<Draft>("POST", "/licence/card-photo",
      { form: [["file", { blob: file, filename: file.name || "licence.jpg" }], ["consent_raw", "false"]] }), {
      needsConnection: t("lic.offline"),
      // The reader's own words: what to do next (wait, a smaller photo, or type the details).
      refusal: (e) => (e instanceof NetworkError ? null : { errors: {}, busy: false,
        message: e instanceof ApiError && e.status === 429 ? t("lic.too_many")
          : e instanceof ApiError && e.status === 413 ? t("lic.too_large") : t("lic.failed") }),
      done: (result) => {
        this.result = result;
        if (!this.readable().length && !result.draft.retake?.length) return this.form.invalid({}, t("lic.nothing"));
        requestAnimationFrame(() => document.getElementById("lic-result")?.focus());
      },
    });
    input.value = "";
  }

  private readable(): [string, DraftField][] {
    const fields = this.result?.draft.fields ?? {};
    return FILLABLE.filter((k) => fields[k]?.value).map((k) => [k, fields[k]]);
  }

  private apply(ev: SubmitEvent) {
    ev.preventDefault();
    const fd = new FormData(ev.target as HTMLFormElement);
    const chosen: Record<string, string> = {};
    for (const [k, f] of this.readable()) if (fd.get(`lic-use-${k}`) === "true" && f.value) chosen[k] = f.value;
    this.fill(chosen);
    this.filled = Object.keys(chosen);
    // Logged in: the draft is kept by the API; record which values the person took.
    if (this.result?.id != null && this.filled.length) {
      void api("POST", `/licence/drafts/${this.result.id}/confirm`, { json: { confirmed: this.filled } }).catch(() => {});
    }
    this.result = null;
    update();
    requestAnimationFrame(() => document.getElementById("lic-filled")?.focus());
  }

  render(): TemplateResult {
    const retake = this.result?.draft.retake ?? [];
    const rows = this.readable();
    return html`<details class="card licence" ?open=${this.form.status.busy || !!this.result || !!this.form.status.message || this.filled.length > 0} data-testid="licence-fill">
      <summary><strong>${t("lic.title")}</strong></summary>
      <p class="hint" id="lic-intro">${t("lic.intro")}</p>
      <div class="field photo">
        <label for="f-licence-photo">${t("lic.photo")}</label>
        <input id="f-licence-photo" type="file" accept="image/*" capture="environment" aria-describedby="lic-intro"
          ?disabled=${this.form.status.busy} @change=${(e: Event) => this.read(e)} />
      </div>
      <div role="status" aria-live="polite">
        ${this.form.status.busy ? html`<p class="loading" data-testid="licence-busy">${t("lic.reading")}</p>` : nothing}
        ${this.filled.length
          ? html`<p class="notice info" id="lic-filled" tabindex="-1" data-testid="licence-filled">${t("lic.filled", { fields: this.filled.map((k) => fieldLabel(k)).join("、") })}</p>`
          : nothing}
      </div>
      ${errorSummary(this.form.status, [], "lic-")}
      ${retake.length
        ? html`<div class="error-summary" role="alert" tabindex="-1" id="lic-result" data-testid="licence-retake">
            <p><strong>${t("lic.retake")}</strong></p>
            <ul>${retake.map((r) => html`<li>${getLang() === "ja" ? r.message : r.message_en}</li>`)}</ul>
          </div>`
        : nothing}
      ${this.result && rows.length
        ? html`<form class="licence-result" id="lic-result" tabindex="-1" @submit=${(e: SubmitEvent) => this.apply(e)} data-testid="licence-result">
            <p>${t("lic.check")}</p>
            <div class="table-wrap" tabindex="0" role="region" aria-label=${t("lic.read_title")}><table class="data">
              <caption>${t("lic.read_title")}</caption>
              <thead><tr><th scope="col">${t("lic.use")}</th><th scope="col">${t("lic.item")}</th><th scope="col">${t("lic.value")}</th><th scope="col">${t("lic.confidence")}</th></tr></thead>
              <tbody>${rows.map(([k, f]) => {
                const doubtful = !f.prefill || f.confidence < SURE;
                return html`<tr class=${doubtful ? "doubtful" : ""}>
                  <td><input type="checkbox" id="lic-use-${k}" name="lic-use-${k}" value="true" ?checked=${f.prefill} /></td>
                  <th scope="row"><label for="lic-use-${k}">${fieldLabel(k)}</label></th>
                  <td data-field=${k}>${f.value}</td>
                  <td>${Math.round(f.confidence * 100)}%${doubtful ? html` <span class="warn">${t("lic.doubtful")}</span>` : nothing}</td>
                </tr>`;
              })}</tbody>
            </table></div>
            ${this.result.draft.identity_document?.expired ? html`<p class="warn">${t("lic.expired")}</p>` : nothing}
            <p class="hint">${t("lic.not_on_licence")}</p>
            <button type="submit" class="primary" data-testid="licence-apply">${t("lic.apply")}</button>
          </form>`
        : nothing}
    </details>`;
  }
}

/** Put values into a form's inputs by name, so what is on screen is what will be sent. */
export function fillForm(form: HTMLFormElement | null, values: Record<string, string>): void {
  if (!form) return;
  for (const [name, value] of Object.entries(values)) {
    const el = form.elements.namedItem(name);
    if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) {
      el.value = value;
      el.classList.add("autofilled");
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }
}
