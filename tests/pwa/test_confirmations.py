"""Safe irreversible actions in a real browser, in Japanese, at phone and desktop sizes: a batch run and the monthly
close are asked first (cancel and Escape do nothing; the dialog passes axe), and a queued offline job discarded from
the outbox can be put back with 元に戻す and is then sent; one left discarded never reaches the server."""

from __future__ import annotations

import pytest

from tests.pwa.helpers import DESKTOP, PHONE, axe_serious, flash, goto, login

DIALOG = "dialog[data-testid=confirm]"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_batch_run_and_the_monthly_close_are_confirmed_first(open_context, api, viewport):
    page = open_context(viewport).new_page()
    login(page, "operator")
    goto(page, "/admin/batches")
    runs = len(api.get("operator", "/admin/batches/runs?name=residence-alerts"))
    page.click("button[data-batch=residence-alerts]")
    dialog = page.locator(DIALOG)
    text = dialog.inner_text()
    assert "「在留期間" in text and "実行しますか" in text and "途中で止められません" in text, text
    assert page.evaluate("() => document.activeElement?.dataset.testid") == "confirm-cancel"  # the safe choice
    assert axe_serious(page) == []
    dialog.locator("[data-testid=confirm-cancel]").click()
    dialog.wait_for(state="detached")
    page.click("button[data-batch=residence-alerts]")
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert len(api.get("operator", "/admin/batches/runs?name=residence-alerts")) == runs  # nothing ran
    page.click("button[data-batch=residence-alerts]")
    dialog.locator("[data-testid=confirm-ok]").click()
    assert "#" not in flash(page, "在留期間")
    assert len(api.get("operator", "/admin/batches/runs?name=residence-alerts")) == runs + 1

    goto(page, "/admin/invoices")
    page.click("form.inline-form button[type=submit]")  # no month given: the previous one, named in the question
    text = dialog.inner_text()
    assert "月次締めを実行しますか" in text and "年" in text and "取り消せません" in text, text
    dialog.locator("[data-testid=confirm-cancel]").click()
    dialog.wait_for(state="detached")
    assert not page.locator("[data-testid=flash]").count()


def _queue_disclosure_change(ctx, page, want: bool) -> None:
    ctx.set_offline(True)
    page.locator("[data-testid=offline-banner]").wait_for()
    page.set_checked("#f-show_levels_publicly", want)
    page.click("main form button[type=submit]")
    page.locator("[data-testid=queued-banner]").wait_for()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_discarded_offline_job_can_be_put_back(open_context, api, viewport):
    ctx = open_context(viewport)
    page = ctx.new_page()
    login(page, "tech05")
    pk = api.get("tech05", "/auth/me")["technician_pk"]
    shown = lambda: bool(api.get("tech05", f"/technicians/{pk}")["disclosure"].get("show_levels_publicly"))  # noqa: E731
    goto(page, "/me/disclosure")
    want = not shown()

    # Discarded and left so: after the toast has gone and the connection returns, nothing is sent.
    _queue_disclosure_change(ctx, page, want)
    page.click("nav.main-nav a[href='/outbox']")
    page.locator("[data-testid=outbox-list] li").wait_for()
    page.click("[data-testid=outbox-discard]")
    toast = page.locator("[data-testid=undo-toast]")
    assert "送信待ちから削除しました" in toast.inner_text() and "元に戻す" in toast.inner_text()
    assert page.locator("[data-testid=outbox-list]").count() == 0
    toast.wait_for(state="detached", timeout=12_000)
    ctx.set_offline(False)
    page.wait_for_timeout(1500)
    assert shown() is not want

    # Discarded, then put back with 元に戻す: it is in the list again and goes out when the connection returns.
    goto(page, "/me/disclosure")
    _queue_disclosure_change(ctx, page, want)
    page.click("nav.main-nav a[href='/outbox']")
    page.locator("[data-testid=outbox-list] li").wait_for()
    page.click("[data-testid=outbox-discard]")
    assert axe_serious(page) == []
    page.click("[data-testid=undo-toast] [data-testid=undo]")
    page.locator("[data-testid=outbox-list] li").wait_for()
    page.get_by_text("元に戻しました").wait_for()
    ctx.set_offline(False)
    page.locator("[data-testid=queued-banner]").wait_for(state="detached")
    assert shown() is want
