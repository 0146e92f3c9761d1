// The operator's audit trail: every operator change with its reason, before and after, newest first.

import { html, nothing } from "lit-html";
import { get } from "../api";
import { navigate, update, View } from "../app";
import { fieldLabel, formatDateTime, has, Key, t, tr } from "../i18n";
import type { AuditEntry } from "../types";
import { field } from "../ui";

/** An audit action (`application.approve`, `change.data.approve`, `level.judged`…) in words; one without a label is
 * shown as the code it is. */
function auditAction(action: string) {
  if (has(`auditaction.${action}`)) return tr("auditaction", action);
  const [head, ...rest] = action.split(".");
  const tail = rest[rest.length - 1] ?? "";
  if (has(`auditaction.${head}.*`) && has(`auditverb.${tail}`)) return `${tr("auditaction", `${head}.*`)}（${tr("auditverb", tail)}）`;
  return html`<span class="mono">${action}</span>`;
}

/** A return's reason is stored as "field: reason; field: reason" (api/registration/review.py): the fields by label. */
function auditReason(action: string, reason: string): string {
  if (has(`auditreason.${reason}`)) return t(`auditreason.${reason}` as Key); // a reason the server writes itself
  if (action !== "application.return") return reason;
  return reason.replace(/(^|; )([a-z_][a-z0-9_.]*): /g, (_, sep: string, f: string) => `${sep}${fieldLabel(f)}: `);
}

/** The page of an entry's subject, where the console has one: the subject is named there, not by its internal id. */
function subjectPage(e: AuditEntry): string | null {
  if (e.entity_type === "technician") return `/admin/technicians/${e.entity_id}`;
  if (e.entity_type === "application") return `/review/${e.entity_id}`;
  return null;
}

export async function auditView(query: URLSearchParams): Promise<View> {
  const entityType = query.get("entity_type") || "";
  const entityId = query.get("entity_id") || "";
  const base = new URLSearchParams({ limit: "50" });
  if (entityType) base.set("entity_type", entityType);
  if (entityId) base.set("entity_id", entityId);
  let entries = await get<AuditEntry[]>(`/audit?${base}`);
  let more = entries.length === 50;

  async function loadMore() {
    const qs = new URLSearchParams(base);
    qs.set("before_id", String(entries[entries.length - 1].id));
    const next = await get<AuditEntry[]>(`/audit?${qs}`);
    entries = [...entries, ...next];
    more = next.length === 50;
    update();
  }

  function onFilter(ev: Event) {
    ev.preventDefault();
    const fd = new FormData(ev.target as HTMLFormElement);
    const next = new URLSearchParams();
    for (const k of ["entity_type", "entity_id"]) {
      const v = String(fd.get(k) || "").trim();
      if (v) next.set(k, v);
    }
    void navigate(`/audit${next.toString() ? `?${next}` : ""}`);
  }

  const json = (v: unknown) => (v == null ? "" : JSON.stringify(v, null, 1));

  return {
    title: () => t("audit.title"),
    render: () => html`<section>
      <h1 tabindex="-1">${t("audit.title")}</h1>
      <form class="filters" @submit=${onFilter}>
        ${field({ name: "entity_type", label: t("audit.entity_type"), value: entityType, errors: {}, emptyLabel: t("review.all"),
          options: [["technician", t("subject.technician")], ["application", t("me.applications")], ["business", t("subject.business")], ["card", t("f.card")]] })}
        ${entityId ? html`<input type="hidden" name="entity_id" value=${entityId} />` : nothing}
        <button type="submit">${t("audit.filter")}</button>
      </form>
      ${entityId ? html`<p class="notice info">${t("audit.filtered")} <a href="/audit">${t("audit.all_subjects")}</a></p>` : nothing}
      ${entries.length
        ? html`<ul class="list audit" data-testid="audit">
            ${entries.map((e) => html`<li>
              <div class="row-head"><strong>${auditAction(e.action)}</strong>
                <span class="badge">${has(`subject.${e.entity_type}`) ? tr("subject", e.entity_type) : html`<span class="mono">${e.entity_type}</span>`}</span>
                ${subjectPage(e) ? html`<a href=${subjectPage(e)!}>${t("audit.open_subject")}</a>` : nothing}
                ${entityId ? nothing : html`<a href="/audit?entity_type=${e.entity_type}&entity_id=${e.entity_id}">${t("audit.only_subject")}</a>`}</div>
              <div class="meta">${formatDateTime(e.at)} · ${t("audit.actor")}: ${e.actor_login ?? "—"} (${tr("role", e.actor_role)})</div>
              ${e.reason ? html`<p><strong>${t("audit.reason")}:</strong> ${auditReason(e.action, e.reason)}</p>` : nothing}
              ${e.before != null || e.after != null
                ? html`<details><summary>${t("audit.changes")}</summary>
                    <div class="grid2"><div><h3>${t("audit.before")}</h3><pre class="mono">${json(e.before)}</pre></div>
                    <div><h3>${t("audit.after")}</h3><pre class="mono">${json(e.after)}</pre></div></div></details>`
                : nothing}
            </li>`)}
          </ul>
          ${more ? html`<button type="button" @click=${loadMore}>${t("audit.more")}</button>` : nothing}`
        : html`<p>${t("audit.empty")}</p>`}
    </section>`,
  };
}
