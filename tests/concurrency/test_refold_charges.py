"""A late entry re-pairs a charged record while a monthly close runs (live server, PostgreSQL, two API processes):
the fold (this process, as the cron job would run it) hands the record's charge to the night shift's record while the
worker runs the close requested over HTTP. Eight rounds; after each, every shift is one record, charged exactly
once, and the charges bill exactly the charged records (docs/workrecords.md "Billing: the charge follows the shift")."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta

import pytest

from api.billing.periods import month_start
from api.timeutil import add_months
from api.timeutil import JST, today_jst
from tests.api.helpers import approved_business, auth, login
from tests.api.site_world import World
from tests.concurrency.conftest import race

ROUNDS = 8
M0 = add_months(month_start(today_jst()), -1)  # last month: closable, and its taps are still within the deadline


def at(day, hh, mm=0):
    return datetime.combine(day, time(hh, mm), JST)


@pytest.fixture(scope="module")
async def world(live, fold_process):
    """Back-dated cards (their taps are last month's) are written through this process's ORM."""
    async with live.client() as http:
        op = await login(http, "op")
        w = World(
            client=http,
            op=op,
            prime=await approved_business(http, op),
            sub=await approved_business(http, op),
            sub2=await approved_business(http, op),
        )
        w.site = await w.create_site(window_start=(M0 - timedelta(days=1)).isoformat())
        w.device_token = await w.enrol_device()
        workers = [await w.worker(w.prime) for _ in range(3)]
    return w, workers


@pytest.fixture(scope="module")
async def fold_process(live, tmp_path_factory):
    from api import db
    from api.settings import Settings

    await db.init(
        Settings(
            DATABASE_URL=live.db_url,
            REDIS_URL=live.env["REDIS_URL"],
            OPENCCUS_DATA_KEY=live.env["OPENCCUS_DATA_KEY"],
            OPENCCUS_VAR_DIR=tmp_path_factory.mktemp("fold"),
        )
    )
    yield
    await db.close()


async def _close(http, op) -> None:
    r = await http.post("/api/v1/admin/billing/close", headers=auth(op), json={"period": f"{M0:%Y-%m}"})
    assert r.status_code == 202, r.text


async def test_a_charge_follows_its_shift_while_closes_run(live, http, world, fold_process):
    from api.workrecords.service import fold_dirty

    w, workers = world
    w.client = http
    site = w.site["id"]
    for n in range(ROUNDS):
        me = workers[n % len(workers)]
        d = M0 + timedelta(days=2 * n)
        nxt = d + timedelta(days=1)
        # The exit reader's tap first: a record of its own day, charged by a close.
        r = await w.upload(me.tap(f"x{n}:2", at=at(nxt, 5, 30), seq=2 * n + 2))
        assert r.json()["results"][0]["status"] == "accepted", r.text
        await fold_dirty()
        await _close(http, w.op)
        live.drain()
        # The entry arrives late; its fold runs while the worker runs another close of the month.
        r = await w.upload(me.tap(f"x{n}:1", at=at(d, 20), seq=2 * n + 1))
        assert r.json()["results"][0]["status"] == "accepted", r.text
        await _close(http, w.op)
        results = await race(fold_dirty, lambda: asyncio.to_thread(live.drain))
        assert not any(isinstance(x, BaseException) for x in results), results
        await fold_dirty()
        await _close(http, w.op)
        live.drain()
        # One shift per round, one record each, each charged once; the charges bill exactly those records.
        records = await live.fetch("SELECT id, work_date FROM work_record WHERE site_id = $1 ORDER BY work_date", site)
        assert [r["work_date"] for r in records] == [M0 + timedelta(days=2 * k) for k in range(n + 1)], records
        charged = await live.fetchval(
            "SELECT count(*) FROM charged_work_record k JOIN work_record w "
            "ON w.id = k.work_record_id WHERE w.site_id = $1",
            site,
        )
        claims = await live.fetchval("SELECT count(*) FROM charged_work_record WHERE site_id = $1", site)
        usage = await live.fetchval(
            "SELECT COALESCE(sum(quantity), 0) FROM charge WHERE fee_type = 'site_usage' AND site_id = $1", site
        )
        assert charged == claims == usage == n + 1, (charged, claims, usage, n)
