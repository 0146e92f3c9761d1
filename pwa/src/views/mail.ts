// The operator's mail console: outgoing e-mail, newest first. On the embedded default (no SMTP server configured) the
// mails are written to var/mail/ and read here, to be passed on by hand.

import { html, nothing } from "lit-html";
import { get } from "../api";
import { View } from "../app";
import { formatDateTime, t } from "../i18n";

interface Mail {
  id: number;
  account_pk: number | null;
  to_address: string;
  kind: string;
  subject: string;
  created_at: string;
  sent_at: string | null;
  transport: string | null;
  attempts: number;
  last_error: string | null;
  text?: string | null;
}

function state(m: Mail): string {
  if (m.sent_at) return t(m.transport === "file" ? "mail.written" : "mail.sent");
  return m.last_error ? t("mail.failed") : t("mail.pending");
}

export async function mailListView(): Promise<View> {
  const mails = await get<Mail[]>("/mail");
  return {
    title: () => t("mail.title"),
    render: () => html`<section>
      <h1 tabindex="-1">${t("mail.title")}</h1>
      <p>${t("mail.intro")}</p>
      ${mails.length
        ? html`<ul class="list" data-testid="mails">
            ${mails.map((m) => html`<li>
              <a href="/admin/mail/${m.id}">${m.subject}</a>
              <div class="meta">${m.to_address} · ${formatDateTime(m.created_at)} · ${state(m)}</div>
            </li>`)}
          </ul>`
        : html`<p>${t("mail.none")}</p>`}
    </section>`,
  };
}

export async function mailView(pk: number): Promise<View> {
  const m = await get<Mail>(`/mail/${pk}`);
  return {
    title: () => m.subject,
    render: () => html`<section>
      <p><a href="/admin/mail">${t("mail.back")}</a></p>
      <h1 tabindex="-1">${m.subject}</h1>
      <dl class="kv">
        <dt>${t("mail.to")}</dt><dd>${m.to_address}</dd>
        <dt>${t("mail.created")}</dt><dd>${formatDateTime(m.created_at)}</dd>
        <dt>${t("mail.state")}</dt><dd>${state(m)}</dd>
      </dl>
      ${m.text != null
        ? html`<pre class="mail-text" data-testid="mail-text">${m.text}</pre>`
        : html`<p>${t("mail.no_text")}</p>`}
      ${m.kind === "password_reset" ? html`<p class="notice info">${t("mail.reset_warning")}</p>` : nothing}
    </section>`,
  };
}
