"""The operator's review queue in a real browser, in Japanese, at phone and desktop sizes: pages from the server with
the total, next and previous pages in the address, a search by name, and a submitted document enlarged and zoomed.
axe-core on the queue and on the enlarged document."""

from __future__ import annotations

import re

import pytest

from tests.pwa.helpers import DESKTOP, PHONE, axe_serious, goto, login, wait_images


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_review_queue_pages_searches_and_zooms(open_context, api, viewport):
    total = api.get("operator", "/review/queue?status=approved&limit=1")["total"]
    assert total > 10, "the demo data has more than one page of approved applications"
    page = open_context(viewport).new_page()
    login(page, "operator")
    goto(page, "/review?status=approved&per=10")
    count = page.locator("[data-testid=queue-count]").inner_text()
    assert f"全{total}件中 1〜10件目" in count, count
    assert page.locator("[data-testid=queue] li").count() == 10
    assert not re.search(r"#\d", page.locator("[data-testid=queue]").inner_text())  # no internal ids
    first = page.locator("[data-testid=queue] li").first.inner_text()
    assert axe_serious(page) == []

    page.click("[data-testid=pager] a[rel=next]")
    page.wait_for_url(re.compile(r"page=2"))
    page.wait_for_function("() => document.querySelector('[data-testid=queue-count]')?.textContent.includes('11〜')")
    assert page.locator("[data-testid=queue] li").first.inner_text() != first
    page.click("[data-testid=pager] a[rel=prev]")
    page.wait_for_function("() => document.querySelector('[data-testid=queue-count]')?.textContent.includes('1〜10')")

    # Search: a technician of the demo data by family name, then one of the approved businesses by its name.
    page.fill("#f-q", "佐藤")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"q=%E4%BD%90%E8%97%A4|q=佐藤"))
    page.wait_for_function("() => !document.querySelector('[data-testid=pager]')")
    items = page.locator("[data-testid=queue] li")
    assert items.count() >= 1 and all("佐藤" in items.nth(i).inner_text() for i in range(items.count()))

    # The document beside the fields opens enlarged and zooms.
    items.first.locator("a").click()
    page.wait_for_url(re.compile(r"/review/\d+$"))
    wait_images(page)
    page.locator("[data-testid=zoom-open]").first.click()
    dialog = page.locator("dialog[data-testid=zoom]")
    dialog.locator("img").wait_for()
    page.wait_for_function("() => document.querySelector('dialog[data-testid=zoom] img')?.naturalWidth > 0")
    narrow = dialog.locator("img").bounding_box()["width"]
    dialog.locator("[data-testid=zoom-in]").click()
    dialog.locator("[data-testid=zoom-in]").click()
    assert dialog.locator("[data-testid=zoom-level]").inner_text() == "200%"
    assert dialog.locator("img").bounding_box()["width"] > narrow * 1.8
    assert axe_serious(page) == []
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
