// The firm portal's tabs, shared by every firm page; its own module so that a page using them (invoices, say) does
// not pull the firm portal's chunk into a technician's load (issue 19.8).

import { html, TemplateResult } from "lit-html";
import { session } from "../api";
import { t } from "../i18n";

export function firmTabs(current: string): TemplateResult {
  const items: [string, string][] = session.me?.role === "site_manager"
    ? [["/firm/sites", t("nav.sites")]]
    : [
        ["/firm", t("nav.firm")],
        ["/firm/employees", t("nav.employees")],
        ["/firm/sites", t("nav.sites")],
        ["/firm/keishin", t("nav.keishin")],
        ["/firm/reports", t("nav.reports")],
        ["/firm/invoices", t("nav.invoices")],
        ["/firm/accounts", t("nav.accounts")],
        ["/firm/proxy", t("nav.proxy")],
      ];
  return html`<nav class="tabs" aria-label=${t("nav.firm_tabs")}>
    ${items.map(([href, text]) => html`<a href=${href} aria-current=${href === current ? "page" : "false"}>${text}</a>`)}
  </nav>`;
}
