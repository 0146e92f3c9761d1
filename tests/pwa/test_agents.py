"""A registration agent's counter in Chromium, in Japanese (issue 21.1): a 建設業協会's staff member files a
technician's registration with the signed consent form, follows it in the agent's queue, and the technician sets their
own password by the link the server mailed (the embedded default writes mail to var/mail/; the test reads it through
the operator's mail console, as in tests/pwa/test_account_recovery.py)."""

from __future__ import annotations

import re
import time
import uuid

from tests.pwa.test_english_leak import leaks
from tests.pwa.helpers import DESKTOP, PASSWORD, flash, goto, image_file, login, shot, wait_view

NEW_PASSWORD = "sakura-no-hana-ga-saku-2026"


def _link(api, address: str) -> str:
    """The first-password link mailed to `address` (the job runs in-process right after the request)."""
    deadline = time.monotonic() + 20
    while True:
        mails = [m for m in api.get("operator", "/mail?limit=200") if m["to_address"] == address]
        if mails and mails[0]["sent_at"]:
            text = api.get("operator", f"/mail/{mails[0]['id']}")["text"]
            return re.search(r"(https?://\S+/reset#token=\S+)", text).group(1)
        assert time.monotonic() < deadline, f"no mail to {address}"
        time.sleep(0.3)


def _confirm(api, link: str, password: str) -> None:
    api.ok("POST", None, "/auth/password-reset/confirm", json={"token": link.split("#token=")[1], "password": password})


def test_agent_files_a_technician_who_sets_their_password_by_mail(open_context, api, artifacts, face_photo):
    suffix = uuid.uuid4().hex[:6]
    # Login names and the agent's name with a digit: data, not English, to the leak detector.
    staff_login, tech_mail = f"kyokai1{suffix}", f"dairi1{suffix}@example.jp"
    agent = api.ok(
        "POST",
        "operator",
        "/admin/agents",
        json={
            "name": f"東京都建設業協会{int(suffix, 16) % 1000}",
            "kind": "association",
            "prefecture": "13",
            "staff": {"login": staff_login, "display_name": "窓口 花子", "email": f"{staff_login}@kyokai.example.jp"},
        },
    )["agent"]
    # The staff member's own first password, by their link (arranged through the API).
    _confirm(api, _link(api, f"{staff_login}@kyokai.example.jp"), PASSWORD)

    page = open_context(DESKTOP).new_page()
    page.goto("/login")
    page.fill("#f-login", staff_login)
    page.fill("#f-password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/agent$"))
    wait_view(page)
    assert page.locator("main h1").inner_text() == "代行登録の受付一覧"
    assert "該当する申請はありません" in page.locator("[data-testid=agent-empty]").inner_text()

    page.click("main nav.tabs a[href='/agent/technician']")
    page.wait_for_url(re.compile(r"/agent/technician$"))
    wait_view(page)
    assert "パスワードは本人のメールアドレスに届くリンクから本人が設定します" in page.locator("main").inner_text()
    assert page.locator("#f-password").count() == 0  # the counter never handles a password
    phone_no = f"090-6{int(suffix, 16) % 1000:03d}-{int(suffix, 16) % 10000:04d}"
    for sel, value in (
        ("#f-family_name", "代行"),
        ("#f-given_name", "一郎"),
        ("#f-family_name_kana", "ダイコウ"),
        ("#f-given_name_kana", "イチロウ"),
        ("#f-birth_date", "1988-07-07"),
        ("#f-postal_code", "100-0001"),
        ("#f-address", "東京都千代田区丸の内1-1"),
        ("#f-phone", phone_no),
        ("#f-email", tech_mail),
    ):
        page.fill(sel, value)
    page.select_option("#f-sex", "male")
    page.select_option("#f-trades", "02-01")
    for part in ("health", "pension", "employment"):
        page.select_option(f"#f-social_insurance-{part}", "enrolled")
    page.set_input_files("#f-photo", face_photo)
    page.set_input_files("#f-id_document", image_file("licence.jpg", width=800, height=500, colour=(180, 200, 120)))
    # Without the signed consent form, nothing is sent: the form says what is missing, in Japanese.
    page.click("[data-testid=agent-submit]")
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "署名済みの同意書の画像を添付してください" in summary.inner_text()
    page.set_input_files("#f-consent", image_file("consent.jpg", width=600, height=800, colour=(240, 240, 230)))
    page.click("[data-testid=agent-submit]")
    # One request checks the face and stores four images: slow on a busy test machine, so a longer wait.
    page.wait_for_url(re.compile(r"/agent/filings/\d+$"), timeout=90_000)
    flash(page, "申請しました")
    wait_view(page)
    assert "審査中" in page.locator("[data-testid=agent-status]").inner_text()
    # The system assigned the applicant's login ID; the filing shows it (and the mailed link tells it).
    [tech_login] = re.findall(r"本人のログインID: (\d{4}-\d{4}-\d{4})", page.locator("main").inner_text())
    page.locator("[data-testid=agent-documents] img").first.wait_for()
    shot(page, artifacts, "agent-filed")

    # No English on the agent's pages (tests/pwa/test_english_leak.py's detector).
    filing_path = "/" + page.url.split("/", 3)[3]
    for path in ("/agent/technician", "/agent/business", filing_path, "/agent"):
        goto(page, path)
        assert not leaks(page), f"{path}: {leaks(page)}"
    # The queue lists it; the operator's review queue says which agent filed it.
    assert "代行 一郎" in page.locator("[data-testid=agent-filings]").inner_text()
    filings = api.get(staff_login, f"/agents/{agent['id']}/filings")
    app_id = filings[0]["application"]["id"]
    item = api.get("operator", f"/review/applications/{app_id}")
    assert item["filed_by"]["agent_name"] == agent["name"]
    op = open_context(DESKTOP).new_page()
    login(op, "operator")
    goto(op, f"/review/{app_id}")
    assert agent["name"] in op.locator("[data-testid=filed-by]").inner_text()

    # The technician opens the mailed link on their phone and sets their own password, then logs in.
    link = _link(api, tech_mail)
    tech = open_context().new_page()
    tech.goto(link)
    wait_view(tech)
    tech.fill("#f-password", NEW_PASSWORD)
    tech.click("main form button[type=submit]")
    flash(tech, "パスワードを設定しました")
    tech.fill("#f-login", tech_login)
    tech.fill("#f-password", NEW_PASSWORD)
    tech.click("main form button[type=submit]")
    tech.wait_for_url(re.compile(r"/me$"))
    wait_view(tech)
    assert "審査中" in tech.locator("main").inner_text()
    shot(tech, artifacts, "agent-technician-logged-in")
