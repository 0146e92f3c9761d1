"""The PWA's session in Chromium (issue 15 item 3): an HttpOnly cookie that script cannot read, no token in
localStorage, the CSRF header on writes, and "log out everywhere"."""

from __future__ import annotations

from tests.pwa.helpers import PHONE, login


def test_session_cookie_is_out_of_reach_of_script(open_context, api, server):
    ctx = open_context(PHONE)
    page = ctx.new_page()
    login(page, "tech03")
    # Served on http://127.0.0.1: Chromium keeps the Secure cookie there (a loopback origin is a secure context).
    cookies = {c["name"]: c for c in ctx.cookies()}
    session = cookies["oc_session"]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict"
    assert not cookies["oc_csrf"]["httpOnly"]
    assert "oc_session" not in page.evaluate("document.cookie")
    stored = page.evaluate("() => Object.keys(localStorage).map(k => k + '=' + localStorage.getItem(k)).join('\\\\n')")
    assert session["value"] not in stored and "oc_" not in stored
    # The cookie is a real session for the API, and a write from the page carries the CSRF header (marking a notice
    # read, say); a write without it would be refused (tests/security/test_browser.py).
    me = page.evaluate("() => fetch('/api/v1/auth/me').then(r => r.json())")
    assert me["login"] == "tech03"
    status = page.evaluate("() => fetch('/api/v1/auth/logout-all', {method: 'POST'}).then(r => r.status)")
    assert status == 403  # no X-CSRF-Token: refused


def test_log_out_everywhere_ends_other_sessions(open_context, api):
    first, second = open_context(PHONE), open_context(PHONE)
    page1, page2 = first.new_page(), second.new_page()
    login(page1, "tech04")
    login(page2, "tech04")
    page1.click("[data-testid=logout-all]")
    page1.wait_for_url("**/login")
    # The other browser's session is revoked: its next request is refused and it is sent to the login page.
    status = page2.evaluate("() => fetch('/api/v1/auth/me').then(r => r.status)")
    assert status == 401
