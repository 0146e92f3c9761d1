import { html, nothing } from "lit-html";
import { get } from "../api";
import { update, View } from "../app";
import { formatDateTime, t, tr } from "../i18n";
import { requestJob } from "../jobs";
import { submit } from "../outbox";
import type { Notice } from "../types";

export async function notificationsView(): Promise<View> {
  let notices = await get<Notice[]>("/notifications");

  async function reload() {
    notices = await get<Notice[]>("/notifications");
    update();
  }

  async function markRead(n: Notice) {
    const outcome = await submit(requestJob({ ja: "お知らせを既読にする", en: "Mark notice read" }, { method: "POST", path: `/notifications/${n.id}/read` }));
    if (outcome.queued) {
      n.read_at = new Date().toISOString(); // shown as read now; the server hears of it when back online
      update();
    } else await reload();
  }

  return {
    title: () => t("notes.title"),
    refresh: reload,
    render: () => html`<section>
      <h1 tabindex="-1">${t("notes.title")}</h1>
      ${notices.length
        ? html`<ul class="list notices">
            ${notices.map((n) => html`<li class=${n.read_at ? "read" : "unread"}>
              <div>
                ${n.read_at ? nothing : html`<span class="badge badge-unread">${t("notes.unread")}</span>`}
                <span class="badge">${tr("notes.kind", n.kind)}</span>
              </div>
              <p>${n.message}</p>
              <div class="meta">${formatDateTime(n.created_at)}</div>
              ${n.read_at ? nothing : html`<button type="button" @click=${() => markRead(n)}>${t("notes.mark_read")}</button>`}
            </li>`)}
          </ul>`
        : html`<p>${t("notes.none")}</p>`}
    </section>`,
  };
}
