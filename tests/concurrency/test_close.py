"""Monthly billing closes at the same moment on the live server: two requests for two months, run by the worker at
once while the cron job's close runs in another process. Twenty rounds; after each, every work record is charged
exactly once, every new business has exactly one invoice, and invoice numbers have no gap."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from api.billing.jobs import billing_close
from api.billing.periods import month_start
from api.timeutil import add_months
from api.timeutil import today_jst
from tests.api.helpers import approved_business, auth, login
from tests.billing.world import site_for, technicians, work_records
from tests.concurrency.conftest import race

ROUNDS = 12
M0 = add_months(month_start(today_jst()), -1)  # last month: the newest that may be closed
M1 = add_months(M0, -1)


async def _close(http, op, month):
    return await http.post("/api/v1/admin/billing/close", headers=auth(op), json={"period": f"{month:%Y-%m}"})


async def _check(live, firms: list[int]) -> None:
    charged = await live.fetchval("SELECT count(*) FROM charged_work_record")
    records = await live.fetchval("SELECT count(*) FROM work_record")
    usage = await live.fetchval("SELECT COALESCE(sum(quantity), 0) FROM charge WHERE fee_type = 'site_usage'")
    assert charged == records == usage, (charged, records, usage)
    per_firm = await live.fetch(
        "SELECT business_id, count(*) AS n FROM invoice WHERE business_id = ANY($1::bigint[]) GROUP BY business_id",
        firms,
    )
    assert sorted(r["business_id"] for r in per_firm) == sorted(firms) and {r["n"] for r in per_firm} == {1}
    for year, last in await live.fetch("SELECT year, last_seq FROM invoice_counter WHERE series = 'INV'"):
        seqs = [
            r["seq"]
            for r in await live.fetch("SELECT seq FROM invoice WHERE series = 'INV' AND year = $1 ORDER BY seq", year)
        ]
        assert seqs == list(range(1, last + 1)), (year, seqs, last)
    unbalanced = await live.fetchval(
        "SELECT count(*) FROM invoice i WHERE total_yen <> (SELECT COALESCE(sum("
        "amount_yen), 0) FROM invoice_line l WHERE l.invoice_id = i.id)"
    )
    assert unbalanced == 0


async def test_closes_at_once_charge_every_record_once_with_gap_free_numbers(live, http, orm):
    op = await login(http, "op")
    prime = await approved_business(http, op)
    site = await site_for(prime)
    techs = await technicians(4, prime["business"]["id"])
    # The months before are closed in order, as they would have been.
    await live.fetch("UPDATE charge SET counted_in = $1 WHERE invoice_id IS NULL", M1)
    for month in (add_months(M1, -1), M1, M0):
        assert (await _close(http, op, month)).status_code == 202
        live.drain()
    firms = [prime["business"]["id"]]
    for n in range(ROUNDS):
        # New work: late records for the month before last and records of last month, which both closes may charge;
        # a new firm's fees, due in the month before last, which either close may invoice.
        await work_records(site, techs, [M1 + timedelta(days=n), M0 + timedelta(days=n)])
        firm = await approved_business(http, op)
        firms.append(firm["business"]["id"])
        await live.fetch(
            "UPDATE charge SET counted_in = $1 WHERE invoice_id IS NULL AND business_id = $2",
            M1,
            firm["business"]["id"],
        )
        answers = await race(lambda: _close(http, op, M0), lambda: _close(http, op, M1))
        assert [a.status_code for a in answers] == [202, 202], [a.text for a in answers]
        # The worker runs both requested closes at once while the cron job's close (last month) runs here.
        await race(lambda: asyncio.to_thread(live.drain), lambda: billing_close({"settings": orm}, None))
        for a in answers:
            run = (await http.get(f"/api/v1/admin/batches/runs/{a.json()['run_id']}", headers=auth(op))).json()
            assert run["status"] == "done", run
        await _check(live, firms)


async def test_a_close_of_a_month_not_ended_or_after_an_open_month_is_refused(live, http):
    op = await login(http, "op")
    before = await live.fetchval("SELECT count(*) FROM batch_run")
    r = await _close(http, op, month_start(today_jst()))
    assert r.status_code == 409 and r.json()["error"] == "close_month_not_ended", r.text
    r = await http.post(
        "/api/v1/admin/batches/billing-close", headers=auth(op), json={"period": f"{add_months(M0, 2):%Y-%m}"}
    )
    assert r.status_code == 409 and r.json()["error"] == "close_month_not_ended", r.text
    assert await live.fetchval("SELECT count(*) FROM batch_run") == before
