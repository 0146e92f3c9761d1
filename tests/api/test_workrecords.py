from datetime import datetime, time, timedelta

from api.timeutil import JST
from api.workrecords.jobs import fold_recent
from tests.api.helpers import auth
from tests.api.site_world import make_world


def at(day, hh, mm=0):
    return datetime.combine(day, time(hh, mm), JST)


async def run(client, w, drain, name="fold"):
    r = await client.post(f"/api/v1/admin/batches/{name}", headers=auth(w.op))
    assert r.status_code == 202, r.text
    await drain()


async def records(client, w, worker, day):
    """Read as the technician: their own calendar."""
    r = await client.get(
        f"/api/v1/technicians/{worker.pk}/work-records",
        headers=auth(worker.token),
        params={"month": day.strftime("%Y-%m")},
    )
    assert r.status_code == 200, r.text
    return [x for x in r.json() if x["work_date"] == day.isoformat()]


async def test_taps_fold_into_one_record_with_roster_data(client, drain):
    w = await make_world(client)
    me = await w.worker(w.prime)
    await w.roster(w.prime, me, position="foreman")
    day = datetime.now(JST).date() - timedelta(days=1)
    r = await w.upload(
        me.tap("f1", at=at(day, 7, 55)), me.tap("f2", at=at(day, 12, 1), seq=2), me.tap("f3", at=at(day, 17, 30), seq=3)
    )
    assert [x["status"] for x in r.json()["results"]] == ["accepted"] * 3
    await run(client, w, drain)
    [rec] = await records(client, w, me, day)
    assert datetime.fromisoformat(rec["first_in"]) == at(day, 7, 55)
    assert datetime.fromisoformat(rec["last_out"]) == at(day, 17, 30)
    assert (rec["trade"], rec["position"], rec["tier"], rec["method"], rec["taps"]) == (
        "05-01",
        "foreman",
        0,
        "card",
        3,
    )
    # A late tap folds in again, idempotently: still one record, with the later exit.
    await w.upload(me.tap("f4", at=at(day, 18, 45), seq=4))
    assert await fold_recent({}) == 1  # the one record of that day, rewritten
    assert await fold_recent({}) == 0  # nothing new since the watermark
    [rec] = await records(client, w, me, day)
    assert datetime.fromisoformat(rec["last_out"]) == at(day, 18, 45) and rec["taps"] == 4


async def test_night_shift_is_one_record_and_missing_exits_are_flagged_not_invented(client, drain):
    w = await make_world(client)
    night, single = await w.worker(w.prime), await w.worker(w.prime)
    day = datetime.now(JST).date() - timedelta(days=3)
    await w.upload(
        night.tap("n1", at=at(day, 20)),
        night.tap("n2", at=at(day + timedelta(days=1), 4, 30), seq=2),
        single.tap("s1", at=at(day, 8), seq=3),
    )
    await run(client, w, drain)
    [rec] = await records(client, w, night, day)
    assert datetime.fromisoformat(rec["last_out"]) == at(day + timedelta(days=1), 4, 30)  # cutoff 05:00
    assert await records(client, w, night, day + timedelta(days=1)) == []
    [lone] = await records(client, w, single, day)
    assert lone["last_out"] is None and lone["missing_exit"] is False
    await run(client, w, drain, "close")
    [lone] = await records(client, w, single, day)
    assert lone["last_out"] is None and lone["missing_exit"] is True
    [rec] = await records(client, w, night, day)
    assert rec["missing_exit"] is False


async def test_pending_taps_are_folded_when_the_employer_joins(client, drain):
    w = await make_world(client)
    sub_worker = await w.worker(w.sub)
    day = datetime.now(JST).date() - timedelta(days=2)
    await w.upload(sub_worker.tap("p1", at=at(day, 8)), sub_worker.tap("p2", at=at(day, 17), seq=2))
    await run(client, w, drain)
    assert await records(client, w, sub_worker, day) == []  # pending: not a work record yet
    await w.join(w.sub, w.prime)
    await drain()
    [rec] = await records(client, w, sub_worker, day)
    assert rec["tier"] == 1 and rec["employer_pk"] == w.sub["business"]["id"]


async def test_direct_input_rules(client, drain):
    w = await make_world(client)
    me = await w.worker(w.sub)
    await w.join(w.sub, w.prime)
    await w.roster(w.sub, me)
    stranger = await w.worker(w.sub)
    site = w.site["id"]
    day = datetime.now(JST).date() - timedelta(days=3)
    body = {
        "technician_id": me.technician_id,
        "start_at": at(day, 8).isoformat(),
        "end_at": at(day, 17).isoformat(),
        "reason": "カードを忘れたため",
    }
    r = await client.post(f"/api/v1/sites/{site}/direct-inputs", headers=auth(me.token), json=body)
    assert r.status_code == 201 and r.json()["status"] == "pending"
    item = r.json()
    assert (
        await client.post(f"/api/v1/sites/{site}/direct-inputs", headers=auth(w.sub["token"]), json=body)
    ).status_code == 409  # overlapping
    r = await client.post(
        f"/api/v1/sites/{site}/direct-inputs",
        headers=auth(stranger.token),
        json={**body, "technician_id": stranger.technician_id},
    )
    assert r.status_code == 422 and r.json()["error"] == "not_on_site"
    old = datetime.now(JST).date().replace(day=1) - timedelta(days=40)  # two months back: past its deadline
    r = await client.post(
        f"/api/v1/sites/{site}/direct-inputs",
        headers=auth(me.token),
        json={**body, "start_at": at(old, 8).isoformat(), "end_at": at(old, 17).isoformat()},
    )
    assert r.status_code == 422 and r.json()["error"] in ("past_deadline", "outside_window")
    r = await client.post(
        f"/api/v1/sites/{site}/direct-inputs", headers=auth(me.token), json={**body, "end_at": at(day, 7).isoformat()}
    )
    assert r.status_code == 422
    # Only the prime's site managers approve.
    url = f"/api/v1/sites/{site}/direct-inputs/{item['id']}/approve"
    assert (await client.post(url, headers=auth(w.sub["token"]))).status_code == 403
    r = await client.post(url, headers=auth(w.prime["token"]), json={"note": "確認済み"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert (await client.post(url, headers=auth(w.prime["token"]))).status_code == 409
    [rec] = await records(client, w, me, day)
    assert (rec["method"], rec["tier"], rec["trade"]) == ("direct", 1, "05-01")
    assert (rec["site_name"], rec["site_id"]) == (w.site["name"], w.site["site_id"])  # the calendar names the site
    # The technician sees their own direct inputs with the decision, and the sites they are on.
    mine = (await client.get(f"/api/v1/technicians/{me.pk}/direct-inputs", headers=auth(me.token))).json()
    assert [(d["id"], d["status"], d["decision_note"], d["site_name"]) for d in mine] == [
        (item["id"], "approved", "確認済み", w.site["name"])
    ]
    sites = (await client.get(f"/api/v1/technicians/{me.pk}/sites", headers=auth(me.token))).json()
    assert [(x["site_id"], x["trade"], x["active"]) for x in sites] == [(w.site["site_id"], "05-01", True)]
    assert (await client.get(f"/api/v1/technicians/{me.pk}/sites", headers=auth(stranger.token))).status_code == 404
    # Taps arriving later for that day do not overwrite the approved direct record.
    await w.upload(me.tap("late", at=at(day, 9)))
    await run(client, w, drain)
    [rec] = await records(client, w, me, day)
    assert rec["method"] == "direct"
    pending = (await client.get(f"/api/v1/sites/{site}/direct-inputs", headers=auth(w.prime["token"]))).json()
    assert pending == []


async def test_a_direct_input_whose_day_got_a_record_is_not_approved(client, drain):
    """Taps of the day folded after the direct input was entered: one record per technician × site × day, so the
    approval is refused with overlapping_record, writes nothing and leaves the input pending for a rejection."""
    w = await make_world(client)
    me = await w.worker(w.prime)
    await w.roster(w.prime, me)
    site = w.site["id"]
    day = datetime.now(JST).date() - timedelta(days=2)
    r = await client.post(
        f"/api/v1/sites/{site}/direct-inputs",
        headers=auth(me.token),
        json={
            "technician_id": me.technician_id,
            "start_at": at(day, 8).isoformat(),
            "end_at": at(day, 17).isoformat(),
            "reason": "カードを忘れたため",
        },
    )
    assert r.status_code == 201, r.text
    item = r.json()
    await w.upload(me.tap("d1", at=at(day, 8, 5)), me.tap("d2", at=at(day, 17, 5), seq=2))
    await run(client, w, drain)
    [before] = await records(client, w, me, day)
    url = f"/api/v1/sites/{site}/direct-inputs/{item['id']}"
    r = await client.post(f"{url}/approve", headers=auth(w.prime["token"]))
    assert (r.status_code, r.json()["error"]) == (409, "overlapping_record"), r.text
    assert await records(client, w, me, day) == [before]  # the folded record, untouched
    waiting = (await client.get(f"/api/v1/sites/{site}/direct-inputs", headers=auth(w.prime["token"]))).json()
    assert [(d["id"], d["status"]) for d in waiting] == [(item["id"], "pending")]
    r = await client.post(f"{url}/reject", headers=auth(w.prime["token"]), json={"note": "打刻あり"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"


async def test_batch_names_are_checked(client):
    w = await make_world(client)
    assert (await client.post("/api/v1/admin/batches/everything", headers=auth(w.op))).status_code == 404
    assert (await client.post("/api/v1/admin/batches/fold", headers=auth(w.prime["token"]))).status_code == 403
