"""Account recovery in Chromium, in Japanese (issue 19 item 2): a forgotten password reset through the mail the server
wrote (the embedded default keeps mail in var/mail/, read here through the operator's mail console, as an operator
would), and the forced password change at first login of an account an admin created."""

from __future__ import annotations

import re
import uuid

from tests.api.helpers import technician_payload
from tests.pwa.helpers import DESKTOP, PASSWORD, PHONE, flash, goto, login, shot, wait_view

NEW_PASSWORD = "kawa-no-nagare-wa-taezu-2026"


def _no_english(page) -> None:
    text = page.locator("main").inner_text()
    assert not re.search(r"\b(password|login|token|invalid|expired)\b", text, re.I), text


def test_reset_by_mail_in_japanese(open_context, api, artifacts):
    suffix = uuid.uuid4().hex[:6]
    address = f"mail-tech-{suffix}@example.jp"
    name = api.ok(
        "POST",
        None,
        "/technicians",
        json=technician_payload(password=PASSWORD, email=address, phone=f"090-7{int(suffix, 16) % 1000:03d}-0001"),
    )["login_id"]
    page = open_context(PHONE).new_page()
    goto(page, "/login")
    page.click("[data-testid=forgot-link]")
    wait_view(page)
    assert page.locator("main h1").inner_text() == "パスワードの再設定"
    page.fill("#f-login", name)
    page.click("main form button[type=submit]")
    sent = page.locator("[data-testid=reset-sent]")
    sent.wait_for()
    assert "再設定用のリンクを送りました" in sent.inner_text()
    _no_english(page)

    # The operator's console shows the mail the server wrote (no SMTP server on the embedded default).
    op = open_context(DESKTOP).new_page()
    login(op, "operator")
    goto(op, "/admin/mail")
    op.locator("[data-testid=mails] li", has_text=address).first.locator("a").click()
    op.locator("[data-testid=mail-text]").wait_for()
    text = op.locator("[data-testid=mail-text]").inner_text()
    assert "パスワードの再設定が申請されました" in text and name in text
    link = re.search(r"(https?://\S+/reset#token=\S+)", text).group(1)
    shot(op, artifacts, "mail-console")

    page.goto(link)
    wait_view(page)
    assert "#token" not in page.url  # taken off the address bar
    page.fill("#f-password", "short")
    page.click("main form button[type=submit]")
    page.locator(".error-summary").wait_for()
    _no_english(page)
    page.fill("#f-password", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    assert "新しいパスワードでログインしてください" in flash(page, "パスワードを設定しました")
    page.fill("#f-login", name)
    page.fill("#f-password", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/me$"))

    # The link works once: opened again, it says so in Japanese and offers a new one.
    other = open_context(PHONE).new_page()
    other.goto(link)
    wait_view(other)
    other.fill("#f-password", NEW_PASSWORD + "-again")
    other.click("main form button[type=submit]")
    summary = other.locator(".error-summary")
    summary.wait_for()
    assert "このリンクは無効です" in summary.inner_text()
    _no_english(other)


def test_forced_change_at_first_login_in_japanese(open_context, api, artifacts):
    firm = api.get("yamato-admin", "/auth/me")["business_pk"]
    name = api.ok(
        "POST",
        "yamato-admin",
        f"/businesses/{firm}/site-managers",
        json={"password": PASSWORD, "display_name": "大和建設 現場担当"},
    )["login"]
    page = open_context(PHONE).new_page()
    login(page, name)
    assert page.url.endswith("/password")
    assert page.locator("main h1").inner_text() == "パスワードを設定してください"
    assert "管理者または運営主体が設定したもの" in page.locator("[data-testid=password-intro]").inner_text()
    # Nothing else opens until the password is changed.
    page.goto("/firm/sites")
    page.wait_for_url(re.compile(r"/password$"))
    wait_view(page)
    page.fill("#f-current_password", "not-what-was-given")
    page.fill("#f-new_password", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    page.locator(".error-summary", has_text="現在のパスワードが違います").wait_for()
    page.fill("#f-current_password", PASSWORD)
    page.fill("#f-new_password", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    flash(page, "パスワードを変更しました")
    page.wait_for_url(re.compile(r"/firm/sites$"))
    shot(page, artifacts, "first-login-changed")
    assert (
        api.call("POST", None, "/auth/login", json={"login": name, "password": NEW_PASSWORD}).json()["account"][
            "must_change_password"
        ]
        is False
    )
