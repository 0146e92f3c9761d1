"""Night shifts are one record (docs/workrecords.md), whatever the site's old cutoff hour says: a shift belongs to the
day of its entry, an exit pairs with the open entry within the site's shift length, card taps pair as first and last,
and a lone exit is kept apart, never a day of its own."""

from datetime import datetime, time, timedelta

import pytest

from api.timeutil import JST
from api.workrecords.jobs import fold_recent
from tests.api.helpers import auth, login
from tests.api.site_world import make_world


def at(day, hh, mm=0):
    return datetime.combine(day, time(hh, mm), JST)


async def fold(client, w, drain):
    """The fold job itself: the batch endpoint dedupes runs within a minute."""
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


async def api_client(client, w):
    r = await client.post(
        f"/api/v1/businesses/{w.prime['business']['id']}/api-clients",
        headers=auth(w.prime["token"]),
        json={"name": "勤怠連携"},
    )
    return await login(client, r.json()["client_id"], r.json()["client_secret"])


def push(w, worker, key, event, when):
    return {
        "idempotency_key": key,
        "site_id": w.site["site_id"],
        "technician_id": worker.technician_id,
        "event": event,
        "at": when.isoformat(),
        "trade": "05-01",
        "position": "worker",
    }


@pytest.mark.parametrize("cutoff", [0, 5])
async def test_night_shifts_and_early_starts_with_card_taps(client, drain, cutoff):
    w = await make_world(client)
    w.site = await w.create_site(cutoff_hour=cutoff)
    w.device_token = await w.enrol_device()
    night, late, early = [await w.worker(w.prime) for _ in range(3)]
    d = datetime.now(JST).date() - timedelta(days=6)
    nxt = d + timedelta(days=1)
    r = await w.upload(
        night.tap("a1", at=at(d, 20)),
        night.tap("a2", at=at(nxt, 5, 30), seq=2),
        late.tap("b1", at=at(d, 22), seq=3),
        late.tap("b2", at=at(nxt, 7), seq=4),
        early.tap("c1", at=at(nxt, 4, 30), seq=5),
        early.tap("c2", at=at(nxt, 13), seq=6),
    )
    assert [x["status"] for x in r.json()["results"]] == ["accepted"] * 6
    await fold(client, w, drain)
    on_d = {x["technician_pk"]: x for x in await site_records(client, w, d)}
    on_next = {x["technician_pk"]: x for x in await site_records(client, w, nxt)}
    # 20:00 → 05:30 and 22:00 → 07:00: one record each, on the day of the entry; nothing the next day.
    assert set(on_d) == {night.pk, late.pk}
    assert (datetime.fromisoformat(on_d[night.pk]["first_in"]), datetime.fromisoformat(on_d[night.pk]["last_out"])) == (
        at(d, 20),
        at(nxt, 5, 30),
    )
    assert (datetime.fromisoformat(on_d[late.pk]["first_in"]), datetime.fromisoformat(on_d[late.pk]["last_out"])) == (
        at(d, 22),
        at(nxt, 7),
    )
    # A 04:30 start is a shift of its own day, not of the day before.
    assert set(on_next) == {early.pk}
    assert datetime.fromisoformat(on_next[early.pk]["first_in"]) == at(nxt, 4, 30)
    assert datetime.fromisoformat(on_next[early.pk]["last_out"]) == at(nxt, 13)
    # The next night and a day shift after it: one record per shift, never more.
    d2 = nxt + timedelta(days=1)
    await w.upload(
        night.tap("a3", at=at(nxt, 20), seq=7),
        night.tap("a4", at=at(d2, 5, 30), seq=8),
        night.tap("a5", at=at(d2 + timedelta(days=1), 8), seq=9),
        night.tap("a6", at=at(d2 + timedelta(days=1), 17), seq=10),
    )
    await fold(client, w, drain)
    r = await client.get(
        f"/api/v1/technicians/{night.pk}/work-records", headers=auth(night.token), params={"month": d.strftime("%Y-%m")}
    )
    r2 = await client.get(
        f"/api/v1/technicians/{night.pk}/work-records",
        headers=auth(night.token),
        params={"month": (d2 + timedelta(days=1)).strftime("%Y-%m")},
    )
    mine = {x["work_date"]: x for x in r.json() + r2.json()}
    assert sorted(mine) == [d.isoformat(), nxt.isoformat(), (d2 + timedelta(days=1)).isoformat()]
    assert all(x["taps"] == 2 and x["last_out"] for x in mine.values())


@pytest.mark.parametrize("cutoff", [0, 5])
async def test_entries_and_exits_pushed_by_a_private_system(client, drain, cutoff):
    w = await make_world(client)
    w.site = await w.create_site(cutoff_hour=cutoff)
    me, lone = await w.worker(w.prime), await w.worker(w.prime)
    token = await api_client(client, w)
    d = datetime.now(JST).date() - timedelta(days=4)
    nxt = d + timedelta(days=1)
    r = await client.post(
        "/api/v1/attendance",
        headers=auth(token),
        json={
            "records": [
                push(w, me, "p1", "in", at(d, 20)),
                push(w, me, "p2", "out", at(nxt, 5, 30)),
                push(w, me, "p3", "out", at(nxt, 5, 35)),  # a second exit: not a day of its own
                push(w, lone, "p4", "out", at(nxt, 6)),  # no entry at all
            ]
        },
    )
    assert [x["status"] for x in r.json()["results"]] == ["accepted"] * 4, r.text
    await fold(client, w, drain)
    [rec] = await site_records(client, w, d)
    assert rec["technician_pk"] == me.pk and datetime.fromisoformat(rec["last_out"]) == at(nxt, 5, 30)
    assert await site_records(client, w, nxt) == []
    r = await client.get(
        f"/api/v1/sites/{w.site['id']}/lone-exits",
        headers=auth(w.prime["token"]),
        params={"work_date": nxt.isoformat()},
    )
    assert r.status_code == 200
    assert sorted((x["technician_pk"], datetime.fromisoformat(x["at"])) for x in r.json()) == sorted(
        [(me.pk, at(nxt, 5, 35)), (lone.pk, at(nxt, 6))]
    )
    # The missing entry arrives late (an offline system): the lone exit becomes the shift's exit.
    await client.post(
        "/api/v1/attendance", headers=auth(token), json={"records": [push(w, lone, "p5", "in", at(d, 21))]}
    )
    await fold(client, w, drain)
    assert {x["technician_pk"] for x in await site_records(client, w, d)} == {me.pk, lone.pk}
    r = await client.get(
        f"/api/v1/sites/{w.site['id']}/lone-exits",
        headers=auth(w.prime["token"]),
        params={"work_date": nxt.isoformat()},
    )
    assert [x["technician_pk"] for x in r.json()] == [me.pk]
    # An exit beyond the site's shift length is not the entry's exit.
    far = d - timedelta(days=2)
    await client.post(
        "/api/v1/attendance",
        headers=auth(token),
        json={
            "records": [
                push(w, lone, "p6", "in", at(far, 8)),
                push(w, lone, "p7", "out", at(far + timedelta(days=1), 9)),
            ]
        },
    )
    await fold(client, w, drain)
    [rec] = await site_records(client, w, far)
    assert rec["last_out"] is None
    assert await site_records(client, w, far + timedelta(days=1)) == []


async def test_a_late_entry_moves_an_exit_into_its_shift(client, drain):
    """The exit reader uploaded first, the entry reader a day later: the 05:30 tap first made a record of its own
    day, then joins the night shift and that day's record goes away."""
    w = await make_world(client)
    me = await w.worker(w.prime)
    d = datetime.now(JST).date() - timedelta(days=3)
    nxt = d + timedelta(days=1)
    await w.upload(me.tap("x2", at=at(nxt, 5, 30), seq=2))
    await fold(client, w, drain)
    assert [x["technician_pk"] for x in await site_records(client, w, nxt)] == [me.pk]
    await w.upload(me.tap("x1", at=at(d, 20)))
    await fold(client, w, drain)
    assert await site_records(client, w, nxt) == []
    [rec] = await site_records(client, w, d)
    assert datetime.fromisoformat(rec["last_out"]) == at(nxt, 5, 30) and rec["taps"] == 2


async def test_shift_length_is_a_validated_site_setting(client):
    w = await make_world(client)
    assert w.site["shift_hours"] == 24
    short = await w.create_site(shift_hours=14)
    assert short["shift_hours"] == 14
    for bad in (0, 3, 37, 2.5, True, None):
        r = await client.post(
            "/api/v1/sites",
            headers=auth(w.prime["token"]),
            json={
                "name": "x",
                "address": "y",
                "order_type": "private",
                "window_start": "2026-01-01",
                "window_end": "2027-01-01",
                "shift_hours": bad,
            },
        )
        assert r.status_code == 422 and r.json()["fields"][0]["field"] == "shift_hours", (bad, r.text)


async def charge(rec, day):
    """What the close writes when it charges a record (the close itself: tests/billing/test_refold_charges.py)."""
    from tortoise.timezone import now

    from api.billing.models import ChargedWorkRecord

    await ChargedWorkRecord.create(
        work_record_id=rec.id,
        site_id=rec.site_id,
        work_month=day.replace(day=1),  # type: ignore
        tariff_valid_from=day.replace(day=1),
        unit_price_yen=10,
        charge_key="t",
        charged_at=now(),
    )


async def test_a_charge_follows_its_shift_when_a_late_entry_re_pairs_it(client, drain):
    """The exit-only record was charged before the night's entry arrived late: the refold moves the charge to the
    night's record and removes the exit-only one — unless the night's record is charged itself (an approved direct
    input for that day): then nothing can follow, and the charged record stays as it was."""
    from api.billing.models import ChargedWorkRecord
    from api.workrecords.models import WorkRecord

    w = await make_world(client)
    me, other = await w.worker(w.prime), await w.worker(w.prime)
    d = datetime.now(JST).date() - timedelta(days=3)
    nxt = d + timedelta(days=1)
    await w.upload(me.tap("y2", at=at(nxt, 5, 30), seq=2), other.tap("z2", at=at(nxt, 5, 30), seq=3))
    await fold(client, w, drain)
    rec = await WorkRecord.get(technician_id=me.pk, work_date=nxt)
    kept = await WorkRecord.get(technician_id=other.pk, work_date=nxt)
    await charge(rec, nxt)
    await charge(kept, nxt)
    # other's day was also entered by hand, approved and charged: a direct record the fold never touches.
    direct = await WorkRecord.create(
        technician_id=other.pk,
        site_id=rec.site_id,
        work_date=d,
        first_in=at(d, 20),
        method="direct",
        folded_at=at(d, 20),
    )
    await charge(direct, d)
    await w.upload(me.tap("y1", at=at(d, 20)), other.tap("z1", at=at(d, 20), seq=4))
    await fold(client, w, drain)
    assert not await WorkRecord.filter(id=rec.id).exists()
    night = await WorkRecord.get(technician_id=me.pk, work_date=d)
    assert await ChargedWorkRecord.filter(work_record_id=night.id).exists()
    assert not await ChargedWorkRecord.filter(work_record_id=rec.id).exists()
    assert await WorkRecord.filter(id=kept.id).exists() and await WorkRecord.filter(id=direct.id).exists()
    assert await ChargedWorkRecord.filter(work_record_id__in=[kept.id, direct.id]).count() == 2
    assert await ChargedWorkRecord.all().count() == 3
    [mine] = [x for x in await site_records(client, w, d) if x["technician_pk"] == me.pk]
    assert datetime.fromisoformat(mine["last_out"]) == at(nxt, 5, 30)
