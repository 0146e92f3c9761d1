"""Issue 14 items 6 and 7 under concurrency on the live server, ten rounds each: a renewal approved twice at one
moment issues one card and one charge (and two renewals applied for at once make one application); lump-sum
settlements at once — the batch run by the worker in one process while two settlements run here — settle every due
site once and charge its excess once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api.billing.lump_sum import settle
from api.billing.periods import month_start
from api.timeutil import add_months
from api.timeutil import today_jst
from tests.api.helpers import approved_business, auth, login, submitted_technician
from tests.billing.world import month_days, site_for, technicians, work_records
from tests.concurrency.conftest import race, start_live

ROUNDS = 10


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """This module's server with the lump-sum option on (off by default)."""
    server = start_live(tmp_path_factory.mktemp("live-fees"), "fees", extra_env={"OPENCCUS_LUMP_SUM_ENABLED": "true"})
    try:
        yield server
    finally:
        server.stop()


async def test_settlements_at_once_charge_each_excess_once(live, http, orm):
    op = await login(http, "op")
    prime = await approved_business(http, op)
    techs = await technicians(3, prime["business"]["id"])
    ended = add_months(month_start(today_jst()), -1) - timedelta(days=1)  # its late-record deadline has passed
    for n in range(ROUNDS):
        sites = []
        for _ in range(3):
            site = await site_for(prime)
            r = await http.post(
                f"/api/v1/sites/{site}/lump-sum", headers=auth(prime["token"]), json={"estimated_person_days": 2}
            )
            assert r.status_code == 201, r.text
            await work_records(site, techs, month_days(add_months(ended, -1), n + 1))  # 3(n+1) records
            await live.fetch("UPDATE site SET window_end = $1 WHERE id = $2", ended, site)
            sites.append(site)

        async def batch():
            r = await http.post("/api/v1/admin/batches/lump-sum-settle", headers=auth(op))
            assert r.status_code == 202, r.text
            await asyncio.to_thread(live.drain)

        results = await race(lambda: settle(), lambda: settle(), batch)
        assert not [r for r in results if isinstance(r, Exception)], results
        excess = 3 * (n + 1) - 2
        rows = await live.fetch(
            "SELECT site_id, quantity, amount_yen FROM charge WHERE fee_type = "
            "'site_lump_sum_excess' AND site_id = ANY($1::bigint[])",
            sites,
        )
        assert sorted((r["site_id"], r["quantity"], r["amount_yen"]) for r in rows) == [
            (s, excess, excess * 10) for s in sorted(sites)
        ]
        settled = await live.fetch(
            "SELECT excess_person_days FROM lump_sum_site WHERE site_id = ANY($1::bigint[]) AND settled_on IS NOT NULL",
            sites,
        )
        assert [r["excess_person_days"] for r in settled] == [excess] * 3


async def test_a_renewal_is_applied_for_once_and_approved_once(live, http):
    op = await login(http, "op")
    biz = await approved_business(http, op)
    for n in range(ROUNDS):
        t = await submitted_technician(http, employer_business_id=biz["business"]["business_id"])
        r = await http.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
        assert r.status_code == 200, r.text
        # Time passes: the registration expires in 100 days, on a birthday.
        expiry = today_jst() + timedelta(days=100)
        if (expiry.month, expiry.day) == (2, 29):
            expiry += timedelta(days=1)
        await live.fetch("UPDATE technician SET birth_date = $1 WHERE id = $2", expiry.replace(year=1980), t["pk"])
        await live.fetch("UPDATE card SET valid_until = $1 WHERE technician_id = $2", expiry, t["pk"])
        url = f"/api/v1/technicians/{t['pk']}/applications"
        applied = await race(*[lambda: http.post(url, headers=auth(t["token"]), json={"kind": "renewal"})] * 2)
        assert sorted(a.status_code for a in applied) == [201, 409], [a.text for a in applied]
        assert {a.json()["error"] for a in applied if a.status_code == 409} == {"renewal_open"}
        app_id = next(a.json()["id"] for a in applied if a.status_code == 201)
        approve = f"/api/v1/review/applications/{app_id}/approve"
        answers = await race(*[lambda: http.post(approve, headers=auth(op))] * 2)
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        new_expiry = expiry.replace(year=expiry.year + 10)
        cards = await live.fetchval(
            "SELECT count(*) FROM card WHERE technician_id = $1 AND valid_until = $2", t["pk"], new_expiry
        )
        charges = await live.fetch(
            "SELECT amount_yen FROM charge WHERE source_key = $1", f"technician_renewal:{app_id}"
        )
        assert cards == 1 and [c["amount_yen"] for c in charges] == [2_500]


async def test_a_lump_sum_chosen_while_the_month_closes_is_charged_one_way_only(live, http, orm):
    """A prime chooses the lump sum for a site while the monthly close is charging last month's records. The close's
    derivation is held open here (a big month takes seconds) while the choice arrives: the site is charged per record
    and the choice refused, never both. Then the other order: a choice made first keeps the close off the site."""
    from tortoise import connections
    from tortoise.timezone import now
    from tortoise.transactions import in_transaction

    from api.billing.close import _usage, serialise

    op_ = await login(http, "op")
    prime = await approved_business(http, op_)
    techs = await technicians(2, prime["business"]["id"])
    last_month = add_months(month_start(today_jst()), -1)
    for _ in range(ROUNDS):
        site = await site_for(prime)
        await work_records(site, techs, month_days(last_month, 3))  # 6 records, last month

        async def close_held_open():
            async with in_transaction("default"):
                conn = connections.get("default")
                await serialise(conn)
                await _usage(conn, period=last_month, at=now())
                await asyncio.sleep(0.4)  # the choice arrives meanwhile

        async def choose(site=site):
            await asyncio.sleep(0.1)  # after the close has taken its lock and charged
            return await http.post(
                f"/api/v1/sites/{site}/lump-sum", headers=auth(prime["token"]), json={"estimated_person_days": 10}
            )

        _, r = await race(close_held_open, choose)
        assert (r.status_code, r.json()["error"]) == (409, "usage_already_charged"), r.text
        assert await live.fetchval("SELECT count(*) FROM lump_sum_site WHERE site_id = $1", site) == 0
        assert (
            await live.fetchval(
                "SELECT COALESCE(sum(quantity), 0) FROM charge WHERE fee_type = 'site_usage' AND site_id = $1", site
            )
            == 6
        )

        # The other order: chosen first, the close that follows leaves the site's records out.
        site = await site_for(prime)
        await work_records(site, techs, month_days(last_month, 3))
        r = await http.post(
            f"/api/v1/sites/{site}/lump-sum", headers=auth(prime["token"]), json={"estimated_person_days": 10}
        )
        assert r.status_code == 201, r.text
        await close_held_open()
        assert (
            await live.fetchval("SELECT count(*) FROM charge WHERE fee_type = 'site_usage' AND site_id = $1", site) == 0
        )


TRAINING = {
    "basis": "vocational_training",
    "basis_detail": "職業訓練法人全国建設産業教育訓練協会",
    "source_url": "https://www.fuji-kkc.ac.jp/news/8921",
    "source_date": "2025-10-01",
}


async def test_a_site_is_either_a_training_site_or_prepaid_never_both(live, http, orm):
    """The operator marks a site as a training site (its usage then borne by the operator) while the prime chooses to
    prepay it as a lump sum. The mark is held open here while the choice arrives: the choice is refused. The other
    order: a site prepaid first is refused as a training site. Before, the choice read the site as a construction site
    beside the uncommitted mark, and the operator's site was prepaid by the prime."""
    from datetime import date

    from tortoise.transactions import in_transaction

    from api.accounts.models import Account
    from api.sites.models import Site
    from api.sites.schemas import MarkTrainingIn
    from api.sites.training import mark

    op_ = await login(http, "op")
    prime = await approved_business(http, op_)
    operator = await Account.get(login="op")
    for n in range(ROUNDS):
        site = await site_for(prime)
        await live.fetch("UPDATE site SET window_start = $1 WHERE id = $2", date(2025, 10, 1), site)
        marked = asyncio.Event()

        async def marking(site=site, marked=marked):
            async with in_transaction("default"):
                await mark(actor=operator, site=await Site.get(id=site), data=MarkTrainingIn.model_validate(TRAINING))
                marked.set()
                await asyncio.sleep(0.4)  # the choice arrives meanwhile

        async def choose(site=site, marked=marked):
            await marked.wait()
            return await http.post(
                f"/api/v1/sites/{site}/lump-sum", headers=auth(prime["token"]), json={"estimated_person_days": 10}
            )

        done, r = await race(marking, choose)
        assert done is None, done
        assert (r.status_code, r.json().get("error")) == (409, "training_site_not_billed"), (n, r.text)
        assert await live.fetchval("SELECT count(*) FROM lump_sum_site WHERE site_id = $1", site) == 0

        # The other order, one after the other: prepaid first, then not a training site.
        site = await site_for(prime)
        await live.fetch("UPDATE site SET window_start = $1 WHERE id = $2", date(2025, 10, 1), site)
        r = await http.post(
            f"/api/v1/sites/{site}/lump-sum", headers=auth(prime["token"]), json={"estimated_person_days": 10}
        )
        assert r.status_code == 201, r.text
        r = await http.post(f"/api/v1/sites/{site}/training", headers=auth(op_), json=TRAINING)
        assert (r.status_code, r.json()["error"]) == (409, "site_has_lump_sum"), r.text
        assert await live.fetchval("SELECT kind FROM site WHERE id = $1", site) == "work"
