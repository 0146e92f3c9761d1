"""Invoices, online payment, the payment correction queue and the KPI dashboard in a real browser.

* The operator runs the monthly close from the invoices page; a firm's admin (phone) sees the invoice with its lines,
  downloads the PDF, pays by card on the provider's hosted page (the local fake Stripe: a declined card, then the test
  card), comes back, the provider's webhook arrives signed with Stripe's real scheme, the page notices the payment by
  itself and offers the receipt.
* The operator imports a 全銀 振込入金通知 with an unknown payer and a wrong amount, sees both in the correction queue,
  applies the wrong amount to its invoice and refunds the unknown payment, each with a reason (audited).
* The KPI dashboard: the charts and, under each, the table of the same numbers the API gives; the English switch.
* A technician's invoice page. axe-core and screenshots at 390×844 and 1024×768 on each page.
"""

from __future__ import annotations

import time
from datetime import date

import pytest

from tests.pwa.helpers import PHONE, TABLET, WAIT_MS, axe_serious, flash, goto, login, shot

def pay_on_provider_page(page, amount: int) -> None:
    """On the (fake) provider's hosted page: a declined card first, then the test card."""
    page.wait_for_url("**/pay/cs_fake_*", timeout=WAIT_MS)
    assert f"¥{amount:,}" in page.locator("#amount").inner_text()
    page.fill("#card", "4000 0000 0000 0002")
    page.click("#pay")
    page.locator("#declined").wait_for()
    page.go_back()
    page.fill("#card", "4242 4242 4242 4242")
    page.click("#pay")


def wait_run(api, period: str) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while not any(r["period"].startswith(period) and r["finished_at"] for r in api.get("operator", "/admin/billing/runs")):
        assert time.monotonic() < deadline, f"the close of {period} did not finish"
        time.sleep(0.2)


def check_axe(page, artifacts, name: str) -> None:
    for vp in (PHONE, TABLET):
        page.set_viewport_size(vp)
        page.wait_for_timeout(100)
        shot(page, artifacts, name)
        assert axe_serious(page) == [], f"{name} at {vp}"


@pytest.fixture(scope="module")
def closed(browser, server, api, artifacts, month_passes) -> dict:
    """Last month closed by the operator from the invoices page (the demo firms' registration and admin-ID fees, after
    a month has gone by: the current month cannot be closed)."""
    month = month_passes()
    ctx = browser.new_context(viewport=TABLET, base_url=server, locale="ja-JP", timezone_id="Asia/Tokyo")
    ctx.set_default_timeout(WAIT_MS)
    page = ctx.new_page()
    login(page, "operator")
    goto(page, "/admin/invoices")
    page.fill("#f-close-period", month)
    page.click("form.inline-form button[type=submit]")
    # Asked first, naming the month and that issued invoices cannot be withdrawn.
    dialog = page.locator("dialog[data-testid=confirm]")
    assert f"{int(month[:4])}年{int(month[5:])}月" in dialog.inner_text() and "取り消せません" in dialog.inner_text()
    dialog.locator("[data-testid=confirm-ok]").click()
    # A human message: the month in words and what the close did, no internal run id.
    year, mon = month.split("-")
    text = flash(page, f"{int(year)}年{int(mon)}月の締め処理")
    assert "#" not in text and "完了しました" in text and "請求書" in text, text
    wait_run(api, month)
    goto(page, "/admin/invoices")
    page.locator("[data-testid=billing-runs]", has_text=month).wait_for()
    assert page.locator("[data-testid=invoices] tbody tr").count() >= 3
    check_axe(page, artifacts, "admin-invoices")
    ctx.close()
    yamato = api.get("yamato-admin", "/auth/me")["business_pk"]
    [inv] = [i for i in api.get("yamato-admin", f"/businesses/{yamato}/invoices") if i["period"].startswith(month)]
    return {"invoice": inv, "period": month}


def test_firm_pays_an_invoice_online(open_context, api, server, stripe, closed, artifacts):
    fake, _ = stripe
    inv = closed["invoice"]
    page = open_context(PHONE, accept_downloads=True).new_page()
    login(page, "yamato-admin")
    goto(page, "/firm/invoices")
    row = page.locator(f"[data-testid=invoices] tr[data-invoice='{inv['id']}']")
    assert inv["number"] in row.inner_text() and "未払い" in row.inner_text()
    check_axe(page, artifacts, "firm-invoices")

    row.locator("a").click()
    page.wait_for_selector("[data-testid=invoice-lines]")
    detail = api.get("yamato-admin", f"/invoices/{inv['id']}")
    lines = page.locator("[data-testid=invoice-lines] tbody tr")
    assert lines.count() == len(detail["lines"])
    assert detail["lines"][0]["label"] in lines.nth(0).inner_text()
    assert f"{inv['balance_yen']:,} 円" in page.locator("[data-testid=invoice-balance]").inner_text()
    with page.expect_download() as dl:
        page.click("[data-testid=invoice-pdf]")
    assert dl.value.suggested_filename == f"{inv['number']}.pdf"
    assert page.locator("[data-testid=invoice-receipt]").count() == 0  # no receipt before it is paid
    check_axe(page, artifacts, "firm-invoice")

    # Pay by card on the provider's hosted page (the card number never touches OpenCCUS); it sends the payer back
    # and reports the payment by a signed webhook, which the page notices by itself.
    page.set_viewport_size(PHONE)
    page.check("#pay-card")
    page.click("[data-testid=pay-submit]")
    pay_on_provider_page(page, inv["balance_yen"])
    shot(page, artifacts, "firm-invoice-paying")
    page.wait_for_url(f"**/firm/invoices/{inv['id']}", timeout=WAIT_MS)
    page.locator("[data-testid=invoice-paid]").wait_for(timeout=WAIT_MS)
    assert "お支払いを確認しました" in flash(page, "お支払いを確認しました")
    assert "支払済み" in page.locator("[data-testid=invoice-status]").inner_text()
    assert "オンライン決済" in page.locator("[data-testid=invoice-payments]").inner_text()
    with page.expect_download() as dl:
        page.click("[data-testid=invoice-receipt]")
    assert dl.value.suggested_filename == f"R-{inv['number']}.pdf"
    check_axe(page, artifacts, "firm-invoice-paid")
    assert api.get("yamato-admin", f"/invoices/{inv['id']}")["status"] == "paid"
    [session] = [s for s in fake.sessions.values() if s["metadata"].get("invoice_id") == str(inv["id"])]
    assert session["status"] == "complete" and session["amount_total"] == inv["balance_yen"]


def test_operator_corrects_payments_from_a_bank_file(open_context, api, closed, artifacts, tmp_path):
    from api.payments import zengin

    suzuki = api.get("suzuki-admin", "/auth/me")["business_pk"]
    [inv] = [i for i in api.get("suzuki-admin", f"/businesses/{suzuki}/invoices") if i["period"].startswith(closed["period"])]
    today = date.today()
    header = zengin.NoticeHeader(created_on=today, period_from=today, period_to=today, bank_code="0005",
                                 bank_name="ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ", branch_code="001", branch_name="ﾎﾝﾃﾝ", account_type="1",
                                 account_number="1234567", account_name="ｵ-ﾌﾟﾝｼ-ｼ-ﾕ-ｴｽ")
    stamp = f"{int(time.time()) % 1_000_000:06d}"

    def transfer(n: int, amount: int, name: str, **kw):
        return zengin.Transfer(inquiry_number=f"{stamp[:4]}{n:02d}", posted_on=today, amount_yen=amount, payer_name=name,
                               value_on=today, remitting_bank_name="ﾐｽﾞﾎ", remitting_branch_name="ｼﾝｼﾞﾕｸ", **kw)

    short = inv["balance_yen"] - 1000
    notice = tmp_path / "notice.txt"
    notice.write_bytes(zengin.write_transfer_notice(accounts=[(header, [
        transfer(1, 12_345, "ﾀﾅｶ ｲﾁﾛｳ"), transfer(2, short, "ｽｽﾞｷﾃﾂｷﾝ", edi_info=inv["payment_reference"])])]))

    page = open_context(TABLET).new_page()
    login(page, "operator")
    goto(page, "/admin/payments")
    page.set_input_files("#f-bank-file", str(notice))
    page.click("form button.primary >> text=取り込む")
    result = page.locator("[data-testid=import-result]")
    result.wait_for()
    assert "2 件" in result.inner_text() and "要確認 2 件" in result.inner_text()
    items = api.get("operator", "/admin/payments/exceptions?status=open")
    unknown = next(e for e in items if e["amount_yen"] == 12_345 and e["reason"] == "unknown_payer")
    mismatch = next(e for e in items if e["amount_yen"] == short and e["reason"] == "amount_mismatch")
    assert mismatch["candidate_invoice_pk"] == inv["id"]
    check_axe(page, artifacts, "admin-payments")

    # The wrong amount goes to its invoice (a partial payment), with a reason.
    item = page.locator(f"li[data-exception='{mismatch['id']}']")
    item.locator("button[data-action=assign]").click()
    form = item.locator("[data-testid=assign-form]")
    # The candidate is filled in by its number, as on the bank statement, never by its internal id.
    assert form.locator(f"#f-assign-{mismatch['id']}-invoice_id").input_value() == inv["number"]
    form.locator("button[type=submit]").click()  # no reason yet: refused before sending
    form.locator(".error-summary").wait_for()
    form.locator(f"#f-assign-{mismatch['id']}-reason").fill("振込額の不足分は別途請求します")
    shot(page, artifacts, "admin-payments-assign")
    form.locator("button[type=submit]").click()
    flash(page, f"{short:,} 円 の入金を充当しました")
    detail = api.get("operator", f"/invoices/{inv['id']}")
    assert detail["paid_yen"] == short and detail["payment_status"] == "partially_paid"

    # The unknown payment is refunded (a bank transfer: recorded as paid back), with a reason.
    item = page.locator(f"li[data-exception='{unknown['id']}']")
    item.locator("button[data-action=refund]").click()
    item.locator(f"#f-refund-{unknown['id']}-reason").fill("振込人不明のため返金")
    item.locator("[data-testid=refund-form] button[type=submit]").click()
    flash(page, "12,345 円 の入金を返金しました")
    resolved = {e["id"]: e for e in api.get("operator", "/admin/payments/exceptions?status=resolved")}
    assert resolved[unknown["id"]]["resolution"] == "refunded" and resolved[mismatch["id"]]["resolution"] == "assigned"
    assert page.locator(f"li[data-exception='{unknown['id']}']").count() == 0
    goto(page, "/admin/payments?status=resolved")
    assert page.locator(f"li[data-exception='{unknown['id']}']").count() == 1
    check_axe(page, artifacts, "admin-payments-resolved")
    trail = api.get("operator", "/audit?entity_type=payment")
    assert any("振込人不明のため返金" in str(e) for e in trail)


def test_kpi_dashboard_charts_and_tables(open_context, api, closed, artifacts):
    from api.timeutil import today_jst

    today = today_jst()
    fy = today.year if today.month >= 4 else today.year - 1
    revenue = api.get("operator", f"/admin/kpi/revenue?fiscal_year={fy}")
    regs = api.get("operator", f"/admin/kpi/registrations?fiscal_year={fy}")
    page = open_context(TABLET).new_page()
    login(page, "operator")
    goto(page, "/admin/kpi")
    assert f"{revenue['net_total_yen']:,} 円" in page.locator("[data-testid=revenue-total]").inner_text()
    # Every chart is an image with a name, and the table under it has the same numbers.
    for chart in ("rev-cat", "rev-q", "reg-technicians", "reg-businesses", "reg-work_records"):
        svg = page.locator(f"[data-testid=chart-{chart}]")
        assert svg.get_attribute("role") == "img" and svg.locator("title").count() == 1
        assert page.locator(f"[data-testid=table-{chart}] tbody tr").count() >= 1
    cat_rows = page.locator("[data-testid=table-rev-cat] tbody tr")
    assert cat_rows.count() == len(revenue["categories"])
    for i, c in enumerate(revenue["categories"]):
        assert c["label_ja"] in cat_rows.nth(i).inner_text() and f"{c['net_yen']:,} 円" in cat_rows.nth(i).inner_text()
    tech_rows = page.locator("[data-testid=table-reg-technicians] tbody tr")
    assert tech_rows.count() == len(regs["quarters"])
    for i, q in enumerate(regs["quarters"]):
        assert f"{q['technicians']['year_to_date']:,}" in tech_rows.nth(i).inner_text()
    check_axe(page, artifacts, "admin-kpi")

    # A segment and a past year from the filters; English.
    page.select_option("#f-kpi-segment", "prefecture")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**segment=prefecture**")
    # The URL changes before the view re-renders: wait for the new segment's heading, not any heading.
    page.locator("#seg-h", has_text="都道府県").wait_for()
    page.click("[data-testid=lang-switch]")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert "KPI dashboard" in page.locator("main h1").inner_text()
    assert "Revenue" in page.locator("#rev-h").inner_text()
    shot(page, artifacts, "admin-kpi-en")
    page.click("[data-testid=lang-switch]")


def test_technician_sees_own_invoices(open_context, artifacts):
    page = open_context(PHONE).new_page()
    login(page, "tech03")
    goto(page, "/me/invoices")
    assert page.locator("nav.tabs a[aria-current=page]").inner_text() == "請求・支払い"
    assert page.locator("[data-testid=no-invoices], [data-testid=invoices]").count() == 1
    check_axe(page, artifacts, "me-invoices")
