"""Offline: the app shell comes from the service worker after the first visit, and a form submitted without a
connection waits in the outbox (IndexedDB) and reaches the server when the connection returns."""

from __future__ import annotations

import uuid

from tests.pwa.helpers import PHONE, goto, image_file, login, shot

SW_READY = "async () => { const r = await navigator.serviceWorker.ready; return !!r.active && !!navigator.serviceWorker.controller; }"


def _wait_for_service_worker(page) -> None:
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert page.evaluate(SW_READY)


def test_app_shell_loads_offline_after_first_visit(open_context, artifacts):
    ctx = open_context(PHONE)
    page = ctx.new_page()
    goto(page, "/login")
    _wait_for_service_worker(page)

    ctx.set_offline(True)
    try:
        response = page.reload()
        assert response is not None and response.from_service_worker
        page.wait_for_selector("main h1")
        assert page.locator("main h1").inner_text() == "ログイン"
        assert page.locator("[data-testid=offline-banner]").is_visible()
        # A deep link the browser has never loaded is answered with the cached shell too.
        response = page.goto("/register")
        assert response is not None and response.from_service_worker
        page.wait_for_selector("#f-family_name")
        shot(page, artifacts, "offline-shell")
    finally:
        ctx.set_offline(False)


def test_offline_form_is_queued_and_sent_when_back_online(open_context, api, artifacts):
    ctx = open_context(PHONE)
    page = ctx.new_page()
    login(page, "tech05")
    pk = api.get("tech05", "/auth/me")["technician_pk"]
    before = api.get("tech05", f"/technicians/{pk}")["disclosure"]
    goto(page, "/me/disclosure")
    want = not bool(before.get("show_levels_publicly"))

    ctx.set_offline(True)
    page.locator("[data-testid=offline-banner]").wait_for()
    page.set_checked("#f-show_levels_publicly", want)
    page.click("main form button[type=submit]")
    banner = page.locator("[data-testid=queued-banner]")
    banner.wait_for()
    assert "1" in banner.inner_text()
    assert "送信待ち" in page.locator("[data-testid=flash]").inner_text()
    shot(page, artifacts, "offline-queued")
    # Nothing reached the server yet.
    assert bool(api.get("tech05", f"/technicians/{pk}")["disclosure"].get("show_levels_publicly")) is not want

    ctx.set_offline(False)  # fires `online`: the outbox replays
    banner.wait_for(state="detached")
    page.locator("[data-testid=flash]", has_text="送信しました").wait_for()
    assert api.get("tech05", f"/technicians/{pk}")["disclosure"]["show_levels_publicly"] is want


def test_offline_registration_with_photos_is_sent_when_back_online(open_context, api, artifacts, face_photo):
    suffix = uuid.uuid4().hex[:6]
    phone_no = f"070-8{int(suffix, 16) % 1000:03d}-{int(suffix, 16) % 10000:04d}"
    ctx = open_context(PHONE)
    page = ctx.new_page()
    goto(page, "/register")

    ctx.set_offline(True)
    page.fill("#f-family_name", "圏外")
    page.fill("#f-given_name", "花子")
    page.fill("#f-family_name_kana", "ケンガイ")
    page.fill("#f-given_name_kana", "ハナコ")
    page.fill("#f-birth_date", "1995-08-15")
    page.select_option("#f-sex", "female")
    page.fill("#f-postal_code", "060-0001")
    page.fill("#f-address", "札幌市中央区北1条西1")
    page.fill("#f-phone", phone_no)
    page.select_option("#f-trades", "15-01")
    for part in ("health", "pension", "employment"):
        page.select_option(f"#f-social_insurance-{part}", "enrolled")
    page.set_input_files("#f-photo", face_photo)
    page.set_input_files("#f-id_document", image_file("licence.jpg", width=800, height=500))
    page.fill("#f-password", "offline-password-1")
    page.click("main form button[type=submit]")
    page.locator("[data-testid=queued-banner]").wait_for()
    assert page.locator("a[href='/outbox']").first.is_visible()
    shot(page, artifacts, "offline-registration-queued")

    ctx.set_offline(False)
    page.locator("[data-testid=queued-banner]").wait_for(state="detached")
    page.locator("button.logout").wait_for()  # the registration logged the technician in
    queue = api.get("operator", "/review/applications?status=submitted&subject_type=technician&limit=200")
    mine = [i for i in queue if i["technician"]["phone"] == phone_no]
    assert len(mine) == 1
    assert mine[0]["technician"]["has_photo"] and mine[0]["technician"]["has_id_document"]
