"""The registration flow across three people and three screens: a technician on a phone registers (簡略型) with a face
photo and an identity document, the operator on a desktop returns one field with a reason, the technician sees the
reason on that field, fixes it and resubmits, the operator approves, the technician sees the card, the employer's
admin sees the employee; then the technician upgrades to 詳細型 with a qualification and its certificate photo."""

from __future__ import annotations

import re
import uuid

from tests.pwa.helpers import DESKTOP, PHONE, TABLET, goto, image_file, login, shot, wait_images


def _find_application(api, *, phone: str, kind: str, status: str = "submitted") -> dict:
    for item in api.get("operator", f"/review/applications?status={status}&subject_type=technician&limit=200"):
        tech = item.get("technician") or {}
        if tech.get("phone") == phone and item["application"]["kind"] == kind:
            return item
    raise AssertionError(f"no {status} {kind} application for {phone}")


def test_register_return_resubmit_approve_upgrade(open_context, api, artifacts, face_photo):
    suffix = uuid.uuid4().hex[:6]
    phone_no = f"090-7{int(suffix, 16) % 1000:03d}-{int(suffix, 16) % 10000:04d}"
    yamato = api.get("yamato-admin", "/businesses/1")

    # --- the technician registers on a phone ------------------------------------------------------------------------
    tech = open_context(PHONE).new_page()
    goto(tech, "/register")
    tech.fill("#f-family_name", "試験")
    tech.fill("#f-given_name", "太郎")
    tech.fill("#f-family_name_kana", "shiken")  # not katakana: the API refuses it
    tech.fill("#f-given_name_kana", "タロウ")
    tech.fill("#f-birth_date", "1990-05-01")
    tech.select_option("#f-sex", "male")
    tech.fill("#f-postal_code", "100-0001")
    tech.fill("#f-address", "東京都千代田区丸の内9-9")
    tech.fill("#f-phone", phone_no)
    tech.select_option("#f-trades", "02-01")
    for part in ("health", "pension", "employment"):
        tech.select_option(f"#f-social_insurance-{part}", "enrolled")
    tech.check("#f-retirement_aid-kentaikyo")
    # The inputs ask for the camera on a phone; a test hands them files, as the camera would.
    assert tech.get_attribute("#f-photo", "capture") == "user"
    assert tech.get_attribute("#f-id_document", "capture") == "environment"
    tech.set_input_files("#f-photo", face_photo)
    tech.set_input_files("#f-id_document", image_file("licence.jpg", width=800, height=500, colour=(180, 200, 120)))
    tech.fill("#f-employer_business_id", yamato["business_id"])
    tech.fill("#f-password", "pwa-password-123")
    tech.click("main form button[type=submit]")

    # The API's field message is shown on the field (in Japanese), and the summary links to it.
    error = tech.locator("#f-family_name_kana-error")
    error.wait_for()
    assert "カタカナ" in error.inner_text()
    assert tech.locator(".error-summary a[href='#f-family_name_kana']").count() == 1
    assert tech.get_attribute("#f-family_name_kana", "aria-invalid") == "true"
    shot(tech, artifacts, "flow-01-register-validation")

    tech.fill("#f-family_name_kana", "シケン")
    tech.click("main form button[type=submit]")
    tech.wait_for_url("**/me")
    tech.locator("[data-testid=flash]").wait_for()
    tech.wait_for_selector("#status-h")
    # Nobody picked a login name: the system assigned one, told in the flash and kept on the person's own page.
    login_id = tech.locator("[data-testid=login-id]").inner_text()
    assert re.fullmatch(r"\d{4}-\d{4}-\d{4}", login_id), login_id
    assert login_id in tech.locator("[data-testid=flash]").inner_text()
    assert "審査中" in tech.locator("main").inner_text()
    shot(tech, artifacts, "flow-02-registered")

    item = _find_application(api, phone=phone_no, kind="new")
    app_id, tech_pk = item["application"]["id"], item["technician"]["id"]
    assert item["technician"]["has_photo"] and item["technician"]["has_id_document"]

    # --- the operator returns the address, with a reason (desktop) ----------------------------------------------------
    op = open_context(DESKTOP).new_page()
    login(op, "operator")
    goto(op, "/review")
    op.click(f"a[href='/review/{app_id}']")
    op.wait_for_selector("aside.images")
    wait_images(op)
    imgs = op.locator("aside.images img")
    assert imgs.count() == 2
    assert all(imgs.nth(i).evaluate("i => i.naturalWidth > 0") for i in range(2))
    assert op.locator("td[data-field=address]").inner_text() == "東京都千代田区丸の内9-9"
    op.check("#f-return-address")
    reason = "住所の番地が本人確認書類と一致しません"
    op.fill("#f-reason-address", reason)
    shot(op, artifacts, "flow-03-operator-return")
    op.click("text=選んだ項目を差し戻す")
    op.wait_for_url("**/review")
    assert "差し戻しました" in op.locator("[data-testid=flash]").inner_text()

    # --- the technician sees the reason on that field, fixes it and resubmits -----------------------------------------
    goto(tech, "/me")
    notice = tech.locator(".notice.returned")
    assert reason in notice.inner_text()
    tech.click(".notice.returned >> text=修正する")
    tech.wait_for_url("**/me/edit")
    tech.wait_for_selector("#f-address-reason")
    assert reason in tech.locator("#f-address-reason").inner_text()
    assert "returned" in tech.locator(".field:has(#f-address)").get_attribute("class")
    assert "f-address-reason" in tech.get_attribute("#f-address", "aria-describedby")
    assert tech.locator(".field.returned").count() == 1
    shot(tech, artifacts, "flow-04-returned-field")
    tech.fill("#f-address", "東京都千代田区丸の内1-1-1")
    tech.click("button[value=resubmit]")
    tech.locator("[data-testid=flash]").wait_for()
    assert "再申請しました" in tech.locator("[data-testid=flash]").inner_text()
    assert api.get("operator", f"/review/applications/{app_id}")["application"]["status"] == "submitted"
    assert api.get("operator", f"/technicians/{tech_pk}")["address"] == "東京都千代田区丸の内1-1-1"

    # --- the operator approves -----------------------------------------------------------------------------------------
    goto(op, f"/review/{app_id}")
    assert op.locator(".notice.returned").inner_text().count(reason) == 1  # the previous reason is shown
    op.click("text=承認する")
    op.wait_for_url("**/review")
    assert "承認しました" in op.locator("[data-testid=flash]").inner_text()

    # --- the technician sees the card -------------------------------------------------------------------------------
    goto(tech, "/me")
    card = tech.locator("[data-testid=card]")
    card.wait_for()
    text = card.inner_text()
    assert re.search(r"\d{14}", text), text
    assert "有効" in text
    assert tech.locator(".ccus-card img").evaluate("i => i.naturalWidth > 0")
    shot(tech, artifacts, "flow-05-card")

    # --- the employer's admin sees the employee (tablet) ------------------------------------------------------------
    firm = open_context(TABLET).new_page()
    login(firm, "yamato-admin")
    goto(firm, "/firm/employees")
    row = firm.locator("[data-testid=employees] li", has_text="試験 太郎")
    assert row.count() == 1
    assert "承認済み" in row.inner_text()
    shot(firm, artifacts, "flow-06-firm-employees")

    # --- 詳細型: detailed data, a qualification with its certificate photo, the upgrade --------------------------------
    goto(tech, "/me/detailed")
    tech.click("text=行を追加: 健康診断")
    health = tech.locator("fieldset.rows").first
    health.locator("input[type=text]").last.fill("雇入時健康診断")
    health.locator("input[type=date]").last.fill("2026-04-01")
    tech.check("#f-labour_insurance_special")
    tech.click("text=詳細型の情報を保存")
    tech.locator("[data-testid=flash]", has_text="保存しました").wait_for()
    assert api.get("operator", f"/technicians/{tech_pk}")["detailed"]["health_checks"] == [
        {"name": "雇入時健康診断", "on": "2026-04-01"}
    ]

    tech.select_option("#f-code", "T01")
    tech.fill("#f-acquired_on", "2015-06-01")
    assert tech.get_attribute("#f-certificate", "capture") == "environment"
    tech.set_input_files("#f-certificate", image_file("certificate.jpg", width=700, height=500, colour=(240, 220, 120)))
    tech.click("main form button:has-text('資格を追加')")
    tech.locator("[data-testid=flash]", has_text="資格を追加しました").wait_for()
    wait_images(tech)
    assert tech.locator(".quals li").count() == 1
    tech.click("text=詳細型への変更を申請する")
    tech.locator("[data-testid=flash]", has_text="詳細型への変更を申請しました").wait_for()
    shot(tech, artifacts, "flow-07-upgrade-applied")

    upgrade = _find_application(api, phone=phone_no, kind="upgrade")
    goto(op, f"/review/{upgrade['application']['id']}")
    assert op.locator("aside.images img").count() == 3  # face, identity document, certificate
    assert "玉掛け" in op.locator("td[data-field=qualifications]").inner_text()
    shot(op, artifacts, "flow-08-operator-upgrade")
    op.click("text=承認する")
    op.wait_for_url("**/review")

    goto(tech, "/me")
    assert "詳細型" in tech.locator("#status-h + dl").inner_text()
    assert api.get("operator", f"/technicians/{tech_pk}")["tier"] == "detailed"


def test_operator_correction_is_audited(open_context, api, artifacts):
    page = open_context(TABLET).new_page()
    login(page, "operator")
    goto(page, "/admin/technicians/6")  # tech06, approved
    old = api.get("operator", "/technicians/6")["phone"]
    new = "090-5555-0606" if old != "090-5555-0606" else "090-5555-0607"
    page.fill("#f-phone", new)
    page.fill("#f-reason", "本人から電話番号変更の申出（書面確認済み）")
    page.click("text=訂正を保存する")
    page.locator("[data-testid=flash]", has_text="訂正しました").wait_for()
    assert api.get("operator", "/technicians/6")["phone"] == new

    goto(page, "/audit?entity_type=technician&entity_id=6")
    entry = page.locator("[data-testid=audit] li").first
    assert "技能者情報の修正" in entry.inner_text()  # the audit action technician.correct, in words
    assert "書面確認済み" in entry.inner_text()
    entry.locator("summary").click()
    assert new in entry.inner_text()
    shot(page, artifacts, "flow-09-audit")


def test_firm_adds_site_manager_and_proxy_registers(open_context, api, artifacts, face_photo):
    suffix = uuid.uuid4().hex[:6]
    page = open_context(PHONE).new_page()
    login(page, "suzuki-admin")
    goto(page, "/firm")
    assert "円" in page.locator("[data-testid=fee-amount]").inner_text()

    goto(page, "/firm/accounts")
    page.fill("#f-site-display_name", "鈴木鉄筋 現場担当")
    page.fill("#f-site-password", "site-password-123")
    page.click("#add-site-manager button[type=submit]")
    flash = page.locator("[data-testid=flash]", has_text="鈴木鉄筋 現場担当")
    flash.wait_for()
    [site_login] = re.findall(r"\d{4}-\d{4}-\d{4}", flash.inner_text())  # the assigned login ID, to hand over
    assert page.locator("[data-testid=accounts] li", has_text=site_login).count() == 1

    goto(page, "/firm/proxy")
    page.fill("#f-family_name", "代行")
    page.fill("#f-given_name", "次郎")
    page.fill("#f-family_name_kana", "ダイコウ")
    page.fill("#f-given_name_kana", "ジロウ")
    page.fill("#f-birth_date", "1985-02-03")
    page.select_option("#f-sex", "male")
    page.fill("#f-postal_code", "330-0001")
    page.fill("#f-address", "さいたま市浦和区1-2-3")
    page.fill("#f-phone", f"080-6{int(suffix, 16) % 1000:03d}-{int(suffix, 16) % 10000:04d}")
    page.select_option("#f-trades", "05-01")
    for part in ("health", "pension", "employment"):
        page.select_option(f"#f-social_insurance-{part}", "enrolled")
    page.set_input_files("#f-photo", face_photo)
    page.set_input_files("#f-id_document", image_file("licence.jpg", width=800, height=500))
    page.check("#f-consent_obtained")
    page.fill("#f-password", "proxy-password-123")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/firm/employees/\d+$"))
    [proxy_login] = re.findall(r"\d{4}-\d{4}-\d{4}", page.locator("[data-testid=flash]").inner_text())
    page.wait_for_selector("#status-h")
    assert "審査中" in page.locator("main").inner_text()
    pk = int(page.url.rsplit("/", 1)[1])
    apps = api.get("operator", f"/technicians/{pk}/applications")
    assert apps[0]["proxy"] is True and apps[0]["status"] == "submitted"
    # The employer can tell the technician their login ID again from the employee list.
    goto(page, "/firm/employees")
    assert (
        page.locator("[data-testid=employees] li", has_text="代行 次郎")
        .locator("[data-testid=employee-login]")
        .inner_text()
        == proxy_login
    )


def test_business_registers_and_is_approved(open_context, api, artifacts):
    from stdnum.jp import cn

    suffix = uuid.uuid4().hex[:6]
    body12 = f"{int(suffix, 16) % 10**12:012d}"
    page = open_context(TABLET).new_page()
    goto(page, "/register/business")
    page.fill("#f-name", f"株式会社テスト建設{suffix}")
    page.fill("#f-name_kana", "テストケンセツ")
    page.fill("#f-corporate_number", cn.calc_check_digit(body12) + body12)
    page.fill("#f-capital_yen", "12,000,000")
    page.check("#f-industry-02")
    for part in ("health", "pension", "employment"):
        page.select_option(f"#f-social_insurance-{part}", "enrolled")
    page.fill("#f-postal_code", "100-0001")
    page.select_option("#f-prefecture", "13")
    page.fill("#f-address", "千代田区大手町1-1")
    page.fill("#f-phone", "03-1234-5678")
    page.fill("#f-email", f"info-{suffix}@example.jp")
    page.fill("#f-admin-display_name", "テスト 責任者")
    page.fill("#f-admin-password", "business-password-1")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/firm")
    page.wait_for_selector("[data-testid=fee-amount]")
    assert re.search(r"ログインIDは \d{4}-\d{4}-\d{4} です", page.locator("[data-testid=flash]").inner_text())
    assert "審査中" in page.locator("main").inner_text()
    assert "1,000万円以上2,000万円未満" in page.locator("main").inner_text()  # the fee band from the capital
    shot(page, artifacts, "flow-10-business-registered")

    queue = api.get("operator", "/review/applications?status=submitted&subject_type=business&limit=200")
    app_id = next(i["application"]["id"] for i in queue if i["business"]["name"] == f"株式会社テスト建設{suffix}")
    op = open_context(DESKTOP).new_page()
    login(op, "operator")
    goto(op, f"/review/{app_id}")
    assert "テストケンセツ" in op.locator("td[data-field=name_kana]").inner_text()
    op.click("text=承認する")
    op.wait_for_url("**/review")

    goto(page, "/firm")
    assert "承認済み" in page.locator("[data-testid=business-id]").locator("xpath=ancestor::dl").inner_text()
