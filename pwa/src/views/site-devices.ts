// A site's card readers and face kiosks: the one-time enrolment code, last seen, rotate or revoke.

import { html, nothing, TemplateResult } from "lit-html";
import { api, get, session } from "../api";
import { flash, update } from "../app";
import { Forms, send, values } from "../forms";
import { formatDateTime, t, tr } from "../i18n";
import type { Device, DeviceCreated } from "../types";
import { dl, errorSummary, field, requiredErrors } from "../ui";
import { type SiteData, type Page, manages } from "./site-common";

// --- devices ----------------------------------------------------------------------------------------------------

export async function devicesPage(first: SiteData, forms: Forms): Promise<Page> {
  let d = first;
  let devices = await get<Device[]>(`/sites/${d.site.id}/devices`);
  let shown: { name: string; code: string; kiosk: boolean } | null = null; // the one-time code, until the page is left
  const confirming = new Set<number>();
  const canRun = () => manages(d.site) && session.me?.role !== "operator";

  async function reload() {
    devices = await get<Device[]>(`/sites/${d.site.id}/devices`);
  }

  /** Device codes are shown once: these requests need a connection and are never queued. */
  async function direct<T>(key: string, method: string, path: string, json?: unknown): Promise<T | null> {
    const sent = await forms.run(key, () => api<T>(method, path, { json }),
      { needsConnection: t("devices.offline"), offline: t("devices.offline") });
    return sent.state === "done" ? sent.result : null;
  }

  function showCode(out: DeviceCreated) {
    shown = { name: out.device.name, code: out.enrolment_code, kiosk: out.device.kind === "kiosk" };
    update();
    requestAnimationFrame(() => document.getElementById("enrol-code")?.focus());
  }

  async function onAdd(ev: SubmitEvent) {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const v = values(form);
    const errors = requiredErrors(form);
    if (Object.keys(errors).length) return forms.invalid("dev-", errors);
    const out = await direct<DeviceCreated>("dev-", "POST", `/sites/${d.site.id}/devices`, { kind: v("kind"), name: v("name") });
    if (!out) return;
    form.reset();
    await reload();
    showCode(out);
  }

  async function onRotate(dev: Device) {
    const { confirmAction } = await import("../confirm");
    if (!(await confirmAction({ title: t("devices.rotate_confirm_title", { name: dev.name }), body: t("devices.rotate_confirm_body"),
      confirm: t("devices.rotate_confirm_run"), danger: true }))) return;
    const out = await direct<DeviceCreated>(`rot-${dev.id}-`, "POST", `/sites/${d.site.id}/devices/${dev.id}/rotate`);
    if (!out) return;
    await reload();
    showCode(out);
  }

  async function onRevoke(dev: Device) {
    const sent = await send(forms, `rev-${dev.id}-`, { ja: `機器の失効（${dev.name}）`, en: `Revoke device (${dev.name})` },
      { method: "POST", path: `/sites/${d.site.id}/devices/${dev.id}/revoke` });
    confirming.delete(dev.id);
    if (sent.state === "done") {
      await reload();
      flash(t("devices.revoked", { name: dev.name }));
    }
  }

  function deviceItem(dev: Device): TemplateResult {
    const st = forms.get(`rot-${dev.id}-`);
    const stRev = forms.get(`rev-${dev.id}-`);
    const state = dev.revoked_at ? "revoked" : dev.enrolled_at ? "enrolled" : "waiting";
    return html`<li data-device=${dev.id}>
      <div class="row-head">
        <strong>${dev.name}</strong>
        <span class="badge">${tr("device.kind", dev.kind)}</span>
        <span class="badge badge-${state === "revoked" ? "revoked" : state === "enrolled" ? "active" : "submitted"}">${tr("device.state", state)}</span>
      </div>
      ${dl([
        [t("devices.last_seen"), dev.last_seen_at ? formatDateTime(dev.last_seen_at) : t("devices.never")],
        [t("devices.version"), dev.software_version ?? "—"],
        [t("devices.outbox_depth"), dev.outbox_depth ?? "—"],
        ...(dev.reader_name ? [[t("devices.reader"), dev.reader_name] as [string, unknown]] : []),
        ...(dev.enrolled_at ? [[t("devices.enrolled_at"), formatDateTime(dev.enrolled_at)] as [string, unknown]] : []),
        ...(dev.revoked_at ? [[t("devices.revoked_at"), formatDateTime(dev.revoked_at)] as [string, unknown]] : []),
      ])}
      ${errorSummary(st, [], `rot-${dev.id}-`)}${errorSummary(stRev, [], `rev-${dev.id}-`)}
      ${canRun() && !dev.revoked_at
        ? confirming.has(dev.id)
          ? html`<div class="notice returned" role="group" aria-label=${t("devices.revoke_confirm", { name: dev.name })}>
              <p>${t("devices.revoke_confirm", { name: dev.name })}</p>
              <div class="actions">
                <button type="button" class="danger" ?disabled=${stRev.busy} @click=${() => onRevoke(dev)}>${t("devices.revoke")}</button>
                <button type="button" @click=${() => { confirming.delete(dev.id); update(); }}>${t("card.lost_no")}</button>
              </div></div>`
          : html`<div class="actions">
              <button type="button" ?disabled=${st.busy} @click=${() => onRotate(dev)}>${t("devices.rotate")}</button>
              <button type="button" class="danger" @click=${() => { confirming.add(dev.id); update(); }}>${t("devices.revoke")}</button>
            </div>`
        : nothing}
    </li>`;
  }

  return {
    reload: async (x) => {
      d = x;
      await reload();
    },
    render: () => {
      const st = forms.get("dev-");
      return html`
        ${shown
          ? html`<div class="notice code-box" id="enrol-code" tabindex="-1" role="status" data-testid="enrolment-code">
              <h2>${t("devices.code_title", { name: shown.name })}</h2>
              <p class="code mono">${shown.code}</p>
              <p>${t("devices.code_hint")}</p>
              ${shown.kiosk ? html`<p data-testid="kiosk-hint">${t("devices.kiosk_hint", { url: `${location.origin}/kiosk` })}</p>` : nothing}
              <button type="button" @click=${() => { shown = null; update(); }}>${t("devices.code_done")}</button>
            </div>`
          : nothing}
        ${devices.length
          ? html`<ul class="list devices" data-testid="devices">${devices.map(deviceItem)}</ul>`
          : html`<p>${t("devices.none")}</p>`}
        ${canRun()
          ? html`<section class="card" aria-labelledby="dev-h" id="add-device">
              <h2 id="dev-h">${t("devices.add")}</h2>
              <p class="hint">${t("devices.add_intro")}</p>
              ${errorSummary(st, ["kind", "name"], "dev-")}
              <form @submit=${onAdd} novalidate>
                <div class="grid2">
                  ${field({ name: "kind", prefix: "dev-", label: t("devices.kind"), required: true, value: "reader",
                    options: [["reader", tr("device.kind", "reader")], ["kiosk", tr("device.kind", "kiosk")]], errors: st.errors })}
                  ${field({ name: "name", prefix: "dev-", label: t("devices.name"), required: true, maxlength: 200, placeholder: t("devices.name_placeholder"), errors: st.errors })}
                </div>
                <button type="submit" class="primary" ?disabled=${st.busy}>${t("devices.add")}</button>
              </form>
            </section>`
          : nothing}`;
    },
  };
}
