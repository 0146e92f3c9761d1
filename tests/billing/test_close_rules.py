"""The close's rules (both back ends): only an ended month (Japan time), never past an open earlier month, and each
work record charged once whatever months are closed and re-closed."""

from datetime import timedelta

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
