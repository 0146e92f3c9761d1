"""Notices and the navigation's pending counts in a real browser, in Japanese, at phone and desktop sizes.

A technician enters a missing day (直接入力) through the API; the site manager sees the badges in the menu, the
notice naming the technician with its approval deadline, and what waits; rejecting without a reason is refused in
Japanese, with one it goes through; the technician reads the rejection with its reason. axe-core on the notices page.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest

from tests.pwa.helpers import DESKTOP, PHONE, axe_serious, flash, goto, login


def _jst_now() -> datetime:
    from api.timeutil import JST

    return datetime.now(JST)


@pytest.fixture(scope="module")
def notice_site(api) -> dict:
    """A site of 大和建設 run by yamato-site, with tech01 (佐藤 健, 鈴木鉄筋) on its roster."""
    prime = api.get("yamato-admin", f"/businesses/{api.get('yamato-admin', '/auth/me')['business_pk']}")
    sub = api.get("suzuki-admin", f"/businesses/{api.get('suzuki-admin', '/auth/me')['business_pk']}")
    manager = next(a for a in api.get("yamato-admin", f"/businesses/{prime['id']}/accounts") if a["login"] == "yamato-site")
    today = _jst_now().date()
    site = api.ok("POST", "yamato-admin", "/sites", json={
        "name": "大和ビル通知確認工事", "address": "東京都千代田区丸の内3-3", "order_type": "private",
        "window_start": (today - timedelta(days=40)).isoformat(), "window_end": (today + timedelta(days=200)).isoformat(),
        "cutoff_hour": 0, "manager_account_ids": [manager["id"]]})
    tree = api.ok("GET", "yamato-admin", f"/sites/{site['id']}/contracts")
    api.ok("POST", "yamato-admin", f"/sites/{site['id']}/contracts",
           json={"business_id": sub["business_id"], "parent_contract_id": tree[0]["id"], "proxy": True})
    tech = api.get("operator", f"/technicians/{api.get('tech01', '/auth/me')['technician_pk']}")
    api.ok("POST", "suzuki-admin", f"/sites/{site['id']}/roster",
           json={"technician_id": tech["technician_id"], "trade": "05-01", "position": "worker", "work_content": "配筋"})
    return {"site": site, "tech": tech}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_direct_input_reaches_the_approver_with_its_deadline_and_the_rejection_its_reason(open_context, api, notice_site, viewport):
    from api.timeutil import JST
    from api.workrecords.direct import deadline

    site, tech = notice_site["site"], notice_site["tech"]
    day = _jst_now().date() - timedelta(days=3 if viewport is PHONE else 4)
    item = api.ok("POST", "tech01", f"/sites/{site['id']}/direct-inputs", json={
        "technician_id": tech["technician_id"], "start_at": datetime.combine(day, time(8), tzinfo=JST).isoformat(),
        "end_at": datetime.combine(day, time(17), tzinfo=JST).isoformat(), "reason": "カードを忘れたため"})

    page = open_context(viewport).new_page()
    login(page, "yamato-site")
    goto(page, "/notifications")
    # The menu counts what waits: the direct input on the sites link, the unread notice on the notices link.
    page.locator("[data-testid=badge-firm-sites]").wait_for()
    assert int(page.locator("[data-testid=badge-firm-sites]").inner_text()) >= 1
    assert int(page.locator("[data-testid=badge-notifications]").inner_text()) >= 1
    assert re.search(r"（\d+件）", page.locator("nav.main-nav a[href='/notifications']").get_attribute("aria-label"))
    assert "承認待ちの直接入力" in page.locator("[data-testid=waiting]").inner_text()
    due = deadline(day)
    notice = page.locator("li[data-kind='direct.pending']", has_text=f"作業日 {day.year}年{day.month}月{day.day}日")
    text = notice.inner_text()
    assert "対象: 佐藤 健" in text and f"承認期限は {due.year}年{due.month}月{due.day}日" in text, text
    assert "直接入力の承認依頼" in text and "大和ビル通知確認工事" in text
    assert axe_serious(page) == []

    # Rejecting needs a reason: refused in Japanese, then done with one.
    goto(page, f"/firm/sites/{site['id']}/direct-inputs")
    row = page.locator(f"[data-direct='{item['id']}']")
    row.locator("button[value=reject]").click()
    page.get_by_text("却下の理由を入力してください").first.wait_for()
    row.locator("input[name=note]").fill("当日は休工日です")
    row.locator("button[value=reject]").click()
    flash(page, "却下しました")

    tech_page = open_context(viewport).new_page()
    login(tech_page, "tech01")
    goto(tech_page, "/notifications")
    rejected = tech_page.locator("li[data-kind='direct.rejected']", has_text=f"{day.year}年{day.month}月{day.day}日")
    text = rejected.inner_text()
    assert "直接入力の却下" in text and "理由: 当日は休工日です" in text and "対象: 佐藤 健" in text, text
    before = int(tech_page.locator("[data-testid=badge-notifications]").inner_text())
    rejected.get_by_role("button", name="既読にする").click()
    tech_page.wait_for_function(
        "(n) => (Number(document.querySelector('[data-testid=badge-notifications]')?.textContent) || 0) < n", arg=before)
    assert axe_serious(tech_page) == []
