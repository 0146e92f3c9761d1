import { html, nothing } from "lit-html";
import { update, View } from "../app";
import { errorMessage, fieldLabel, fieldMessage, formatDateTime, getLang, t } from "../i18n";
import { undoToast } from "../confirm";
import { discard, Job, listJobs, restore, retry } from "../outbox";

export async function outboxView(): Promise<View> {
  let jobs: Job[] = await listJobs();

  async function reload() {
    jobs = await listJobs();
    update();
  }

  // Discarding is at once (the job must not go out meanwhile), with 元に戻す for a few seconds to put it back.
  async function onDiscard(j: Job) {
    await discard(j.id);
    await reload();
    undoToast(t("outbox.discarded", { label: getLang() === "ja" ? j.label.ja : j.label.en }), async () => {
      await restore(j);
      await reload();
    });
  }

  const stateText = (j: Job) => (j.state === "failed" ? t("outbox.failed") : j.state === "sending" ? t("outbox.sending") : t("outbox.pending"));

  return {
    title: () => t("outbox.title"),
    refresh: reload,
    render: () => html`<section>
      <h1 tabindex="-1">${t("outbox.title")}</h1>
      <p>${t("outbox.intro")}</p>
      ${jobs.length
        ? html`<ul class="list outbox" data-testid="outbox-list">
            ${jobs.map((j) => html`<li class="job-${j.state}">
              <strong>${getLang() === "ja" ? j.label.ja : j.label.en}</strong>
              <span class="badge badge-${j.state === "failed" ? "returned" : "submitted"}">${stateText(j)}</span>
              <div class="meta">${t("outbox.created")}: ${formatDateTime(new Date(j.created).toISOString())}</div>
              ${j.error
                ? html`<div class="field-error">${errorMessage(j.error.code ?? "", j.error.message)}
                    ${j.error.fields.length ? html`<ul>${j.error.fields.map((f) => html`<li>${fieldLabel(f.field)}: ${fieldMessage(f)}</li>`)}</ul>` : nothing}</div>`
                : nothing}
              <div class="actions">
                <button type="button" @click=${async () => { await retry(j.id); await reload(); }}>${t("outbox.retry")}</button>
                <button type="button" class="danger" data-testid="outbox-discard" @click=${() => onDiscard(j)}>${t("outbox.discard")}</button>
              </div>
            </li>`)}
          </ul>`
        : html`<p>${t("outbox.empty")}</p>`}
    </section>`,
  };
}
