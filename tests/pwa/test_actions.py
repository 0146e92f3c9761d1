"""A button's action on the PWA's one form path (pwa/src/forms.ts Form.action), in a real browser, in Japanese.

* Refused: a 工事経歴書 row deleted without a reason is refused by the API (reason_required); the catalogue's Japanese
  text is shown in the table's error summary, which is a live region and gets the focus, and the delete button is
  usable again. A batch asked for without a connection is refused before sending, under its own button.
* Double-clicked: the delete button sends one request (the second click, while the first request is still on its
  way, does nothing: no second question, no second DELETE).
"""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

from tests.pwa.helpers import TABLET, flash, goto, login

ROOT = Path(__file__).resolve().parents[2]


def catalogue(code: str) -> str:
    """The Japanese text of an error code in the server's catalogue (api/data/error_codes.csv)."""
    with open(ROOT / "api" / "data" / "error_codes.csv", encoding="utf-8") as f:
        return next(r for r in csv.reader(f) if r and r[0] == code)[2]


def contract_row(api) -> tuple[int, dict]:
    biz = api.get("tanaka-admin", "/auth/me")["business_pk"]
    row = api.ok(
        "POST",
        "tanaka-admin",
        f"/businesses/{biz}/contract-history",
        json={
            "customer": "横浜市",
            "work_name": f"操作テスト工事{uuid.uuid4().hex[:6]}",
            "prime": True,
            "location": "横浜市中区",
            "amount_thousand_yen": 1000,
            "completed_on": "2024-06-30",
            "industry_code": "19",
        },
    )
    return biz, row


def deletes(page) -> list[str]:
    """The DELETE requests the page sends to the contract history, as they leave the browser."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "DELETE" and "/contract-history/" in r.url else None)
    return sent


def test_a_refused_button_action_is_told_in_japanese_and_the_button_comes_back(open_context, api):
    biz, row = contract_row(api)
    page = open_context(TABLET).new_page()
    login(page, "tanaka-admin")
    goto(page, "/firm/keishin/works")
    sent = deletes(page)
    line = page.locator("[data-testid=contract-history] tbody tr", has_text=row["work_name"])
    button = line.locator("button", has_text="削除")
    page.once("dialog", lambda d: d.accept(""))  # asked for the reason; none given
    button.click()

    summary = page.locator("#error-summary-cr-")
    summary.wait_for()
    assert catalogue("reason_required") in summary.inner_text()
    assert summary.get_attribute("role") == "alert"  # announced
    page.wait_for_function("() => document.activeElement?.id === 'error-summary-cr-'")  # and focused
    assert button.is_enabled()
    assert len(sent) == 1
    assert any(r["id"] == row["id"] for r in api.get("tanaka-admin", f"/businesses/{biz}/contract-history"))

    # The next try, with a reason, goes through and clears the refusal.
    page.once("dialog", lambda d: d.accept("重複登録のため"))
    button.click()
    flash(page, "削除しました")
    assert summary.count() == 0
    assert all(r["id"] != row["id"] for r in api.get("tanaka-admin", f"/businesses/{biz}/contract-history"))


def test_a_batch_asked_for_offline_is_refused_under_its_button(open_context, api):
    ctx = open_context(TABLET)
    page = ctx.new_page()
    login(page, "operator")
    goto(page, "/admin/batches")
    runs = len(api.get("operator", "/admin/batches/runs?name=levels"))
    ctx.set_offline(True)
    page.click("button[data-batch=levels]")
    summary = page.locator("#error-summary-b-levels-")
    summary.wait_for()
    assert "接続が必要" in summary.inner_text(), summary.inner_text()
    page.wait_for_function("() => document.activeElement?.id === 'error-summary-b-levels-'")
    assert page.locator("dialog[data-testid=confirm]").count() == 0  # not even asked
    assert page.locator("button[data-batch=levels]").is_enabled()
    ctx.set_offline(False)
    assert len(api.get("operator", "/admin/batches/runs?name=levels")) == runs


def test_a_double_click_sends_one_request(open_context, api):
    biz, row = contract_row(api)
    page = open_context(TABLET).new_page()
    login(page, "tanaka-admin")
    goto(page, "/firm/keishin/works")
    sent = deletes(page)
    asked: list[str] = []

    def answer(d):
        asked.append(d.message)
        d.accept("重複登録のため")

    page.on("dialog", answer)
    # The DELETE is held on its way (then let through to the API), so the second click comes while it runs.
    held = []
    page.route(
        "**/contract-history/*",
        lambda route: held.append(route) if route.request.method == "DELETE" else route.continue_(),
    )
    line = page.locator("[data-testid=contract-history] tbody tr", has_text=row["work_name"])
    button = line.locator("button", has_text="削除")
    button.dblclick()
    page.wait_for_timeout(300)  # time for a second question or request, had the second click done anything
    assert (len(asked), len(held), len(sent)) == (1, 1, 1)
    # Busy meanwhile: every row's delete button waits for the request.
    assert page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=contract-history] button.danger')].every((b) => b.disabled)"
    )
    held[0].continue_()
    flash(page, "削除しました")
    assert len(sent) == 1 and len(asked) == 1
    assert all(r["id"] != row["id"] for r in api.get("tanaka-admin", f"/businesses/{biz}/contract-history"))
