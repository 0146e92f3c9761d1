// Safe irreversible actions: a modal confirmation that names what will happen (the month-end close, a batch run, a
// new enrolment code), and an undo toast for what can be put back (a discarded offline job). Both are plain DOM
// beside the app's root, so a re-render of the page leaves them alone; focus returns to where it was.

import { html, render } from "lit-html";
import { t } from "./i18n";

export interface ConfirmOptions {
  title: string;
  body: string;
  confirm: string; // the button's words: what happens ("締めを実行する"), never just "OK"
  danger?: boolean;
}

/** Ask before an action that cannot be taken back. Resolves true only when the confirm button was pressed. */
export function confirmAction(opts: ConfirmOptions): Promise<boolean> {
  const back = document.activeElement as HTMLElement | null;
  return new Promise((resolve) => {
    const dlg = document.createElement("dialog");
    dlg.className = "confirm";
    dlg.setAttribute("aria-labelledby", "confirm-h");
    dlg.setAttribute("aria-describedby", "confirm-body");
    dlg.dataset.testid = "confirm";
    const close = (ok: boolean) => {
      dlg.close();
      dlg.remove();
      back?.focus();
      resolve(ok);
    };
    dlg.addEventListener("cancel", (e) => {
      e.preventDefault(); // Escape: the same as the cancel button
      close(false);
    });
    render(html`<h2 id="confirm-h">${opts.title}</h2>
      <p id="confirm-body">${opts.body}</p>
      <div class="actions">
        <button type="button" data-testid="confirm-cancel" @click=${() => close(false)}>${t("confirm.cancel")}</button>
        <button type="button" class=${opts.danger ? "danger" : "primary"} data-testid="confirm-ok" @click=${() => close(true)}>${opts.confirm}</button>
      </div>`, dlg);
    document.body.append(dlg);
    dlg.showModal();
    dlg.querySelector<HTMLElement>("[data-testid=confirm-cancel]")?.focus(); // the safe choice first
  });
}

const UNDO_MS = 8000;
let current: { el: HTMLElement; timer: number } | null = null;

/** Say what was done, with 元に戻す for a few seconds. `undo` puts it back; the toast then says so. */
export function undoToast(text: string, undo: () => Promise<void> | void, ms = UNDO_MS): void {
  dismissToast();
  const el = document.createElement("div");
  el.className = "toast";
  el.setAttribute("role", "status");
  el.dataset.testid = "undo-toast";
  const done = async () => {
    dismissToast();
    await undo();
    const note = document.createElement("div");
    note.className = "toast";
    note.setAttribute("role", "status");
    note.textContent = t("confirm.undone");
    document.body.append(note);
    current = { el: note, timer: window.setTimeout(dismissToast, 3000) };
  };
  render(html`<span>${text}</span> <button type="button" data-testid="undo" @click=${done}>${t("confirm.undo")}</button>`, el);
  document.body.append(el);
  current = { el, timer: window.setTimeout(dismissToast, ms) };
}

export function dismissToast(): void {
  if (!current) return;
  clearTimeout(current.timer);
  current.el.remove();
  current = null;
}
