"""A missing upper tier entered from the site's contract tree in a real browser (issue 21 item 3): a wrong 法人番号 is
refused with its Japanese sentence, the right one (typed in full-width digits) enters the firm, shown as
未登録（仮登録） with its 法人番号. axe-core at 1024×768."""

from __future__ import annotations

from stdnum.jp import cn

from tests.pwa.helpers import TABLET, axe_serious, flash, goto, login


def test_prime_enters_a_missing_first_tier(open_context, api):
    body = "923456000001"
    number = cn.calc_check_digit(body) + body
    site = api.ok(
        "POST",
        "yamato-admin",
        "/sites",
        json={
            "name": "仮登録確認現場",
            "address": "東京都千代田区1-1",
            "order_type": "private",
            "window_start": "2020-01-01",
            "window_end": "2030-12-31",
        },
    )
    page = open_context(TABLET).new_page()
    login(page, "yamato-admin")
    goto(page, f"/firm/sites/{site['id']}")
    form = page.locator("[data-testid=placeholder-form]")
    page.fill("#f-ph-name", "株式会社　ミトウロク工業")
    page.fill("#f-ph-corporate_number", number[:-1] + str((int(number[-1]) + 1) % 10))
    form.locator("button[type=submit]").click()
    page.locator("#error-summary-ph-", has_text="法人番号が正しくありません").wait_for()
    full = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    page.fill("#f-ph-corporate_number", full)
    form.locator("button[type=submit]").click()
    flash(page, "仮登録しました")
    node = page.locator("[data-testid=contract-tree] .node", has=page.locator("[data-testid=placeholder]"))
    assert "株式会社 ミトウロク工業" in node.inner_text() and number in node.inner_text()
    assert axe_serious(page) == []
    [holder] = [c for c in api.get("yamato-admin", f"/sites/{site['id']}/contracts") if c["placeholder"]]
    assert (holder["tier"], holder["corporate_number"]) == (1, number)
