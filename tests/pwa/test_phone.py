"""Phone check-in in a real browser (issue 20): the technician's phone with an emulated position checks in inside
the fence and outside it, uses the gate QR code's link twice (the second use is a replay), and records a check-in
offline that is signed, kept and uploaded when the connection returns; the site manager reviews the queue and sees
the map."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.pwa.helpers import PHONE, TABLET, axe_serious, goto, login, shot, wait_images

LAT, LON = 35.689487, 139.691711
TECH = "tech06"  # 渡辺 拓也, employed by the prime (大和建設)


@pytest.fixture(scope="module")
def phone_site(api) -> dict:
    from api.timeutil import today_jst

    today = today_jst()
    prime = api.get("yamato-admin", "/auth/me")["business_pk"]
    manager = next(a for a in api.get("yamato-admin", f"/businesses/{prime}/accounts") if a["login"] == "yamato-site")
    site = api.ok("POST", "yamato-admin", "/sites", json={
        "name": f"スマホ入退場現場 {uuid.uuid4().hex[:6]}", "address": "東京都新宿区西新宿2-8-1", "order_type": "private",
        "window_start": (today - timedelta(days=30)).isoformat(), "window_end": (today + timedelta(days=300)).isoformat(),
        "cutoff_hour": 0, "manager_account_ids": [manager["id"]]})
    api.ok("PUT", "yamato-site", f"/sites/{site['id']}/phone-settings", json={
        "geofence": {"lat": LAT, "lon": LON, "radius_m": 100}, "max_accuracy_m": 50})
    tech = api.get(TECH, "/auth/me")["technician_pk"]
    tech_id = api.get("operator", f"/technicians/{tech}")["technician_id"]
    api.ok("POST", "yamato-admin", f"/sites/{site['id']}/roster",
           json={"technician_id": tech_id, "trade": "06-01", "position": "worker"})
    return site


def _phone(open_context, **geo):
    ctx = open_context(PHONE, permissions=["geolocation"],
                       geolocation={"latitude": LAT, "longitude": LON, "accuracy": 10, **geo})
    return ctx, ctx.new_page()


def _result(page, outcome: str):
    box = page.wait_for_selector(f"[data-testid=phone-result][data-outcome={outcome}]")
    return box


def test_gate_code_in_fence_out_of_fence_replay_and_review(open_context, api, phone_site, artifacts):
    gate = api.get("yamato-site", f"/sites/{phone_site['id']}/gate-qr")
    ctx, page = _phone(open_context)
    login(page, TECH)
    # The printed code's link opens the check-in page with the code (the phone's own camera app reads it).
    goto(page, "/" + gate["url"].split("/", 3)[3])
    assert page.is_visible("[data-testid=phone-qr]")
    page.click("[data-testid=phone-in]")
    _result(page, "accepted")
    page.click("[data-testid=phone-in]")  # the same day's code again for the same direction: a replay
    box = _result(page, "review")
    assert box.query_selector("[data-reason=qr_replayed]") is not None
    ctx.set_geolocation({"latitude": LAT + 0.0027, "longitude": LON, "accuracy": 10})  # ~300 m north
    page.click("[data-testid=phone-out]")
    box = _result(page, "review")
    assert box.query_selector("[data-reason=out_of_fence]") is not None
    assert "m outside the fence" in box.inner_text()
    shot(page, artifacts, "phone-checkin")
    assert axe_serious(page) == [], "phone check-in page"

    queue = api.get("yamato-site", f"/sites/{phone_site['id']}/phone-checkins?outcome=review&undecided=true")
    assert sorted(r["code"] for q in queue for r in q["reasons"]) == ["out_of_fence", "qr_replayed"]
    far = next(q for q in queue if q["reasons"][0]["code"] == "out_of_fence")
    assert 190 < far["distance_m"] < 210

    mctx = open_context(TABLET)
    mpage = mctx.new_page()
    login(mpage, "yamato-site")
    goto(mpage, f"/firm/sites/{phone_site['id']}/phone")
    assert len(mpage.query_selector_all("[data-phone-checkin]")) == 2
    wait_images(mpage)
    assert mpage.eval_on_selector("img.phone-map", "i => i.naturalWidth") > 0
    shot(mpage, artifacts, "site-phone")
    assert axe_serious(mpage) == [], "site phone tab"
    item = mpage.locator(f"[data-phone-checkin='{far['id']}']")
    item.locator("[data-testid=phone-approve]").click()
    mpage.wait_for_selector(f"[data-phone-checkin='{far['id']}']", state="detached")
    taps = api.get("yamato-site", f"/sites/{phone_site['id']}/taps")
    assert sorted((t["method"], t["direction"]) for t in taps) == [("phone", "in"), ("phone", "out")]
    # The printable gate page is the site manager's.
    print_page = mctx.new_page()
    print_page.goto(f"/api/v1/sites/{phone_site['id']}/gate-qr/print")
    assert print_page.locator("svg").count() == 1 and gate["payload"] in print_page.content()


def test_offline_check_in_is_signed_kept_and_uploaded(open_context, api, phone_site):
    ctx, page = _phone(open_context)
    login(page, TECH)  # the login enrols this phone's key
    goto(page, "/phone")
    page.select_option("#phone-site", phone_site["site_id"])
    ctx.set_offline(True)
    page.click("[data-testid=phone-in]")
    _result(page, "kept")
    assert "1" in page.inner_text("[data-testid=phone-waiting]")
    ctx.set_offline(False)  # the `online` event uploads what was kept
    page.wait_for_selector("[data-testid=phone-uploads] li[data-outcome=accepted]")
    assert page.query_selector("[data-testid=phone-waiting]") is None
    assert "分遅れで送信" in page.inner_text("[data-testid=phone-uploads]")
    mine = [c for c in api.get("yamato-site", f"/sites/{phone_site['id']}/phone-checkins") if c["signed"]]
    assert len(mine) == 1 and mine[0]["outcome"] == "accepted"
