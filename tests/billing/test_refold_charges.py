"""A shift is charged its 現場利用料 once, even when a late tap re-pairs it after a close (docs/workrecords.md
"Billing", docs/billing.md): the reader at the exit uploaded first, the exit made a record of its own day, the month
was closed and that record charged; then the entry arrived late, the fold moved the exit into the night shift of the
day before — a record the close has not seen. The charge follows the shift to that record, so the next close has
nothing to charge for it. Through the HTTP API, on both back ends."""

from datetime import datetime, time, timedelta

from api.timeutil import JST
from api.workrecords.jobs import fold_recent
from tests.api.helpers import auth
from tests.api.site_world import make_world
from tests.billing.world import LAST_MONTH, close, invoices_of, month_passes


def at(day, hh, mm=0):
    return datetime.combine(day, time(hh, mm), JST)


async def fold(drain):
    await drain()
    await fold_recent({})


async def site_records(client, w, day):
    r = await client.get(
        f"/api/v1/sites/{w.site['id']}/work-records",
        headers=auth(w.prime["token"]),
        params={"work_date": day.isoformat()},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def usage_billed(client, w) -> int:
    """現場利用料 records billed to the prime so far: on its invoices, and pending (carried forward)."""
    prime = w.prime
    quantity = 0
    for inv in await invoices_of(client, prime["token"], prime["business"]["id"]):
        detail = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=auth(prime["token"]))).json()
        quantity += sum(x["quantity"] for x in detail["lines"] if x["fee_type"] == "site_usage")
    r = await client.get(f"/api/v1/businesses/{prime['business']['id']}/charges", headers=auth(prime["token"]))
    assert r.status_code == 200, r.text
    return quantity + sum(x["quantity"] for x in r.json() if x["fee_type"] == "site_usage")


async def test_a_shift_re_paired_after_its_close_is_not_charged_again(client, drain):
    w = await make_world(client)
    me, other = await w.worker(w.prime), await w.worker(w.prime)
    d = LAST_MONTH + timedelta(days=1)
    nxt = d + timedelta(days=1)
    # The exit reader's 05:30 tap arrives first: a record of its own day. Another worker's day shift beside it.
    r = await w.upload(
        me.tap("x2", at=at(nxt, 5, 30), seq=2),
        other.tap("o1", at=at(nxt, 8), seq=3),
        other.tap("o2", at=at(nxt, 17), seq=4),
    )
    assert [x["status"] for x in r.json()["results"]] == ["accepted"] * 3, r.text
    await fold(drain)
    assert sorted(x["technician_pk"] for x in await site_records(client, w, nxt)) == sorted([me.pk, other.pk])
    await close(client, w.op, drain)  # last month: both records charged
    assert await usage_billed(client, w) == 2

    # The entry reader comes back online: its 20:00 tap of the day before is within the upload deadline.
    r = await w.upload(me.tap("x1", at=at(d, 20), seq=1))
    assert r.json()["results"][0]["status"] == "accepted", r.text
    await fold(drain)
    [night] = await site_records(client, w, d)
    assert night["technician_pk"] == me.pk and night["taps"] == 2
    assert datetime.fromisoformat(night["last_out"]) == at(nxt, 5, 30)
    # The exit-only record is gone (its charge went with the shift); the other worker's record is untouched.
    assert [x["technician_pk"] for x in await site_records(client, w, nxt)] == [other.pk]

    # The next close charges every record not charged yet: the night shift was, so nothing new.
    await month_passes()
    await close(client, w.op, drain)
    assert await usage_billed(client, w) == 2
    runs = (await client.get("/api/v1/admin/billing/runs", headers=auth(w.op))).json()
    assert runs[0]["usage_charges"] == 1  # the first close's one charge line (two records); the second made none

    # Folding again changes nothing, and a new shift is still charged.
    await fold(drain)
    r = await w.upload(
        me.tap("x3", at=at(nxt + timedelta(days=1), 8), seq=5), me.tap("x4", at=at(nxt + timedelta(days=1), 17), seq=6)
    )
    await fold(drain)
    await close(client, w.op, drain)
    assert await usage_billed(client, w) == 3
