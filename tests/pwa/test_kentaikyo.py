"""The employer's monthly 建退共 page in a real browser (issue 21 item 2): the month's days per technician and site, an
adjustment refused without a reason and saved with one, the confirmation (then locked: no adjust form, export only)
and the export of the confirmed month as CSV. axe-core at 1024×768."""

from __future__ import annotations

import csv
import io
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime, timedelta, timezone

from tests.pwa.helpers import TABLET, axe_serious, flash, goto, login, shot


def test_employer_confirms_and_exports_a_month(open_context, api, pwa_var, artifacts):
    last = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    month = last.strftime("%Y-%m")
    yamato = api.get("yamato-admin", "/auth/me")["business_pk"]
    site = api.ok(
        "POST",
        "yamato-admin",
        "/sites",
        json={
            "name": "建退共確認現場",
            "address": "東京都千代田区1-1",
            "order_type": "private",
            "window_start": "2020-01-01",
            "window_end": "2030-12-31",
        },
    )
    tech = next(e for e in api.get("yamato-admin", f"/businesses/{yamato}/employees") if e["technician_id"])
    # Two work records of last month, written as the fold would (the fold has its own tests).
    with closing(sqlite3.connect(pwa_var / "openccus.sqlite3", timeout=30)) as db, db:
        for day in (10, 11):
            db.execute(
                "INSERT INTO work_record (technician_id, site_id, work_date, first_in, employer_id, tier, method, "
                "taps, missing_exit, folded_at) VALUES (?, ?, ?, ?, ?, 0, 'card', 2, 0, ?)",
                [
                    tech["id"],
                    site["id"],
                    last.replace(day=day).isoformat(),
                    datetime(last.year, last.month, day, 8, tzinfo=timezone(timedelta(hours=9))).isoformat(sep=" "),
                    yamato,
                    datetime.now(UTC).isoformat(sep=" "),
                ],
            )

    page = open_context(TABLET, accept_downloads=True).new_page()
    login(page, "yamato-admin")
    goto(page, "/firm/reports")
    page.click("[data-testid=kt-link]")
    page.locator("[data-testid=kt-status]").wait_for()
    goto(page, f"/firm/kentaikyo?month={month}")
    row = page.locator(f"[data-testid=kt-rows] tr[data-technician='{tech['technician_id']}']")
    assert row.locator("[data-testid=kt-total]").inner_text() == "2"
    assert page.locator("[data-testid=kt-status]").inner_text() == "未確定"

    # An adjustment without a reason is refused with the API's own sentence; with a reason it is saved.
    page.select_option("#f-ka-technician_id", tech["technician_id"])
    page.select_option("#f-ka-site_id", site["site_id"])
    page.fill("#f-ka-work_date", last.replace(day=12).isoformat())
    page.select_option("#f-ka-worked", "true")
    page.click("[data-testid=kt-adjust] button[type=submit]")
    page.locator(".error-summary", has_text="調整には理由が必要です").wait_for()
    assert row.locator("[data-testid=kt-total]").inner_text() == "2"
    page.fill("#f-ka-reason", "カード忘れ（日報で確認）")
    page.click("[data-testid=kt-adjust] button[type=submit]")
    flash(page, "調整を登録しました")
    assert row.locator("[data-testid=kt-total]").inner_text() == "3"
    assert "カード忘れ" in page.locator("[data-testid=kt-adjustments]").inner_text()
    assert row.locator("td[data-day='12']").inner_text() == "1*"  # an adjusted day is marked
    shot(page, artifacts, "firm-kentaikyo-open")
    assert axe_serious(page) == []

    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=kt-confirm]")
    flash(page, f"{month} を確定しました")
    assert page.locator("[data-testid=kt-status]").inner_text() == "確定済み（ロック）"
    assert page.locator("[data-testid=kt-adjust]").count() == 0  # locked: nothing to adjust
    with page.expect_download() as dl:
        page.click("[data-testid=kt-export-utf-8]")
    with open(dl.value.path(), "rb") as f:
        data = f.read()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = [r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))) if r["技能者ID"] == tech["technician_id"]]
    assert [(r["現場ID"], r["就労日数"], r["12"]) for r in rows] == [(site["site_id"], "3", "1")]
    shot(page, artifacts, "firm-kentaikyo-confirmed")
    assert axe_serious(page) == []
    # The lock holds on the API as well.
    r = api.call("POST", "yamato-admin", f"/businesses/{yamato}/kentaikyo/confirm", json={"month": month})
    assert r.status_code == 409 and r.json()["error"] == "kentaikyo_month_confirmed"
