// The technician's virtual card on their phone (docs/virtual-card.md), a panel of the /phone page: a QR code of a
// code signed by the phone's own key, bound to the active card and to the site picked above, new every 30 seconds.
// The card's details are fetched once online and kept, so the code is shown without a connection too (signing is
// local); the kiosk that reads it verifies with the public key.

import { html, nothing, TemplateResult } from "lit-html";
import { generate } from "lean-qr";
import { api, ApiError, session } from "../api";
import { update } from "../app";
import { codeMessage, formatDate, t } from "../i18n";
import { signText } from "../phonekey";
import { b64url, signedText, stepOf, STEP_S } from "../vcard-code";
import "../vcard.css";

interface VirtualCard {
  technician_id: string;
  name: string;
  card_serial: string;
  valid_until: string;
  step_s: number;
}

const cacheKey = () => `openccus.vcard.${session.me?.id ?? 0}`;

function cached(): VirtualCard | null {
  try {
    return JSON.parse(localStorage.getItem(cacheKey()) || "null") as VirtualCard | null;
  } catch {
    return null;
  }
}

export interface VirtualCardPanel {
  render(): TemplateResult;
  leave(): void;
}

export function virtualCardPanel(site: () => { id: string; name: string } | null): VirtualCardPanel {
  let open = false;
  let card: VirtualCard | null = cached();
  let offline = false;
  let error: string | null = null;
  let code = "";
  let codeStep = -1;
  let codeSite = "";
  let timer: number | undefined;

  async function load(): Promise<void> {
    try {
      card = await api<VirtualCard>("GET", "/phone/virtual-card");
      localStorage.setItem(cacheKey(), JSON.stringify(card));
      offline = false;
      error = null;
    } catch (e) {
      if (e instanceof ApiError) {
        card = null; // no active card (lost and not yet reissued) or no key: no code from an old card
        localStorage.removeItem(cacheKey());
        error = codeMessage(e.code) ?? e.message;
      } else offline = true; // no connection: the kept card, if any
    }
  }

  async function tick(): Promise<void> {
    const s = site();
    if (!open || !card || !s) return update();
    const step = stepOf(Date.now(), card.step_s || STEP_S);
    if (step !== codeStep || s.id !== codeSite) {
      const signed = await signText((keyId) => signedText(card!.technician_id, card!.card_serial, s.id, step, keyId));
      if (!signed) {
        error = t("vcard.no_key");
        code = "";
      } else {
        code = `${signed.text}.${b64url(signed.signature)}`;
        codeStep = step;
        codeSite = s.id;
      }
    }
    update();
    requestAnimationFrame(draw);
  }

  function draw(): void {
    const canvas = document.getElementById("vcard-qr") as HTMLCanvasElement | null;
    if (!canvas || !code || canvas.dataset.code === code) return;
    generate(code).toCanvas(canvas, { pad: 4 });
    canvas.dataset.code = code;
  }

  async function show(): Promise<void> {
    open = true;
    error = null;
    update();
    await load();
    codeStep = -1;
    await tick();
    clearInterval(timer);
    timer = window.setInterval(() => void tick(), 1000);
  }

  function hide(): void {
    open = false;
    code = "";
    clearInterval(timer);
    update();
  }

  function body(): TemplateResult | typeof nothing {
    const s = site();
    if (!s) return html`<p class="hint">${t("vcard.pick_site")}</p>`;
    if (!card) return html`<div class="error-summary" role="alert" data-testid="vcard-error"><p>${error ?? t("vcard.unavailable")}</p></div>`;
    const left = (card.step_s || STEP_S) - (Math.floor(Date.now() / 1000) % (card.step_s || STEP_S));
    return html`<div class="vcard" data-testid="vcard" data-code=${code}>
      <p class="vcard-name"><strong>${t("vcard.holder", { name: card.name, id: card.technician_id })}</strong></p>
      <canvas id="vcard-qr" class="vcard-qr" role="img" aria-label=${t("vcard.qr_label", { name: card.name, site: s.name })}></canvas>
      <p>${t("vcard.site", { site: s.name })}</p>
      <p class="meta" aria-live="off">${t("vcard.rotates", { s: left })}</p>
      <p class="meta">${t("vcard.card", { tail: card.card_serial.slice(-4), until: formatDate(card.valid_until) })}</p>
      ${offline ? html`<p class="notice info">${t("vcard.offline_cached")}</p>` : nothing}
      ${error ? html`<div class="error-summary" role="alert"><p>${error}</p></div>` : nothing}
    </div>`;
  }

  return {
    leave: () => clearInterval(timer),
    render: () => html`<section class="card" aria-labelledby="vcard-h">
      <h2 id="vcard-h">${t("vcard.title")}</h2>
      <p class="hint">${t("vcard.intro")}</p>
      ${open
        ? html`${body()}<button type="button" data-testid="vcard-hide" @click=${hide}>${t("vcard.hide")}</button>`
        : html`<button type="button" class="primary" data-testid="vcard-show" @click=${() => void show()}>${t("vcard.show")}</button>`}
    </section>`,
  };
}
