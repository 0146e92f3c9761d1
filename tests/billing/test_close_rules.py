"""The close's rules (both back ends): only an ended month (Japan time), never past an open earlier month, and each
work record charged once whatever months are closed and re-closed."""

import asyncio
from datetime import timedelta

import pytest

from api.billing.jobs import billing_close
from api.billing.models import Charge, ChargedWorkRecord
from api.workrecords.models import WorkRecord
from tests.api.helpers import auth, operator_token, table_counts
from tests.billing.world import THIS_MONTH, add_months, billed_business, period, site_for, technicians, work_records


async def test_a_month_not_ended_and_a_month_after_an_open_one_are_refused(client, drain):
    op = await operator_token(client)
    before = await table_counts()
    for month in (THIS_MONTH, add_months(THIS_MONTH, 3)):
        r = await client.post("/api/v1/admin/billing/close", headers=auth(op), json={"period": period(month)})
        assert r.status_code == 409 and r.json()["error"] == "close_month_not_ended", r.text
    assert await table_counts() == before
    m3, m2, m1 = (add_months(THIS_MONTH, -k) for k in (3, 2, 1))
    await billing_close({}, period(m3))  # the first close: nothing before it
    r = await client.post("/api/v1/admin/billing/close", headers=auth(op), json={"period": period(m1)})
    assert r.status_code == 409 and r.json()["error"] == "close_earlier_month_open", r.text
    assert period(m2) in r.json()["message"]
    for month in (m2, m1, m3):  # in order, then an earlier month again (late records): all allowed
        r = await client.post("/api/v1/admin/billing/close", headers=auth(op), json={"period": period(month)})
        assert r.status_code == 202, r.text
        await drain()


async def test_each_work_record_is_charged_once_across_months_and_reruns(client):
    op = await operator_token(client)
    prime = await billed_business(client, op)
    site = await site_for(prime)
    techs = await technicians(5, prime["business"]["id"])
    m2, m1 = add_months(THIS_MONTH, -2), add_months(THIS_MONTH, -1)
    await work_records(site, techs, [m2, m2 + timedelta(days=1)])
    assert (await billing_close({}, period(m2)))["usage_charges"] == 1
    await work_records(site, techs, [m2 + timedelta(days=2), m1])  # a late record of m2 and one of m1
    # Re-closing m2 charges its late records; m1 then charges only its own; neither run again charges anything.
    assert (await billing_close({}, period(m2)))["usage_charges"] == 1
    assert (await billing_close({}, period(m1)))["usage_charges"] == 1
    assert (await billing_close({}, period(m2)))["usage_charges"] == 0
    assert (await billing_close({}, period(m1)))["usage_charges"] == 0
    records = await WorkRecord.all().count()
    assert records == 20 and await ChargedWorkRecord.all().count() == records
    usage = await Charge.filter(fee_type="site_usage").order_by("id")
    assert [c.quantity for c in usage] == [10, 5, 5] and sum(c.amount_yen for c in usage) == 200
    linked = {r.charge_id for r in await ChargedWorkRecord.all()}
    assert linked == {c.id for c in usage}


ROUNDS = 20


async def _check_once(firms: list[int]) -> None:
    """Every work record charged exactly once, every new firm invoiced once, invoice numbers without a gap."""
    from api.billing.models import Invoice, InvoiceCounter

    records = await WorkRecord.all().count()
    usage = sum(await Charge.filter(fee_type="site_usage").values_list("quantity", flat=True))
    assert await ChargedWorkRecord.all().count() == records == usage, (records, usage)
    per_firm = [await Invoice.filter(business_id=f, series="INV").count() for f in firms]
    assert per_firm == [1] * len(firms), per_firm
    for counter in await InvoiceCounter.filter(series="INV"):
        seqs = await Invoice.filter(series="INV", year=counter.year).order_by("seq").values_list("seq", flat=True)
        assert list(seqs) == list(range(1, counter.last_seq + 1)), (counter.year, seqs)


async def test_twenty_rounds_of_two_closes_at_once_charge_every_record_once(client, drain):
    """Two closes requested at the same moment (two months), run by the worker while the cron job's close runs too,
    twenty rounds, on both back ends (the live server's multi-process version: tests/concurrency/test_close.py)."""
    import asyncio

    op = await operator_token(client)
    prime = await billed_business(client, op)
    site = await site_for(prime)
    techs = await technicians(2, prime["business"]["id"])
    m3, m2, m1 = (add_months(THIS_MONTH, -k) for k in (3, 2, 1))
    await Charge.filter(invoice_id=None).update(counted_in=m3)
    for month in (m3, m2, m1):  # the months before closed in order, as they would have been
        await billing_close({}, period(month))
    firms = [prime["business"]["id"]]

    def close(month):
        return client.post("/api/v1/admin/billing/close", headers=auth(op), json={"period": period(month)})

    for n in range(ROUNDS):
        # Late records of the month before last and records of last month, which both closes may charge; a new
        # firm's fees due in the month before last, which either close may invoice.
        await work_records(site, techs, [m2 + timedelta(days=n), m1 + timedelta(days=n)])
        firm = await billed_business(client, op)
        firms.append(firm["business"]["id"])
        await Charge.filter(invoice_id=None, business_id=firm["business"]["id"]).update(counted_in=m2)
        answers = await asyncio.gather(close(m1), close(m2))
        assert [a.status_code for a in answers] == [202, 202], [a.text for a in answers]
        await asyncio.gather(drain(), billing_close({}, period(m1)))
        for a in answers:
            run = (await client.get(f"/api/v1/admin/batches/runs/{a.json()['run_id']}", headers=auth(op))).json()
            assert run["status"] == "done", run
        await _check_once(firms)


async def _heap_blocks(table: str) -> int:
    """Heap blocks read or hit in `table` as the statistics collector has them, once every backend has flushed."""
    from tortoise import connections

    conn = connections.get("default")
    seen = -1
    for _ in range(30):  # a backend flushes its counters within about a second of going idle
        await asyncio.sleep(1)
        rows = await conn.execute_query_dict(
            "SELECT COALESCE(heap_blks_hit, 0) + COALESCE(heap_blks_read, 0) AS n FROM pg_statio_user_tables "
            "WHERE relname = $1",
            [table],
        )
        n = int(rows[0]["n"])
        if n == seen:
            return n
        seen = n
    return seen


async def test_the_first_close_claims_without_rereading_its_own_claims(client, backend):
    """The first close of a database (charged_work_record empty and analysed as such, e.g. after `vacuumdb -z`):
    a claim that read the table while writing it was planned as a sequential scan per record over the rows it had
    just written — quadratic (40 s for 30 k records). The close reads each claimed row a bounded number of times."""
    if backend != "postgres":
        pytest.skip("a PostgreSQL plan")
    from tortoise import connections

    op = await operator_token(client)
    prime = await billed_business(client, op)
    site = await site_for(prime)
    techs = await technicians(160, prime["business"]["id"])
    m1 = add_months(THIS_MONTH, -1)
    n = await work_records(site, techs, [m1 + timedelta(days=d) for d in range(25)])
    conn = connections.get("default")
    await conn.execute_script("ANALYZE charged_work_record, work_record")  # empty, and known to be
    before = await _heap_blocks("charged_work_record")
    await billing_close({}, period(m1))
    assert await ChargedWorkRecord.all().count() == n == 4000
    pages = (await conn.execute_query_dict("SELECT pg_relation_size('charged_work_record') / 8192 AS p"))[0]["p"]
    touched = await _heap_blocks("charged_work_record") - before
    # Writing and linking each claim touches its page about six times (≈ 25 k blocks); rereading the claims made so
    # far for every record grew as records × pages / 2 (≈ 65 k blocks at 2,500 records, ≈ 165 k at 4,000).
    assert touched < 10 * n, (touched, pages)
