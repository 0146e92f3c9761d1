import os
from datetime import datetime, timedelta

from api.timeutil import JST
from tests.api.helpers import auth, login, table_counts
from tests.api.site_world import make_world


async def _taps(client, w, **params):
    r = await client.get(f"/api/v1/sites/{w.site['id']}/taps", headers=auth(w.prime["token"]), params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def test_card_taps_are_checked_and_stored_once(client):
    w = await make_world(client)
    me = await w.worker(w.prime)
    challenge = os.urandom(16)
    good = me.tap("dev:1", challenge=challenge)
    r = await w.upload(good)
    assert r.status_code == 200 and r.json()["results"] == [
        {"index": 0, "idempotency_key": "dev:1", "status": "accepted", "duplicate": False, "reject_reason": None}
    ]
    again = await w.upload(good)  # a retry after a lost answer: the stored verdict, marked as a duplicate
    assert again.json()["results"] == [
        {"index": 0, "idempotency_key": "dev:1", "status": "accepted", "duplicate": True, "reject_reason": None}
    ]
    replay = {**good, "idempotency_key": "dev:2", "device_seq": 2}  # a recorded exchange sent again
    forged = me.tap("dev:3", seq=3, response=os.urandom(16))
    r = await w.upload(replay, forged)
    assert [x["reject_reason"] for x in r.json()["results"]] == ["replayed_challenge", "bad_card_response"]
    taps = await _taps(client, w)
    assert len(taps) == 3 and {t["status"] for t in taps} == {"accepted", "rejected"}
    rejected = await _taps(client, w, status="rejected")
    assert sorted(t["reject_reason"] for t in rejected) == ["bad_card_response", "replayed_challenge"]


async def test_each_bad_tap_gets_its_reason(client):
    w = await make_world(client)
    me = await w.worker(w.prime)
    other = await w.worker(w.prime)
    fresh = await w.worker(w.prime, issued_days_ago=0)
    now = datetime.now(JST)
    mismatch = me.tap("k5")
    mismatch["technician_id"] = other.technician_id
    unknown = me.tap("k6")
    unknown["card_serial"] = "00" * 8
    cases = [
        me.tap("k1", at=now + timedelta(hours=2)),
        fresh.tap("k3", at=now - timedelta(days=2)),  # before the card was issued (today)
        mismatch,
        unknown,
    ]
    r = await w.upload(*cases)
    reasons = [x["reject_reason"] for x in r.json()["results"]]
    assert reasons == ["device_time_in_future", "card_expired", "technician_mismatch", "unknown_card"]
    await client.post(f"/api/v1/cards/{me.serial}/revoke", headers=auth(me.token), json={"reason": "lost"})
    r = await w.upload(me.tap("k7"))
    assert r.json()["results"][0]["reject_reason"] == "card_revoked"


async def test_window_and_night_shift_work_day(client, drain):
    w = await make_world(client)
    me = await w.worker(w.prime)
    today = datetime.now(JST).date()
    w.site = await w.create_site(
        window_start=(today - timedelta(days=3)).isoformat(),
        window_end=(today + timedelta(days=3)).isoformat(),
        cutoff_hour=5,
    )
    w.device_token = await w.enrol_device()
    night = datetime.combine(today - timedelta(days=1), datetime.min.time(), JST).replace(hour=2, minute=30)
    evening = night - timedelta(hours=6)  # 20:30 the day before
    old = night - timedelta(days=5)
    r = await w.upload(me.tap("n1", at=evening), me.tap("n2", at=night, seq=2), me.tap("n3", at=old, seq=3))
    assert [x["status"] for x in r.json()["results"]] == ["accepted", "accepted", "rejected"]
    assert r.json()["results"][2]["reject_reason"] == "outside_window"
    # A tap keeps its own Japan date; 20:30 and 02:30 are one night shift, one record on the evening's day.
    days = sorted(t["work_date"] for t in await _taps(client, w) if t["status"] == "accepted")
    assert days == [evening.date().isoformat(), night.date().isoformat()]
    assert (await client.post("/api/v1/admin/batches/fold", headers=auth(w.op))).status_code == 202
    await drain()
    r = await client.get(
        f"/api/v1/sites/{w.site['id']}/work-records",
        headers=auth(w.prime["token"]),
        params={"work_date": evening.date().isoformat()},
    )
    [rec] = r.json()
    assert datetime.fromisoformat(rec["first_in"]) == evening and datetime.fromisoformat(rec["last_out"]) == night
    r = await client.get(
        f"/api/v1/sites/{w.site['id']}/work-records",
        headers=auth(w.prime["token"]),
        params={"work_date": night.date().isoformat()},
    )
    assert r.json() == []


async def test_taps_wait_for_the_employer_to_join_the_tree(client, drain):
    w = await make_world(client)
    sub_worker = await w.worker(w.sub)
    r = await w.upload(sub_worker.tap("p1"))
    assert r.json()["results"][0]["status"] == "pending"
    await w.join(w.sub, w.prime)  # by proxy: joins at once
    await drain()
    assert [t["status"] for t in await _taps(client, w)] == ["accepted"]


async def test_batch_with_bad_items_stores_the_good_ones(client):
    w = await make_world(client)
    me = await w.worker(w.prime)
    other_site = await w.create_site(name="別現場")
    bad_site = {**me.tap("b3", seq=3), "site_id": other_site["site_id"]}
    batch = [me.tap("b1"), {"idempotency_key": "b2", "technician_id": "123"}, bad_site, me.tap("b4", seq=4)]
    r = await w.upload(*batch)
    body = r.json()
    assert r.status_code == 200
    assert [x["index"] for x in body["results"]] == [0, 3]
    assert [(e["index"], e["error"]) for e in body["errors"]] == [(1, "invalid_tap"), (2, "wrong_site")]
    before = await table_counts()
    for bad in ({"taps": "nope"}, {"taps": []}, {"taps": [me.tap(f"x{i}") for i in range(1001)]}):
        r = await client.post("/api/v1/taps/batch", headers=auth(w.device_token), json=bad)
        assert r.status_code == 422
    r = await client.post(
        "/api/v1/taps/batch", headers={**auth(w.device_token), "content-type": "application/json"}, content=b"{"
    )
    assert r.status_code == 400
    assert await table_counts() == before


async def test_single_tap_endpoint(client):
    w = await make_world(client)
    me = await w.worker(w.prime)
    r = await client.post("/api/v1/taps", headers=auth(w.device_token), json=me.tap("s1"))
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = await client.post("/api/v1/taps", headers=auth(w.device_token), json={**me.tap("s2"), "device_seq": 0})
    assert r.status_code == 422


async def test_private_systems_push_attendance(client):
    w = await make_world(client)
    me = await w.worker(w.prime)
    r = await client.post(
        f"/api/v1/businesses/{w.prime['business']['id']}/api-clients",
        headers=auth(w.prime["token"]),
        json={"name": "グリーンサイト連携"},
    )
    creds = r.json()
    token = await login(client, creds["client_id"], creds["client_secret"])
    at = datetime.now(JST).replace(microsecond=0) - timedelta(hours=9)
    rec = {
        "idempotency_key": "gs-1",
        "site_id": w.site["site_id"],
        "technician_id": me.technician_id,
        "event": "in",
        "at": at.isoformat(),
        "trade": "05-01",
        "position": "foreman",
        "work_content": "配筋",
    }
    no_trade = {k: v for k, v in rec.items() if k != "trade"} | {"idempotency_key": "gs-2"}
    elsewhere = await w.create_site(name="他社現場")
    r = await client.post(
        "/api/v1/attendance",
        headers=auth(token),
        json={
            "records": [
                rec,
                no_trade,
                {**rec, "idempotency_key": "gs-3", "site_id": "12345678901234"},
                {**rec, "idempotency_key": "gs-4", "event": "out", "at": (at + timedelta(hours=9)).isoformat()},
            ]
        },
    )
    body = r.json()
    assert [(x["index"], x["status"]) for x in body["results"]] == [(0, "accepted"), (3, "accepted")]
    assert [(e["index"], e["error"]) for e in body["errors"]] == [(1, "invalid_tap"), (2, "site_not_allowed")]
    r = await client.post("/api/v1/attendance", headers=auth(token), json={"records": [rec]})
    assert r.json()["results"][0] == {
        "index": 0,
        "idempotency_key": "gs-1",
        "status": "accepted",
        "duplicate": True,
        "reject_reason": None,
    }
    # The same key with other content is another record, not this one: refused, nothing stored.
    r = await client.post("/api/v1/attendance", headers=auth(token), json={"records": [{**rec, "event": "out"}]})
    assert r.json()["results"] == [] and r.json()["errors"][0]["error"] == "idempotency_key_reused"
    assert elsewhere["prime_pk"] == w.prime["business"]["id"]
    stranger = await client.post(
        f"/api/v1/businesses/{w.sub['business']['id']}/api-clients",
        headers=auth(w.sub["token"]),
        json={"name": "other"},
    )
    t2 = await login(client, stranger.json()["client_id"], stranger.json()["client_secret"])
    r = await client.post("/api/v1/attendance", headers=auth(t2), json={"records": [rec]})
    assert r.json()["errors"][0]["error"] == "site_not_allowed"
    taps = await _taps(client, w)
    assert sorted(t["direction"] for t in taps) == ["in", "out"] and {t["method"] for t in taps} == {"api"}


async def test_clone_then_genuine_card_within_seconds(client):
    """A cloned card (right serial, no key) is refused; the genuine card of the same serial tapped right after is a
    tap of its own, checked and accepted. Only the same tap (same key AND content) is ever a duplicate."""
    w = await make_world(client)
    me = await w.worker(w.prime)
    clone = me.tap("d:1", response=os.urandom(16))
    genuine = me.tap("d:2", seq=2)
    r = await w.upload(clone)
    assert r.json()["results"][0] == {
        "index": 0,
        "idempotency_key": "d:1",
        "status": "rejected",
        "duplicate": False,
        "reject_reason": "bad_card_response",
    }
    r = await w.upload(genuine)
    assert r.json()["results"][0] == {
        "index": 0,
        "idempotency_key": "d:2",
        "status": "accepted",
        "duplicate": False,
        "reject_reason": None,
    }
    # A reader that re-used the clone's key for the genuine tap is told so, not "already recorded".
    reused = {**me.tap("d:1", seq=3)}
    r = await w.upload(reused)
    assert r.json()["results"] == []
    assert r.json()["errors"][0]["index"] == 0 and r.json()["errors"][0]["error"] == "idempotency_key_reused"
    r = await client.post("/api/v1/taps", headers=auth(w.device_token), json=reused)
    assert r.status_code == 409 and r.json()["error"] == "idempotency_key_reused"
    # The clone's own tap, re-sent after a lost answer: its real verdict.
    r = await w.upload(clone)
    assert r.json()["results"][0] == {
        "index": 0,
        "idempotency_key": "d:1",
        "status": "rejected",
        "duplicate": True,
        "reject_reason": "bad_card_response",
    }
    taps = await _taps(client, w)
    assert sorted((t["status"], t["reject_reason"]) for t in taps) == [
        ("accepted", None),
        ("rejected", "bad_card_response"),
    ]


async def test_overlapping_batches_store_each_tap_once_and_say_which_were_new(client):
    w = await make_world(client)
    me = await w.worker(w.prime)
    a, b, c = me.tap("o:1"), me.tap("o:2", seq=2, response=os.urandom(16)), me.tap("o:3", seq=3)
    first = (await w.upload(a, b)).json()["results"]
    second = (await w.upload(b, c, a)).json()["results"]
    assert [(x["idempotency_key"], x["duplicate"]) for x in first] == [("o:1", False), ("o:2", False)]
    assert [(x["idempotency_key"], x["status"], x["duplicate"], x["reject_reason"]) for x in second] == [
        ("o:2", "rejected", True, "bad_card_response"),
        ("o:3", "accepted", False, None),
        ("o:1", "accepted", True, None),
    ]
    # The same key twice in one batch: one tap.
    d = me.tap("o:4", seq=4)
    r = (await w.upload(d, d)).json()["results"]
    assert [(x["status"], x["duplicate"]) for x in r] == [("accepted", False), ("accepted", True)]
    # … and the same key twice with different content: the second is not that tap.
    e = me.tap("o:5", seq=5)
    r = (await w.upload(e, {**e, "device_seq": 6})).json()
    assert [x["index"] for x in r["results"]] == [0] and r["errors"][0]["error"] == "idempotency_key_reused"
    assert len(await _taps(client, w)) == 5


def _first_of_month(d):
    return d.replace(day=1)


async def test_late_upload_until_the_direct_input_deadline(client, monkeypatch):
    """An offline reader may upload until the end of the month after the tap's day (Japan time), however many days
    that is; after it the tap is refused with the deadline named, and nothing is stored."""
    import api.attendance.routes as routes

    w = await make_world(client)
    me = await w.worker(w.prime)
    today = datetime.now(JST).date()
    early = datetime.combine(_first_of_month(today), datetime.min.time(), JST).replace(hour=8)  # the 1st, 08:00
    late = datetime.combine(_first_of_month(today) - timedelta(days=1), datetime.min.time(), JST).replace(hour=8)
    monkeypatch.setattr(routes, "now", lambda: early + timedelta(days=40))  # 40 days on: still the next month
    r = (await w.upload(me.tap("l:1", at=early))).json()
    assert r["results"][0]["status"] == "accepted" and r["errors"] == []
    monkeypatch.setattr(routes, "now", lambda: late + timedelta(days=40))  # 40 days on: past the next month's end
    before = await table_counts()
    r = (await w.upload(me.tap("l:2", at=late, seq=2))).json()
    deadline = _first_of_month(_first_of_month(today) + timedelta(days=31)) - timedelta(days=1)
    assert r["results"] == [] and r["errors"][0]["error"] == "past_upload_deadline"
    assert r["errors"][0]["deadline"] == deadline.isoformat() and deadline.isoformat() in r["errors"][0]["message"]
    assert await table_counts() == before
    r = await client.post("/api/v1/taps", headers=auth(w.device_token), json=me.tap("l:3", at=late, seq=3))
    assert r.status_code == 422 and r.json()["error"] == "past_upload_deadline"
    # A private attendance system that was offline: the same deadline for its pushed entries and exits.
    from tests.api.test_workrecords_shifts import api_client, push

    token = await api_client(client, w)
    before = await table_counts()
    r = await client.post("/api/v1/attendance", headers=auth(token), json={"records": [push(w, me, "l:4", "in", late)]})
    assert r.status_code == 200 and r.json()["results"] == [], r.text
    assert (r.json()["errors"][0]["error"], r.json()["errors"][0]["deadline"]) == (
        "past_upload_deadline",
        deadline.isoformat(),
    )
    assert await table_counts() == before
    monkeypatch.setattr(routes, "now", lambda: early + timedelta(days=40))
    r = await client.post(
        "/api/v1/attendance", headers=auth(token), json={"records": [push(w, me, "l:5", "in", early)]}
    )
    assert [x["status"] for x in r.json()["results"]] == ["accepted"], r.text
