// Documents zoomable: a button beside a submitted image opens it in a dialog at full size, with 拡大 / 縮小 and
// scrolling (a reviewer reads the small print of an identity document or a certificate). The image comes with the
// session like every authorised image (ui.ts authImg).

import { html, render, TemplateResult } from "lit-html";
import { getBlob } from "./api";
import { t } from "./i18n";

const LEVELS = [100, 150, 200, 300];

export function zoomButton(path: string, alt: string): TemplateResult {
  return html`<button type="button" class="zoom-open" data-testid="zoom-open" aria-label=${`${t("zoom.open")}: ${alt}`}
    @click=${() => openZoom(path, alt)}>${t("zoom.open")}</button>`;
}

export async function openZoom(path: string, alt: string): Promise<void> {
  const back = document.activeElement as HTMLElement | null;
  const url = URL.createObjectURL(await getBlob(path));
  const dlg = document.createElement("dialog");
  dlg.className = "zoom";
  dlg.dataset.testid = "zoom";
  dlg.setAttribute("aria-label", alt);
  let level = 0;
  const close = () => {
    dlg.close();
    dlg.remove();
    URL.revokeObjectURL(url);
    back?.focus();
  };
  const draw = () => render(html`<div class="zoom-bar">
      <button type="button" data-testid="zoom-out" ?disabled=${level === 0} @click=${() => { level--; draw(); }}>${t("zoom.out")}</button>
      <span aria-live="polite" data-testid="zoom-level">${t("zoom.level", { n: LEVELS[level] })}</span>
      <button type="button" data-testid="zoom-in" ?disabled=${level === LEVELS.length - 1} @click=${() => { level++; draw(); }}>${t("zoom.in")}</button>
      <button type="button" data-testid="zoom-close" @click=${close}>${t("zoom.close")}</button>
    </div>
    <div class="zoom-view" tabindex="0" aria-label=${alt}><img src=${url} alt=${alt} class=${`z-${LEVELS[level]}`} /></div>`, dlg);
  dlg.addEventListener("cancel", (e) => {
    e.preventDefault();
    close();
  });
  draw();
  document.body.append(dlg);
  dlg.showModal();
  dlg.querySelector<HTMLElement>("[data-testid=zoom-in]")?.focus();
}
