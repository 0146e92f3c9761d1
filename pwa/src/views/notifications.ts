// My notices, newest first, each naming whom it is about; above them what waits for me (the same counts as the
// navigation's badges), each a link to where it is dealt with.

import { html, nothing, TemplateResult } from "lit-html";
import { get, session } from "../api";
import { state, update, View } from "../app";
import { refreshCounts } from "../counts";
import { formatDateTime, Key, t, tr } from "../i18n";
import { Forms } from "../forms";
import type { Notice, PendingCounts } from "../types";
import { errorSummary } from "../ui";

/** Where each kind of waiting item is dealt with, for this role. */
function waiting(c: PendingCounts): TemplateResult[] {
  const role = session.me?.role;
  const invoices = role === "technician" ? "/me/invoices" : "/firm/invoices";
  const items: [number, Key, string][] = [
    [c.direct_inputs, "notes.waiting_direct", "/firm/sites"],
    [c.invitations, "notes.waiting_invitations", "/firm/sites"],
    [c.invoices, "notes.waiting_invoices", invoices],
    [c.reviews, "notes.waiting_reviews", "/review"],
  ];
  return items
    .filter(([n]) => n > 0)
    .map(([n, key, href]) => html`<li><a href=${href}>${t(key, { n })}</a>${key === "notes.waiting_invoices" && c.overdue_invoices
      ? html` <span class="badge badge-unread">${t("notes.waiting_overdue", { n: c.overdue_invoices })}</span>` : nothing}</li>`);
}

export async function notificationsView(): Promise<View> {
  let notices = await get<Notice[]>("/notifications");
  void refreshCounts(true);

  async function reload() {
    notices = await get<Notice[]>("/notifications");
    void refreshCounts(true);
    update();
  }

  // Each notice's button is a form of its own ("n-<id>-"): one request at a time, a refusal shown under it.
  const forms = new Forms();

  async function markRead(n: Notice) {
    const sent = await forms.form(`n-${n.id}-`).send({ ja: "お知らせを既読にする", en: "Mark notice read" },
      { method: "POST", path: `/notifications/${n.id}/read` });
    if (sent.state === "queued") {
      n.read_at = new Date().toISOString(); // shown as read now; the server hears of it when back online
      update();
    } else if (sent.state === "done") await reload();
  }

  return {
    title: () => t("notes.title"),
    refresh: reload,
    render: () => {
      const todo = state.counts ? waiting(state.counts) : [];
      return html`<section>
      <h1 tabindex="-1">${t("notes.title")}</h1>
      ${todo.length
        ? html`<section class="card" aria-labelledby="waiting-h" data-testid="waiting">
            <h2 id="waiting-h">${t("notes.waiting")}</h2><ul>${todo}</ul></section>`
        : nothing}
      ${notices.length
        ? html`<ul class="list notices">
            ${notices.map((n) => html`<li class=${n.read_at ? "read" : "unread"} data-kind=${n.kind}>
              <div>
                ${n.read_at ? nothing : html`<span class="badge badge-unread">${t("notes.unread")}</span>`}
                <span class="badge">${tr("notes.kind", n.kind)}</span>
                ${n.about ? html`<strong class="about">${t("notes.about", { about: n.about })}</strong>` : nothing}
              </div>
              <p class="message">${n.message}</p>
              <div class="meta">${formatDateTime(n.created_at)}</div>
              ${n.read_at ? nothing : html`${errorSummary(forms.get(`n-${n.id}-`), [], `n-${n.id}-`)}
                <button type="button" ?disabled=${forms.get(`n-${n.id}-`).busy} @click=${() => markRead(n)}>${t("notes.mark_read")}</button>`}
            </li>`)}
          </ul>`
        : html`<p>${t("notes.none")}</p>`}
    </section>`;
    },
  };
}
