"""No English reaches a Japanese user: every view of every role, in `ja`, and the main error paths (a wrong login, bad
form input refused by the server, a forbidden action, a conflict, a record that does not exist). The page's visible
text and its accessible names (aria-label, title, placeholder, alt) are searched for English words.

What counts as English: a word of two or more ASCII letters that is not on the allow-list below. Allowed are acronyms
and units that Japanese screens use as they are (ID, PDF, CSV, KPI, QR, PIN, px, MB…: any word of 2–5 capitals), brand
and product names (OpenCCUS, FeliCa, Stripe, WebP, Excel…), the language switch, which names its target language
("English", its label marked lang="en"), and data that is not prose: e-mail addresses, login names, URLs, words with a
digit (ids, trade codes), the reader's command line, and element contents marked as data (`.mono`, `code`, `pre`) —
an idempotency key, a login ID or an audit record's JSON is shown as it is. Everything else (a server message, a field name where a label should
be, a raw status or code) is a leak."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.pwa.helpers import PASSWORD, goto, login, wait_view

ALLOWED = {
    # the product, brands, file and image formats, units
    "openccus", "ccus", "felica", "mifare", "stripe", "pdf", "csv", "jpeg", "jpg", "png", "webp", "utf", "shift_jis",
    "jis", "sjis", "json", "url", "api", "http", "https", "px", "kb", "mb", "gb", "qr", "pin", "ic", "nfc", "pc", "sc",
    "id", "ids", "ok", "wi", "fi", "gps", "yyyy", "mm", "dd", "no", "w", "excel",
    # the language switch names the language it switches to
    "english",
}
# Data shown as data, not prose: removed before the words are looked at.
DATA = re.compile(
    r"\S+@\S+"  # e-mail addresses
    r"|https?://\S+"
    r"|\b(?:tech\d+|[a-z]+-(?:admin|site|body)|operator|demo\w*)\b"  # the demo's login names
    r"|\b\w*\d\w*\b"  # anything with a digit: ids, serials, keys, codes such as 05-01, W1
    r"|\bedge_reader(?: \w+)?"  # the card reader's command line, shown to type as it is
    r"|\b[A-Z]{2,5}\b"  # acronyms as Japanese screens use them: ID, PDF, CSV, KPI, JP, CCUS
)
WORD = re.compile(r"[A-Za-z][A-Za-z_']+")

# The page's visible text and accessible names, skipping what is marked as data.
TEXT_JS = """() => {
  const skip = (el) => !!el.closest('.mono, code, kbd, samp, pre, script, style, noscript, [hidden], [aria-hidden="true"], [lang="en"]');
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || skip(el) || !n.textContent.trim()) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    out.push(n.textContent.trim());
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], img[alt]')) {
    if (skip(el)) continue;
    for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push(v.trim());
    }
  }
  out.push(document.title);
  return out;
}"""


def english_in(texts: list[str]) -> list[str]:
    """The pieces of text that hold an English word, with the words."""
    found = []
    for text in texts:
        words = [w for w in WORD.findall(DATA.sub(" ", text)) if w.lower() not in ALLOWED]
        if words:
            found.append(f"{text[:120]!r} → {words}")
    return found


def leaks(page) -> list[str]:
    return english_in(page.evaluate(TEXT_JS))


def test_the_detector_finds_english_and_spares_data():
    assert english_in(["The request is not valid."])
    assert english_in(["家族の名前: String should have at most 100 characters"])
    assert english_in(["ログインID: login"])
    assert not english_in(["ログインID tech01 · info@yamato.example.jp", "PDF をダウンロード", "05-01 とび工",
                           "OpenCCUS — オープンソースの建設キャリアアップシステム", "English", "一辺 480 px 以上"])


def _site(api) -> int:
    """A site of 大和建設 with 鈴木鉄筋 in its tree (the demo data has none): made once, reused."""
    mine = [s for s in api.get("yamato-admin", "/sites") if s["name"] == "英語チェック用の現場"]
    if mine:
        return mine[0]["id"]
    prime = api.get("yamato-admin", "/auth/me")["business_pk"]
    manager = next(a for a in api.get("yamato-admin", f"/businesses/{prime}/accounts") if a["login"] == "yamato-site")
    today = date.today()
    site = api.ok("POST", "yamato-admin", "/sites", json={
        "name": "英語チェック用の現場", "address": "東京都千代田区丸の内2-2", "order_type": "private",
        "window_start": (today - timedelta(days=60)).isoformat(), "window_end": (today + timedelta(days=300)).isoformat(),
        "cutoff_hour": 0, "manager_account_ids": [manager["id"]]})
    return site["id"]


def _views(api) -> dict[str | None, list[str]]:
    """Every view of every role (the routes of pwa/src/main.ts), with real ids from the demo data."""
    business_pk = api.get("yamato-admin", "/auth/me")["business_pk"]
    employees = api.get("yamato-admin", f"/businesses/{business_pk}/employees")
    tech_pk = (employees["items"] if isinstance(employees, dict) else employees)[0]["id"]
    site_pk = _site(api)
    site_tabs = ["", "/roster", "/devices", "/records", "/direct-inputs", "/reports", "/face"]
    review = api.get("operator", "/review/applications")
    review_pk = review[0]["application"]["id"]
    return {
        None: ["/login", "/register", "/register/business", "/outbox", "/kiosk"],
        "tech01": ["/me", "/me/edit", "/me/detailed", "/me/disclosure", "/me/work", "/me/levels", "/me/invoices",
                   "/notifications", "/outbox"],
        "yamato-admin": ["/firm", "/firm/employees", f"/firm/employees/{tech_pk}", f"/firm/employees/{tech_pk}/edit",
                         f"/firm/employees/{tech_pk}/detailed", f"/firm/employees/{tech_pk}/work",
                         f"/firm/employees/{tech_pk}/levels", "/firm/sites",
                         *(f"/firm/sites/{site_pk}{tab}" for tab in site_tabs), "/firm/keishin",
                         "/firm/keishin/works", "/firm/keishin/w1", "/firm/reports", "/firm/invoices",
                         "/firm/accounts", "/firm/proxy", "/notifications"],
        "yamato-site": ["/firm/sites", *(f"/firm/sites/{site_pk}{tab}" for tab in site_tabs), "/notifications"],
        "operator": ["/review", f"/review/{review_pk}", "/admin/technicians/1", "/audit", "/admin/batches",
                     "/admin/payments", "/admin/kpi", "/admin/invoices", "/notifications"],
    }


def test_every_view_speaks_japanese(open_context, api):
    found: dict[str, list[str]] = {}
    for who, paths in _views(api).items():
        page = open_context().new_page()
        if who:
            login(page, who)
        for path in paths:
            try:
                goto(page, path)
            except Exception as exc:  # noqa: BLE001 - name the view that did not render
                raise AssertionError(f"{who} {path} did not render") from exc
            if bad := leaks(page):
                found[f"{who or 'anonymous'} {path}"] = bad
        page.context.close()
    assert not found, "English on Japanese pages:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


def _summary(page) -> str:
    page.locator(".error-summary, [role=alert]").first.wait_for()
    return page.locator("main").inner_text()


def test_error_paths_speak_japanese(open_context, api):
    found: dict[str, list[str]] = {}
    page = open_context().new_page()

    # A wrong login.
    page.goto("/login")
    wait_view(page)
    page.fill("#f-login", "tech01")
    page.fill("#f-password", "wrong-password-for-sure")
    page.click("main form button[type=submit]")
    assert "ログインIDまたはパスワードが違います" in _summary(page)
    found["wrong login"] = leaks(page)

    # Bad input the server refuses field by field, then a refusal of the whole request (a wrong current password).
    login(page, "yamato-admin")
    goto(page, "/firm/accounts")
    page.fill("#f-site-display_name", "x" * 300)
    page.fill("#f-site-password", "short")
    page.fill("#f-site-email", "not-an-email")
    page.locator("#f-site-email").press("Enter")
    text = _summary(page)
    assert "文字以内で入力してください" in text or "形式が正しくありません" in text, text
    found["bad form input"] = leaks(page)
    goto(page, "/password")
    page.fill("#f-current_password", "not-the-current-one")
    page.fill("#f-new_password", PASSWORD + "-long-enough")
    page.locator("#f-new_password").press("Enter")
    page.get_by_text("現在のパスワードが違います").first.wait_for()
    found["refused request"] = leaks(page)

    # A record that does not exist, and a forbidden action (another business's site).
    goto(page, "/firm/sites/99999999")
    assert "その現場は見つかりません" in page.locator("main").inner_text()
    found["not found"] = leaks(page)
    page.context.close()

    page = open_context().new_page()
    login(page, "suzuki-admin")
    goto(page, f"/firm/sites/{_site(api)}")
    text = page.locator("main").inner_text()
    assert "見つかりません" in text or "できません" in text, text
    found["forbidden site"] = leaks(page)
    # A page of another role.
    goto(page, "/review")
    found["other role's page"] = leaks(page)

    found = {k: v for k, v in found.items() if v}
    assert not found, "English on Japanese pages:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())
