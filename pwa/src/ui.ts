// Shared templates: labelled fields with their error and returned-field reason, error summaries, badges, and
// images fetched with the bearer token.

import { html, nothing, TemplateResult } from "lit-html";
import { ifDefined } from "lit-html/directives/if-defined.js";
import { ApiError, getBlob, NetworkError } from "./api";
import { errorMessage, fieldLabel, fieldMessage, t, tr } from "./i18n";

export type Errors = Record<string, string>;
export type Reasons = Record<string, string>;

export function fieldId(name: string, prefix = ""): string {
  return `f-${prefix}${name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
}

/** Errors keyed by field name; the API's "face_photo" error belongs to the "photo" input. */
export function errorsFrom(e: ApiError): Errors {
  const out: Errors = {};
  for (const f of e.fields) {
    // The one-request registration sends its data as the form field "data": "data.family_name" is family_name.
    let key = f.field === "face_photo" ? "photo" : f.field.replace(/^(form\.)?data\./, "");
    // A whole-body (cross-field) error: the residence rules belong next to the residence fields.
    if (key === "body") key = f.type?.startsWith("residence_") ? "residence_status" : "";
    const text = fieldMessage(f.type ? f : { ...f, type: e.code });
    out[key] = out[key] ? `${out[key]} ${text}` : text;
  }
  return out;
}

export interface FormStatus {
  errors: Errors;
  message: string | null;
  busy: boolean;
}

export function emptyStatus(): FormStatus {
  return { errors: {}, message: null, busy: false };
}

/** Turn a failed submission into the form's status (field errors and a top message). */
export function statusFromError(e: unknown): FormStatus {
  if (e instanceof ApiError) {
    // Translated by code only (messages/errors.ts, built from the server's catalogue): the field items by their
    // `type`, a refusal without fields by its code.
    const errors = errorsFrom(e);
    if (Object.keys(errors).length) return { errors, message: null, busy: false };
    return { errors: {}, message: errorMessage(e.code, e.message), busy: false };
  }
  if (e instanceof NetworkError) return { errors: {}, message: t("app.network_error"), busy: false };
  return { errors: {}, message: String(e), busy: false };
}

/** The list of problems at the top of a form, each linking to its field. Focused after a failed submit. */
export function errorSummary(status: FormStatus, knownFields: string[] = [], prefix = ""): TemplateResult | typeof nothing {
  const entries = Object.entries(status.errors);
  if (!entries.length && !status.message) return nothing;
  return html`<div class="error-summary" role="alert" tabindex="-1" id="error-summary${prefix ? `-${prefix}` : ""}">
    ${status.message ? html`<p>${status.message}</p>` : nothing}
    ${entries.length
      ? html`<p><strong>${t("err.summary", { n: entries.length })}</strong></p>
          <ul>
            ${entries.map(([field, msg]) => {
              const target = !field || (knownFields.length && !knownFields.includes(field)) ? null : fieldId(field, prefix);
              const label = field ? fieldLabel(field) : "";
              return html`<li>${target ? html`<a href="#${target}" @click=${focusField(target)}>${label}</a>` : label}${label ? ": " : ""}${msg}</li>`;
            })}
          </ul>`
      : nothing}
  </div>`;
}

function focusField(id: string) {
  return (ev: Event) => {
    ev.preventDefault();
    const el = document.getElementById(id);
    el?.focus();
    el?.scrollIntoView({ block: "center" });
  };
}

export function focusErrorSummary(): void {
  requestAnimationFrame(() => document.querySelector<HTMLElement>(".error-summary")?.focus());
}

interface FieldOpts {
  name: string;
  label?: string;
  type?: string;
  value?: string | number | null;
  required?: boolean;
  hint?: string;
  autocomplete?: string;
  inputmode?: string;
  options?: [string, string][];
  placeholder?: string;
  errors: Errors;
  reasons?: Reasons;
  disabled?: boolean;
  maxlength?: number;
  pattern?: string;
  min?: number; // number inputs: the API's bounds, so the spinner stays inside them
  max?: number;
  reasonKey?: string; // the returned-field name when it differs from the input name
  prefix?: string; // keeps ids unique when two forms on a page share field names
  emptyLabel?: string; // the label of an optional select's empty choice
  hideRequiredMark?: boolean; // a filter that always has a value
}

type NoteOpts = { name: string; hint?: string; errors: Errors; reasons?: Reasons; reasonKey?: string; prefix?: string };

function describedBy(o: NoteOpts): string | undefined {
  const id = fieldId(o.name, o.prefix);
  const ids = [];
  if (o.reasons?.[o.reasonKey ?? o.name]) ids.push(`${id}-reason`);
  if (o.errors[o.name]) ids.push(`${id}-error`);
  if (o.hint) ids.push(`${id}-hint`);
  return ids.length ? ids.join(" ") : undefined;
}

function fieldNotes(o: NoteOpts) {
  const id = fieldId(o.name, o.prefix);
  const reason = o.reasons?.[o.reasonKey ?? o.name];
  return html`${reason ? html`<p class="reason" id="${id}-reason"><strong>${t("me.reason_label")}:</strong> ${reason}</p>` : nothing}
    ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : nothing}
    ${o.errors[o.name] ? html`<p class="field-error" id="${id}-error">${o.errors[o.name]}</p>` : nothing}`;
}

function wrapClass(o: { name: string; errors: Errors; reasons?: Reasons; reasonKey?: string }, extra = ""): string {
  const cls = ["field", extra];
  if (o.errors[o.name]) cls.push("has-error");
  if (o.reasons?.[o.reasonKey ?? o.name]) cls.push("returned");
  return cls.filter(Boolean).join(" ");
}

function requiredMark(required?: boolean) {
  return required ? html` <span class="req">${t("f.required")}</span>` : nothing;
}

export function field(o: FieldOpts): TemplateResult {
  const id = fieldId(o.name, o.prefix);
  const label = o.label ?? fieldLabel(o.name);
  const invalid = o.errors[o.name] ? "true" : undefined;
  const value = o.value == null ? "" : String(o.value);
  let control: TemplateResult;
  if (o.options) {
    control = html`<select id=${id} name=${o.name} ?required=${!!o.required} ?disabled=${!!o.disabled}
        aria-invalid=${ifDefined(invalid)} aria-describedby=${ifDefined(describedBy(o))}>
      ${o.required ? nothing : html`<option value="" ?selected=${value === ""}>${o.emptyLabel ?? t("f.none")}</option>`}
      ${o.required && !value ? html`<option value="" selected disabled>${t("f.choose")}</option>` : nothing}
      ${o.options.map(([v, l]) => html`<option value=${v} ?selected=${v === value}>${l}</option>`)}
    </select>`;
  } else if (o.type === "textarea") {
    control = html`<textarea id=${id} name=${o.name} rows="4" ?required=${!!o.required} ?disabled=${!!o.disabled}
      maxlength=${ifDefined(o.maxlength)} aria-invalid=${ifDefined(invalid)}
      aria-describedby=${ifDefined(describedBy(o))}>${value}</textarea>`;
  } else {
    control = html`<input id=${id} name=${o.name} type=${o.type ?? "text"} value=${value}
      ?required=${!!o.required} ?disabled=${!!o.disabled} autocomplete=${ifDefined(o.autocomplete)}
      inputmode=${ifDefined(o.inputmode)} placeholder=${ifDefined(o.placeholder)} maxlength=${ifDefined(o.maxlength)}
      pattern=${ifDefined(o.pattern)} min=${ifDefined(o.min)} max=${ifDefined(o.max)}
      aria-invalid=${ifDefined(invalid)} aria-describedby=${ifDefined(describedBy(o))} />`;
  }
  return html`<div class=${wrapClass(o)}>
    <label for=${id}>${label}${requiredMark(o.required && !o.hideRequiredMark)}</label>
    ${fieldNotes(o)}
    ${control}
  </div>`;
}

/** The 許可業種 checkboxes of a business form (one per industry of the masters), with the field's error. */
export function industriesField(industries: readonly { code: string; name: string }[], chosen: Set<string>, errors: Errors): TemplateResult {
  return html`<fieldset class=${errors.permitted_industries ? "has-error" : ""}>
    <legend>${fieldLabel("permitted_industries")}</legend>
    ${errors.permitted_industries ? html`<p class="field-error" id="f-permitted_industries-error">${errors.permitted_industries}</p>` : nothing}
    <div class="industries" id="f-permitted_industries" tabindex="-1">
      ${industries.map((i) => html`<div class="field check">
        <input type="checkbox" id="f-industry-${i.code}" name="permitted_industries" value=${i.code} ?checked=${chosen.has(i.code)} />
        <label for="f-industry-${i.code}">${i.name} (${i.code})</label>
      </div>`)}
    </div>
  </fieldset>`;
}

export function checkbox(o: { name: string; label?: string; checked: boolean; errors: Errors; reasons?: Reasons; hint?: string; reasonKey?: string; disabled?: boolean; required?: boolean }): TemplateResult {
  const id = fieldId(o.name);
  return html`<div class=${wrapClass(o, "check")}>
    <input type="checkbox" id=${id} name=${o.name} value="true" ?checked=${o.checked} ?disabled=${!!o.disabled} ?required=${!!o.required}
      aria-invalid=${ifDefined(o.errors[o.name] ? "true" : undefined)} aria-describedby=${ifDefined(describedBy(o))} />
    <label for=${id}>${o.label ?? fieldLabel(o.name)}${requiredMark(o.required)}</label>
    ${fieldNotes(o)}
  </div>`;
}

/** A photo input that opens the camera on a phone (capture="user" for a face, "environment" for documents). */
export function photoField(o: {
  name: string;
  label?: string;
  capture: "user" | "environment";
  required?: boolean;
  hint?: string;
  errors: Errors;
  reasons?: Reasons;
  current?: TemplateResult | typeof nothing;
  prefix?: string; // keeps the id unique beside another form's photo field
}): TemplateResult {
  const id = fieldId(o.name, o.prefix);
  const onChange = (ev: Event) => {
    const input = ev.target as HTMLInputElement;
    const preview = document.getElementById(`${id}-preview`) as HTMLImageElement | null;
    const file = input.files?.[0];
    if (preview) {
      if (preview.src.startsWith("blob:")) URL.revokeObjectURL(preview.src);
      if (file) {
        preview.src = URL.createObjectURL(file);
        preview.hidden = false;
      } else {
        preview.removeAttribute("src");
        preview.hidden = true;
      }
    }
  };
  return html`<div class=${wrapClass(o, "photo")}>
    <label for=${id}>${o.label ?? fieldLabel(o.name)}${requiredMark(o.required)}</label>
    ${fieldNotes(o)}
    <div class="photo-row">
      ${o.current ?? nothing}
      <img id="${id}-preview" class="thumb preview" alt=${t("f.current_photo")} hidden />
    </div>
    <input id=${id} name=${o.name} type="file" accept="image/*" capture=${o.capture} ?required=${!!o.required}
      aria-invalid=${ifDefined(o.errors[o.name] ? "true" : undefined)} aria-describedby=${ifDefined(describedBy(o))}
      @change=${onChange} />
  </div>`;
}

export function badge(prefix: string, value: string | null | undefined): TemplateResult | typeof nothing {
  if (!value) return nothing;
  return html`<span class="badge badge-${value}">${tr(prefix, value)}</span>`;
}

/** Required fields left empty (file inputs are checked by the caller), before anything is sent. */
export function requiredErrors(form: HTMLFormElement): Errors {
  const errors: Errors = {};
  for (const el of Array.from(form.elements)) {
    if (!(el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement)) continue;
    if (!el.required || el.disabled || el.type === "file" || !el.name) continue;
    const empty = el instanceof HTMLInputElement && el.type === "checkbox" ? !el.checked : !el.value.trim();
    if (empty) errors[el.name] = t("err.required");
  }
  return errors;
}

export function fileFrom(form: HTMLFormElement, name: string): { blob: Blob; filename: string } | null {
  const input = form.elements.namedItem(name) as HTMLInputElement | null;
  const file = input?.files?.[0];
  return file && file.size > 0 ? { blob: file, filename: file.name || `${name}.jpg` } : null;
}

// --- images behind the bearer token ----------------------------------------------------------------------------

const imageCache = new Map<string, Promise<string>>();

/** <img> whose source is fetched with the token; `version` busts the cache after an upload. */
export function authImg(path: string, alt: string, cls = "thumb", version = 0): TemplateResult {
  return html`<img class=${cls} data-auth-src=${`${path}#${version}`} alt=${alt} />`;
}

export function forgetImages(prefix: string): void {
  for (const key of [...imageCache.keys()]) if (key.startsWith(prefix)) imageCache.delete(key);
}

export function hydrateImages(root: ParentNode): void {
  root.querySelectorAll<HTMLImageElement>("img[data-auth-src]").forEach((img) => {
    const key = img.dataset.authSrc!;
    if (img.dataset.loaded === key) return;
    img.dataset.loaded = key;
    const path = key.split("#")[0];
    let p = imageCache.get(key);
    if (!p) {
      p = getBlob(path).then((b) => URL.createObjectURL(b));
      imageCache.set(key, p);
      p.catch(() => imageCache.delete(key));
    }
    p.then((url) => {
      if (img.dataset.loaded === key) img.src = url;
    }).catch(() => {
      img.classList.add("missing");
    });
  });
}

export function dl(rows: [string, unknown][]): TemplateResult {
  return html`<dl class="kv">
    ${rows.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v ?? ""}</dd></div>`)}
  </dl>`;
}

// --- tables become cards on a phone ------------------------------------------------------------------------------

/** Every table in `root` becomes a stack of cards on a phone (styles.css, `table.cards` under 40rem): each body and
 * footer cell gets its column's name (`data-label`, from the header row) to show before its value. Called after every
 * render, so no view has to mark its cells; a view that labels a cell itself keeps its own label, and a table marked
 * `data-keep-table` (the month calendar: seven narrow columns that fit a phone) stays a table. */
export function cardTables(root: ParentNode): void {
  root.querySelectorAll<HTMLTableElement>("table:not([data-keep-table])").forEach((table) => {
    table.classList.add("cards");
    const head = table.tHead?.rows[table.tHead.rows.length - 1];
    const names: string[] = [];
    if (head) for (const cell of Array.from(head.cells)) {
      const text = (cell.textContent ?? "").replace(/\s+/g, " ").trim();
      for (let i = 0; i < cell.colSpan; i++) names.push(text);
    }
    for (const section of [...Array.from(table.tBodies), ...(table.tFoot ? [table.tFoot] : [])]) {
      for (const row of Array.from(section.rows)) {
        let col = 0;
        for (const cell of Array.from(row.cells)) {
          const name = names[col] ?? "";
          col += cell.colSpan;
          if (cell.hasAttribute("data-label") && !cell.hasAttribute("data-auto-label")) continue;
          // A row header names the card itself; an empty header (a checkbox column) needs no label either.
          if (!name || (cell.tagName === "TH" && cell.getAttribute("scope") === "row")) {
            cell.removeAttribute("data-label");
            continue;
          }
          cell.setAttribute("data-label", name);
          cell.setAttribute("data-auto-label", "");
        }
      }
    }
  });
}
