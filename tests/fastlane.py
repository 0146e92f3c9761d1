"""The fast lane: `bash infra/test.sh --fast` (or `pytest --fast`) runs only the pure unit tests.

A test is pure when it needs no service: no database (the `migrated` fixture sits under every API client fixture),
no live server, browser, card reader stack or payment fake. Decided from each test's fixture closure, so a new test
lands in the right lane without a marker; the directories that drive real processes are left out whole."""

from __future__ import annotations

import pytest

SERVICE_FIXTURES = {
    "migrated",
    "live",
    "server",
    "browser",
    "chromium",
    "pwa_dist",
    "contract",
    "cards",
    "enrolled",
    "make_daemon",
    "face_pool",
    "stripe_server",
    "fake_stripe",
    "app_with",
}
SERVICE_DIRS = ("tests/concurrency/", "tests/db/", "tests/edge_reader/", "tests/pcsc_stack/", "tests/pwa/")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fast", action="store_true", help="run only the pure unit tests (no database, server, browser or card reader)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--fast"):
        return
    keep, drop = [], []
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        needs = SERVICE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        (drop if needs or path.startswith(SERVICE_DIRS) else keep).append(item)
    items[:] = keep
    config.hook.pytest_deselected(items=drop)
