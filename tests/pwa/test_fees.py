"""Fees in the PWA (issue 14 items 5, 6): the registration forms show the fee before submitting, priced today (the
business form requotes as the capital is typed); a technician whose registration expires within 6 months sees the
expiry, the renewal fee and a renewal button, and applies."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date, timedelta

from tests.pwa.helpers import PHONE, TABLET, goto, login, shot


def test_registration_forms_show_the_fee_before_submitting(open_context, artifacts):
    page = open_context(PHONE).new_page()
    goto(page, "/register")
    fee = page.locator("[data-testid=fee-quote]")
    fee.wait_for()
    assert "2,500 円" in fee.inner_text() and "申請した日の料金" in fee.inner_text()
    shot(page, artifacts, "fees-01-register-fee")

    biz = open_context(TABLET).new_page()
    goto(biz, "/register/business")
    fee = biz.locator("[data-testid=fee-quote]")
    fee.wait_for()
    assert "6,000 円" in fee.inner_text()  # no capital typed yet: an individual proprietor's fee
    biz.fill("#f-capital_yen", "12,000,000")
    biz.locator("#f-capital_yen").dispatch_event("change")
    biz.wait_for_function("() => document.querySelector('[data-testid=fee-quote]').innerText.includes('24,000')")
    biz.check("#f-sole_proprietor")
    biz.wait_for_function("() => document.querySelector('[data-testid=fee-quote]').innerText.includes('0 円')")


def test_technician_sees_expiry_and_renews_when_the_window_opens(open_context, api, artifacts, pwa_var):
    tech = next(t for t in api.get("operator", "/review/applications?status=approved&subject_type=technician&limit=200")
                if t["technician"]["family_name"] == "渡辺")["technician"]
    expiry = date.today() + timedelta(days=90)
    if (expiry.month, expiry.day) == (2, 29):
        expiry += timedelta(days=1)
    with closing(sqlite3.connect(pwa_var / "openccus.sqlite3", timeout=30)) as db, db:
        db.execute("UPDATE card SET valid_until = ? WHERE technician_id = ?", [expiry.isoformat(), tech["id"]])
    page = open_context(PHONE).new_page()
    login(page, "tech06")
    goto(page, "/me")
    section = page.locator("[data-testid=renewal]")
    section.wait_for()
    assert f"{expiry.year}年{expiry.month}月{expiry.day}日" in page.locator("[data-testid=registration-expires]").inner_text()
    page.locator("[data-testid=renewal-fee]").wait_for()
    assert "2,500 円" in page.locator("[data-testid=renewal-fee]").inner_text()
    shot(page, artifacts, "fees-02-renewal-open")
    page.click("[data-testid=apply-renewal]")
    page.locator("[data-testid=flash]").wait_for()
    assert "更新を申請しました" in page.locator("[data-testid=flash]").inner_text()
    page.wait_for_function("() => !document.querySelector('[data-testid=apply-renewal]')")
    assert "審査中" in section.inner_text()
    assert "登録の更新" in page.locator("#apps-h").locator("xpath=..").inner_text()
