"""Two test processes on the two cores (`pytest -n 2`, pytest-xdist), without sharing what must not be shared.

Each xdist worker gets its own PostgreSQL database and Redis database: the suite empties tables and flushes Redis
before every test, so two workers on one database would wipe each other's data. The URLs are rewritten in the
environment when this plugin is imported (`-p tests.workers` in pyproject's addopts), before any conftest reads them.

The scheduler below then hands out whole groups: a test module stays on one worker (its module-scoped servers and
fixtures are built once), the card-reader tests share the machine's one pcscd and vpcd port (35963), tests/db
starts its own clusters (replica, pooler) under fixed database names, and tests/pwa shares one session server and
browser — each of those directories is one group."""

from __future__ import annotations

import os
import re

import pytest

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … inside an xdist worker; "" otherwise
GROUPED_DIRS = {
    "tests/edge_reader/": "pcsc",
    "tests/pcsc_stack/": "pcsc",
    "tests/db/": "db",
    "tests/pwa/": "pwa",  # one session server and browser whose state the modules build on in order
}


def _per_worker(worker: str) -> None:
    index = int(worker.removeprefix("gw"))
    if index == 0:
        return  # the first worker keeps the configured names: a single-process run and worker 0 see the same
    pg = os.environ.get("OPENCCUS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/openccus_test")
    os.environ["OPENCCUS_TEST_DATABASE_URL"] = f"{pg}_w{index}"
    redis = os.environ.get("OPENCCUS_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
    base, number = re.fullmatch(r"(.*)/(\d+)", redis).groups()  # type: ignore[union-attr]
    # Redis has databases 0–15; the suite's default is 9, so workers take 10, 11, … (wrapping below 9 if ever needed).
    os.environ["OPENCCUS_TEST_REDIS_URL"] = f"{base}/{(int(number) + index) % 16}"


if WORKER:
    _per_worker(WORKER)


def group_of(nodeid: str) -> str:
    """The unit a worker takes whole: a grouped directory, else the test's module."""
    path = nodeid.split("::", 1)[0]
    return next((g for d, g in GROUPED_DIRS.items() if path.startswith(d)), path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    # Our own scope function rather than xdist_group marks: xdist 3.8 renames node ids to carry a mark's group, which
    # pytest 9's node ids no longer take (the marks were silently ignored and modules split across workers).
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    return ByGroup(config, log)
