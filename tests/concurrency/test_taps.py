"""Taps under concurrency, against the live server (two API processes on PostgreSQL):

* no committed tap is left out of the records: tap batches race folds (a fold runs from this process, as a worker
  would), and after the next fold every accepted tap is in exactly one record;
* overlapping batches store each tap once, and each answer says per tap whether it was new, with the stored verdict;
* two batches replaying one card challenge under different keys: one tap accepted, the other rejected, no error.
"""

from __future__ import annotations

import asyncio
import os
import random
from datetime import datetime, timedelta

import pytest

from api.timeutil import JST
from tests.api.helpers import approved_business, auth, login
from tests.api.site_world import World
from tests.concurrency.conftest import race

ROUNDS = 12


@pytest.fixture(scope="module")
async def world(live, fold_process):  # fold_process: this process's ORM, which back-dates the cards
    async with live.client() as http:
        op = await login(http, "op")
        w = World(
            client=http,
            op=op,
            prime=await approved_business(http, op),
            sub=await approved_business(http, op),
            sub2=await approved_business(http, op),
        )
        w.site = await w.create_site()
        w.device_token = await w.enrol_device()
        # The card issued yesterday: the taps reach six hours back, into yesterday after midnight JST.
        workers = [await w.worker(w.prime, issued_days_ago=1) for _ in range(4)]
    return w, workers


@pytest.fixture(scope="module")
async def fold_process(live, tmp_path_factory):
    """The ORM of this process on the live server's database: the fold runs here, beside the two API processes."""
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


def _upload(http, w, taps):
    return lambda: http.post("/api/v1/taps/batch", headers=auth(w.device_token), json={"taps": taps})


async def test_no_tap_is_left_out_of_the_records(live, http, world, fold_process):
    from api.workrecords.service import fold_dirty

    w, workers = world
    w.client = http
    start = datetime.now(JST) - timedelta(hours=6)
    seq = 0
    for rnd in range(ROUNDS):
        batches = []
        for b in range(4):
            taps = []
            for k in range(10):
                seq += 1
                worker = workers[(b + k) % len(workers)]
                # Spread over the day, on the sites' past hours: some taps pair, some repeat, some stand alone.
                at = start + timedelta(minutes=random.randrange(0, 6 * 60))
                taps.append(worker.tap(f"r{rnd}:{b}:{k}", at=at, seq=seq))
            batches.append(taps)
        results = await race(*[_upload(http, w, t) for t in batches], fold_dirty, fold_dirty)
        for r in results[:4]:
            assert not isinstance(r, BaseException) and r.status_code == 200, r
            assert [x["status"] for x in r.json()["results"]] == ["accepted"] * 10, [
                x.get("error") for x in r.json()["results"]
            ]
        for r in results[4:]:
            assert not isinstance(r, BaseException), r
        await fold_dirty()  # the next scheduled run
        accepted = await live.fetchval(
            "SELECT count(*) FROM tap WHERE site_id = $1 AND status = 'accepted'", w.site["id"]
        )
        in_records = await live.fetchval(
            "SELECT COALESCE(sum(taps), 0) FROM work_record WHERE site_id = $1", w.site["id"]
        )
        assert (rnd, in_records) == (rnd, accepted)  # none missed, none counted twice
        assert await live.fetchval("SELECT count(*) FROM fold_dirty") == 0


async def test_overlapping_batches_store_each_tap_once_with_the_stored_verdict(live, http, world):
    w, workers = world
    me = workers[0]
    for rnd in range(ROUNDS):
        taps = [
            me.tap(f"o{rnd}:{k}", seq=1000 + rnd * 10 + k, response=os.urandom(16) if k % 3 == 0 else None)
            for k in range(9)
        ]  # every third: a clone
        first, second = taps[:6], taps[3:]  # keys 3, 4, 5 in both
        a, b = await race(_upload(http, w, first), _upload(http, w, second))
        assert a.status_code == b.status_code == 200, (a.text, b.text)
        ra = {x["idempotency_key"]: x for x in a.json()["results"]}
        rb = {x["idempotency_key"]: x for x in b.json()["results"]}
        assert len(ra) == len(rb) == 6 and a.json()["errors"] == b.json()["errors"] == []
        stored = {
            r["source_key"].partition(":")[2]: r
            for r in await live.fetch(
                "SELECT source_key, status, reject_reason FROM tap WHERE source_key LIKE $1", f"%:o{rnd}:%"
            )
        }
        assert len(stored) == 9  # each tap once
        for k in range(9):
            key = f"o{rnd}:{k}"
            answers = [x[key] for x in (ra, rb) if key in x]
            assert sorted(x["duplicate"] for x in answers) == ([False, True] if 3 <= k < 6 else [False])
            for x in answers:  # new or not, the verdict is the stored tap's
                assert (x["status"], x["reject_reason"]) == (stored[key]["status"], stored[key]["reject_reason"])
            assert stored[key]["reject_reason"] == ("bad_card_response" if k % 3 == 0 else None)


async def test_a_replayed_challenge_racing_the_original_is_stored_rejected(live, http, world):
    w, workers = world
    me = workers[1]
    for rnd in range(ROUNDS):
        original = me.tap(f"c{rnd}:a", seq=5000 + 2 * rnd)
        replay = {**original, "idempotency_key": f"c{rnd}:b", "device_seq": 5001 + 2 * rnd}
        a, b = await race(_upload(http, w, [original]), _upload(http, w, [replay]))
        assert a.status_code == b.status_code == 200, (a.text, b.text)
        verdicts = sorted((x["status"], x["reject_reason"]) for r in (a, b) for x in r.json()["results"])
        assert verdicts == [("accepted", None), ("rejected", "replayed_challenge")]
        assert await live.fetchval("SELECT count(*) FROM tap WHERE source_key LIKE $1", f"%:c{rnd}:%") == 2


async def test_a_tap_stored_pending_while_its_employer_joins_the_tree_counts(live, http, world, fold_process):
    """A subcontractor's technician taps in while the subcontractor is being registered into the site's tree (代理手続き).
    The ingest is held open here after it stored the tap as pending (the tree it read had no such firm); the join
    arrives meanwhile, and the job that turns the firm's pending taps into accepted ones runs as soon as the join
    commits, as it does in production: the tap ends accepted. Before, the job ran before the tap was committed and
    the tap stayed pending for ever — a worked day that never counted."""
    from tortoise.timezone import now
    from tortoise.transactions import in_transaction

    from api.attendance import service
    from api.attendance.models import TapMethod
    from api.attendance.service import Candidate
    from api.sites.models import Site

    w, _ = world
    w.client = http
    worker = await w.worker(w.sub2)
    for n in range(4):  # each round runs the worker three times (seconds each)
        site = await w.create_site()
        contracts = (await http.get(f"/api/v1/sites/{site['id']}/contracts", headers=auth(w.prime["token"]))).json()
        key = f"held-{n}"
        stored = asyncio.Event()

        async def ingest(site=site, key=key, stored=stored):
            async with in_transaction("default"):
                results, errors = await service.ingest(
                    candidates=[
                        Candidate(
                            index=0,
                            client_key=key,
                            source_key=key,
                            site=await Site.get(id=site["id"]),
                            technician_code=worker.technician_id,
                            method=TapMethod.face,
                            device_time=datetime.now(JST) - timedelta(minutes=5),
                        )
                    ],
                    master_keys={},
                    received_at=now(),
                )
                assert not errors and results[0].status == "pending", (results, errors)
                stored.set()
                await asyncio.sleep(0.4)  # the join arrives meanwhile
                await asyncio.to_thread(live.drain)  # and its job runs as soon as it has committed

        async def join(site=site, contracts=contracts, stored=stored):
            await stored.wait()
            return await http.post(
                f"/api/v1/sites/{site['id']}/contracts",
                headers=auth(w.prime["token"]),
                json={
                    "business_id": w.sub2["business"]["business_id"],
                    "parent_contract_id": contracts[0]["id"],
                    "proxy": True,
                },
            )

        done, r = await race(ingest, join)
        assert done is None, done
        assert r.status_code == 201, r.text
        await asyncio.to_thread(live.drain)
        assert await live.fetchval("SELECT status FROM tap WHERE source_key = $1", key) == "accepted", n
