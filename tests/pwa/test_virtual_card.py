"""The virtual card in real browsers (issue 20 items 4 and 5): the technician's phone shows a code signed by its own
key (made at login), the face kiosk's camera reads it (a Chromium whose camera plays a video of that QR code) and
records a `virtual_card` tap; the same code shown again is refused as read; a site manager makes their own phone the
site's reader from /kiosk in two taps and reads a virtual card with it."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import segno
from PIL import Image

from tests.pwa.camera import H, W, write_y4m
from tests.pwa.helpers import PHONE, TABLET, WAIT_MS, axe_serious, goto, login, shot

TECH = "tech06"  # 渡辺 拓也, employed by the prime (大和建設)
READ_WAIT = WAIT_MS * 3  # the reader starts its camera and jsQR's chunk first


@pytest.fixture
def vcard_site(api) -> dict:
    """A site of the prime with the yamato-site manager and the technician on its roster; each test its own, since
    a code counts once per site and 30-second step and two tests can fall within one step."""
    from api.timeutil import today_jst

    today = today_jst()
    prime = api.get("yamato-admin", "/auth/me")["business_pk"]
    manager = next(a for a in api.get("yamato-admin", f"/businesses/{prime}/accounts") if a["login"] == "yamato-site")
    site = api.ok("POST", "yamato-admin", "/sites", json={
        "name": f"仮想カード現場 {uuid.uuid4().hex[:6]}", "address": "東京都港区芝公園4-2-8", "order_type": "private",
        "window_start": (today - timedelta(days=30)).isoformat(), "window_end": (today + timedelta(days=300)).isoformat(),
        "cutoff_hour": 0, "manager_account_ids": [manager["id"]]})
    tech = api.get(TECH, "/auth/me")["technician_pk"]
    tech_id = api.get("operator", f"/technicians/{tech}")["technician_id"]
    api.ok("POST", "yamato-admin", f"/sites/{site['id']}/roster",
           json={"technician_id": tech_id, "trade": "06-01", "position": "worker"})
    return {**site, "technician_id": tech_id}


def qr_video(text: str, into: Path) -> Path:
    """The phone's screen held up to the camera: the QR code, black on white, centred in 640×480."""
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=6, border=4)
    code = Image.open(buf).convert("RGB")
    frame = Image.new("RGB", (W, H), (255, 255, 255))
    frame.paste(code, ((W - code.width) // 2, (H - code.height) // 2))
    return write_y4m(into, [frame], hold=2)


def phone_code(open_context, site: dict, artifacts: Path) -> str:
    """The technician opens their virtual card for the site: the code their phone signed."""
    ctx = open_context(PHONE)
    page = ctx.new_page()
    login(page, TECH)
    goto(page, "/phone")
    page.select_option("#phone-site", site["site_id"])
    page.click("[data-testid=vcard-show]")
    page.wait_for_selector("[data-testid=vcard][data-code^='OCVC1.']")
    page.wait_for_function("() => document.getElementById('vcard-qr')?.dataset.code?.startsWith('OCVC1.')")
    shot(page, artifacts, "vcard-phone")
    assert axe_serious(page) == [], "the virtual card on the phone"
    code = page.get_attribute("[data-testid=vcard]", "data-code")
    assert code and code.split(".")[3] == site["site_id"] and code.split(".")[1] == site["technician_id"]
    ctx.close()
    return code


def _taps(api, site):
    return [t for t in api.get("yamato-site", f"/sites/{site['id']}/taps") if t["method"] == "virtual_card"]


def test_the_kiosk_reads_a_virtual_card_once(camera_context, open_context, api, vcard_site, artifacts, tmp_path):
    code = phone_code(open_context, vcard_site, artifacts)
    made = api.ok("POST", "yamato-admin", f"/sites/{vcard_site['id']}/devices", json={"kind": "kiosk", "name": "玄関"})
    ctx = camera_context(qr_video(code, tmp_path / "vcard.y4m"), TABLET)
    page = ctx.new_page()
    page.goto("/kiosk")
    page.fill("#f-kiosk-code", made["enrolment_code"])
    page.click(".kiosk-enrol button[type=submit]")
    page.wait_for_selector("[data-testid=kiosk-mode-scan]")
    page.click("[data-testid=kiosk-mode-scan]")
    result = page.wait_for_selector("[data-testid=kiosk-result]", timeout=READ_WAIT)
    assert result.get_attribute("data-outcome") == "scan-accepted", result.inner_text()
    assert "渡辺" in result.inner_text() and "記録しました" in result.inner_text()
    shot(page, artifacts, "vcard-kiosk-accepted")
    assert axe_serious(page) == [], "kiosk virtual card result"
    taps = _taps(api, vcard_site)
    assert [(t["status"], t["technician_code"]) for t in taps] == [("accepted", vcard_site["technician_id"])]
    # The phone is still held up: once the same code has been seen for a while it is a second read, refused here.
    again = page.wait_for_selector("[data-testid=kiosk-result][data-outcome=scan-read_twice]", timeout=READ_WAIT)
    assert "読み取り済み" in again.inner_text()
    assert len(_taps(api, vcard_site)) == 1  # nothing more written
    ctx.close()


def test_a_site_managers_phone_becomes_the_reader(camera_context, open_context, api, vcard_site, artifacts, tmp_path):
    code = phone_code(open_context, vcard_site, artifacts)
    before = len(_taps(api, vcard_site))
    ctx = camera_context(qr_video(code, tmp_path / "vcard-manager.y4m"), PHONE)
    page = ctx.new_page()
    login(page, "yamato-site")
    page.goto("/kiosk")
    reader = page.wait_for_selector("[data-testid=phone-reader]")
    shot(page, artifacts, "vcard-manager-enrol")
    assert axe_serious(page) == [], "the manager's phone reader form"
    page.select_option("#f-reader-site", str(vcard_site["id"]))
    reader.query_selector("[data-testid=phone-reader-enrol]").click()
    # Enrolled as a kiosk of the site, straight into the virtual card reader with the back camera.
    page.wait_for_selector("[data-testid=kiosk-mode-scan][aria-pressed=true]")
    stored = page.evaluate("() => JSON.parse(localStorage.getItem('openccus.kiosk'))")
    assert stored["site_id"] == vcard_site["site_id"] and stored["mode"] == "scan" and stored["facing"] == "environment"
    devices = api.get("yamato-site", f"/sites/{vcard_site['id']}/devices")
    assert any(d["kind"] == "kiosk" and "スマートフォン" in d["name"] and d["enrolled_at"] for d in devices)
    result = page.wait_for_selector("[data-testid=kiosk-result]", timeout=READ_WAIT)
    assert result.get_attribute("data-outcome") == "scan-accepted", result.inner_text()
    shot(page, artifacts, "vcard-manager-read")
    assert len(_taps(api, vcard_site)) == before + 1
    ctx.close()
