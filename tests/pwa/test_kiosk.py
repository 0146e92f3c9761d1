"""The face kiosk on a site tablet (/kiosk, 1024×768), in a Chromium whose camera is a Y4M file: enrolment with the
one-time code from the firm portal, the token kept across a restart, the camera's frames sent and a refusal shown
large, a lost connection (offline banner, the attempt sent when the connection returns), and a rotated device that
goes back to enrolment. The recognition of a registered face is in test_face_flow.py."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.pwa.camera import blank_video
from tests.pwa.helpers import PHONE, TABLET, WAIT_MS, axe_serious, shot

RESULT_WAIT = 60_000  # the first check-in starts the face engine's worker processes


def kiosk_site(api, admin: str = "yamato-admin") -> dict:
    """A site of the firm with a face kiosk registered (its one-time code), made through the API."""
    from api.timeutil import today_jst

    today = today_jst()
    site = api.ok("POST", admin, "/sites", json={
        "name": f"顔認証現場 {uuid.uuid4().hex[:6]}", "address": "東京都千代田区丸の内3-3", "order_type": "private",
        "window_start": (today - timedelta(days=30)).isoformat(), "window_end": (today + timedelta(days=300)).isoformat(),
        "cutoff_hour": 0, "manager_account_ids": []})
    out = api.ok("POST", admin, f"/sites/{site['id']}/devices", json={"kind": "kiosk", "name": "玄関タブレット"})
    return {"site": site, "device": out["device"], "code": out["enrolment_code"]}


def enrol(page, code: str) -> None:
    page.fill("#f-kiosk-code", code)
    page.click(".kiosk-enrol button[type=submit]")
    ready(page)


def ready(page) -> None:
    page.wait_for_selector("[data-testid=kiosk-start]:not([disabled])", timeout=WAIT_MS * 2)


def test_kiosk_enrols_survives_offline_and_a_rotation(camera_context, api, artifacts, tmp_path):
    k = kiosk_site(api)
    ctx = camera_context(blank_video(tmp_path / "empty-room.y4m"), TABLET)
    page = ctx.new_page()
    page.goto("/kiosk")
    page.wait_for_selector("#f-kiosk-code")
    assert page.locator("header.top").count() == 0  # full screen: no portal header or menu
    for vp in (TABLET, PHONE):
        page.set_viewport_size(vp)
        shot(page, artifacts, "kiosk-enrol")
        assert axe_serious(page) == [], f"kiosk enrolment at {vp}"
    page.set_viewport_size(TABLET)

    # A wrong code is refused; the right one enrols the tablet and the camera starts.
    page.fill("#f-kiosk-code", "WRONG-CODE-1")
    page.click(".kiosk-enrol button[type=submit]")
    assert "正しくない" in page.locator("#error-summary-kiosk-").inner_text()
    enrol(page, k["code"])
    stored = page.evaluate("() => JSON.parse(localStorage.getItem('openccus.kiosk'))")
    assert stored["device_token"] and stored["site_id"] == k["site"]["site_id"]
    page.locator(".kiosk-site", has_text=k["site"]["name"]).wait_for()  # the kiosk names its site
    device = next(d for d in api.get("yamato-admin", f"/sites/{k['site']['id']}/devices") if d["id"] == k["device"]["id"])
    assert device["software_version"].startswith("pwa-kiosk/")
    assert page.evaluate("() => document.getElementById('kiosk-video').videoWidth") > 0
    for vp in (TABLET, PHONE):
        page.set_viewport_size(vp)
        shot(page, artifacts, "kiosk-ready")
        assert axe_serious(page) == [], f"kiosk ready at {vp}"
    page.set_viewport_size(TABLET)

    # A restart of the tablet keeps the token.
    page.reload()
    ready(page)
    assert page.locator("#f-kiosk-code").count() == 0

    # An empty room: the frames reach the API, which finds no face; shown large, then ready again by itself.
    page.click("[data-testid=kiosk-start]")
    result = page.locator("[data-testid=kiosk-result]")
    result.wait_for(timeout=RESULT_WAIT)
    assert result.get_attribute("data-outcome") == "error" and "顔が見つかりません" in result.inner_text()
    shot(page, artifacts, "kiosk-no-face")
    result.wait_for(state="detached", timeout=WAIT_MS)
    ready(page)

    # The connection drops: a banner; a check-in waits and is sent when the connection returns.
    ctx.set_offline(True)
    page.locator("[data-testid=offline-banner]").wait_for()
    page.click("[data-testid=kiosk-start]")
    page.locator("[data-testid=kiosk-state]", has_text="接続を待っています").wait_for()
    shot(page, artifacts, "kiosk-offline")
    ctx.set_offline(False)
    page.locator("[data-testid=offline-banner]").wait_for(state="detached")
    result.wait_for(timeout=RESULT_WAIT)
    assert "顔が見つかりません" in result.inner_text()
    page.click("[data-testid=kiosk-result] button")
    ready(page)

    # The firm rotates the device: the old token ends, the tablet asks to be enrolled again.
    code = api.ok("POST", "yamato-admin", f"/sites/{k['site']['id']}/devices/{k['device']['id']}/rotate")["enrolment_code"]
    page.click("[data-testid=kiosk-start]")
    error = page.locator("#error-summary-kiosk-")
    error.wait_for(timeout=RESULT_WAIT)
    assert "取り消された" in error.inner_text()
    assert page.evaluate("() => localStorage.getItem('openccus.kiosk')") is None
    enrol(page, code)
