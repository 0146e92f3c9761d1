"""The virtual card (issue 20 items 4 and 5, docs/virtual-card.md): a rotating code signed by the technician's phone,
read by a site's kiosk or a site manager's phone, becomes a tap with method `virtual_card` through the one ingest —
each check with its reason, once per site, a lost card's code refused and the reissued card's accepted."""

import uuid
from datetime import datetime, timedelta

from api.timeutil import JST
from tests.api.helpers import auth, table_counts
from tests.api.site_world import make_world
from tests.api.vcard_helpers import Phone, read


async def _setup(client, employer: str = "prime"):
    w = await make_world(client)
    me = await w.worker(getattr(w, employer))
    if employer == "prime":  # a subcontractor outside the contract tree cannot put them on the roster yet
        await w.roster(w.prime, me)
    phone = Phone.new()
    r = await client.post("/api/v1/phone/device-keys", headers=auth(me.token), json={"public_key": phone.spki})
    assert r.status_code == 201, r.text
    kiosk = await w.enrol_device("kiosk")
    return w, me, phone, kiosk


def _code(w, me, phone, **over) -> str:
    return phone.code(**{"technician_id": me.technician_id, "serial": me.serial, "site_id": w.site["site_id"], **over})


async def _send(client, token, *reads):
    r = await client.post("/api/v1/taps/virtual-cards", headers=auth(token), json={"taps": list(reads)})
    assert r.status_code == 200, r.text
    return r.json()


async def _taps(client, w):
    r = await client.get(f"/api/v1/sites/{w.site['id']}/taps", headers=auth(w.prime["token"]))
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_read_is_a_virtual_card_tap_once_per_site(client):
    w, me, phone, kiosk = await _setup(client)
    card = await client.get("/api/v1/phone/virtual-card", headers=auth(me.token))
    assert card.status_code == 200, card.text
    assert (card.json()["card_serial"], card.json()["technician_id"], card.json()["step_s"]) == (
        me.serial,
        me.technician_id,
        30,
    )
    code = _code(w, me, phone)
    first = read("k1", code)
    out = await _send(client, kiosk, first)
    assert out["results"] == [
        {"index": 0, "idempotency_key": "k1", "status": "accepted", "duplicate": False, "reject_reason": None}
    ]
    again = await _send(client, kiosk, first)  # the kiosk's retry after a lost answer
    assert again["results"][0]["duplicate"] is True and again["results"][0]["status"] == "accepted"
    # The same code read again (a photo of the phone, or the site manager's phone reading it too): on record, refused.
    second = await client.post("/api/v1/taps/virtual-card", headers=auth(kiosk), json=read("k2", code))
    assert second.status_code == 200 and second.json()["reject_reason"] == "virtual_card_replayed"
    taps = await _taps(client, w)
    assert sorted((t["method"], t["status"], t["reject_reason"] or "") for t in taps) == [
        ("virtual_card", "accepted", ""),
        ("virtual_card", "rejected", "virtual_card_replayed"),
    ]
    # A re-sent key with another code is not that read.
    other = _code(w, me, phone, step=int(datetime.now(JST).timestamp()) // 30 - 1)
    r = await client.post("/api/v1/taps/virtual-card", headers=auth(kiosk), json={**first, "code": other})
    assert (r.status_code, r.json()["error"]) == (409, "idempotency_key_reused")


async def test_each_bad_code_gets_its_reason(client):
    w, me, phone, kiosk = await _setup(client)
    other_me = await w.worker(w.prime)
    await w.roster(w.prime, other_me)
    now = datetime.now(JST)
    step = int(now.timestamp()) // 30
    stranger = Phone.new()  # never registered
    forger = Phone.new()  # signs with the real key's id: the signature does not match the registered key
    other_site = await w.create_site(name="別現場")
    cases = [
        _code(w, me, phone, step=step - 3),  # 90–120 s old: a photo of the screen, kept
        _code(w, me, phone, step=step + 2),  # from the future
        _code(w, me, phone, site_id=other_site["site_id"]),  # made for another site
        stranger.code(technician_id=me.technician_id, serial=me.serial, site_id=w.site["site_id"]),
        forger.code(
            technician_id=me.technician_id, serial=me.serial, site_id=w.site["site_id"], key_prefix=phone.key_id[:16]
        ),
        _code(w, me, phone, serial="00" * 8),  # no such card
        _code(w, me, phone, technician_id=other_me.technician_id),  # someone else's ID on my card
        _code(w, me, phone, at=now + timedelta(hours=1)),  # read by a kiosk whose clock is far ahead (below)
    ]
    reads = [read(f"b{i}", c) for i, c in enumerate(cases)]
    reads[-1]["device_time"] = (now + timedelta(hours=1)).isoformat()
    out = await _send(client, kiosk, *reads)
    assert [x["reject_reason"] for x in out["results"]] == [
        "virtual_card_stale",
        "virtual_card_future",
        "virtual_card_other_site",
        "virtual_card_key_unknown",
        "virtual_card_bad_signature",
        "unknown_card",
        "technician_mismatch",
        "device_time_in_future",
    ]
    assert out["errors"] == []
    # None of them used up the real code of this moment: it is accepted after them.
    good = await _send(client, kiosk, read("g1", _code(w, me, phone, step=step)))
    assert good["results"][0]["status"] == "accepted", good


async def test_text_that_is_no_code_is_refused_and_writes_nothing(client):
    w, me, phone, kiosk = await _setup(client)
    code = _code(w, me, phone)
    before = await table_counts()
    bad = [
        "hello",
        "OCQR1.12345678901234.20261206." + "0" * 32,  # the gate code, not a virtual card
        code.rsplit(".", 1)[0],  # unsigned
        code.rsplit(".", 1)[0] + ".AAAA",  # a cut signature
        code.replace("OCVC1", "OCVC2"),
    ]
    for i, text in enumerate(bad):
        r = await client.post("/api/v1/taps/virtual-card", headers=auth(kiosk), json=read(f"x{i}", text))
        assert (r.status_code, r.json()["error"]) == (422, "virtual_card_invalid"), text
    out = await _send(client, kiosk, *(read(f"y{i}", t) for i, t in enumerate(bad)))
    assert out["results"] == [] and {e["error"] for e in out["errors"]} == {"virtual_card_invalid"}
    r = await client.post("/api/v1/taps/virtual-card", headers=auth(kiosk), json={**read("z", code), "direction": "up"})
    assert r.status_code == 422
    r = await client.post("/api/v1/taps/virtual-card", headers=auth(me.token), json=read("z", code))
    assert r.status_code == 403  # a technician cannot upload reads of their own code
    assert await table_counts() == before


async def test_a_lost_cards_virtual_card_is_refused_and_the_reissued_ones_accepted(client):
    w, me, phone, kiosk = await _setup(client)
    old_code = _code(w, me, phone)
    r = await client.post(f"/api/v1/technicians/{me.pk}/card-reissue", headers=auth(me.token), json={"reason": "lost"})
    assert r.status_code in (200, 201), r.text
    card = (await client.get("/api/v1/phone/virtual-card", headers=auth(me.token))).json()
    assert card["card_serial"] != me.serial
    roster = (await client.get("/api/v1/virtual-cards/roster", headers=auth(kiosk))).json()
    assert [h["card_serial"] for h in roster["holders"]] == [card["card_serial"]]  # the lost card is gone
    assert roster["holders"][0]["keys"] == [{"key_id": phone.key_id, "public_key": phone.spki}]
    assert roster["site_id"] == w.site["site_id"] and "name" in roster["holders"][0]
    new_code = _code(w, me, phone, serial=card["card_serial"])
    out = await _send(client, kiosk, read("l1", old_code), read("l2", new_code))
    assert [(x["status"], x["reject_reason"]) for x in out["results"]] == [
        ("rejected", "card_revoked"),
        ("accepted", None),
    ]


async def test_an_offline_read_uploaded_later_is_checked_at_its_read_time(client, drain):
    w, me, phone, kiosk = await _setup(client)
    then = datetime.now(JST) - timedelta(hours=3)
    out = await _send(client, kiosk, read("o1", _code(w, me, phone, at=then), at=then))
    assert out["results"][0]["status"] == "accepted"
    # The fold makes it a work record like any accepted tap, recorded by virtual card.
    assert (await client.post("/api/v1/admin/batches/fold", headers=auth(w.op))).status_code == 202
    await drain()
    r = await client.get(
        f"/api/v1/sites/{w.site['id']}/work-records",
        headers=auth(w.prime["token"]),
        params={"work_date": then.date().isoformat()},
    )
    assert [rec["method"] for rec in r.json()] == ["virtual_card"]
    # Its read time is what counts: the same code claimed to be read now is stale.
    out = await _send(client, kiosk, read("o2", _code(w, me, phone, at=then)))
    assert out["results"][0]["reject_reason"] == "virtual_card_stale"
    # Past the upload deadline (the end of the month after the work day): refused, nothing written.
    long_ago = datetime.now(JST) - timedelta(days=75)
    out = await _send(client, kiosk, read("o3", _code(w, me, phone, at=long_ago), at=long_ago))
    assert out["results"] == [] and out["errors"][0]["error"] == "past_upload_deadline"


async def test_the_ingest_rules_apply_pending_employer_and_window(client):
    # A subcontractor not yet in the site's contract tree: the tap is pending, as a card tap would be.
    w, me, phone, kiosk = await _setup(client, employer="sub")
    out = await _send(client, kiosk, read("p1", _code(w, me, phone)))
    assert out["results"][0]["status"] == "pending"
    today = datetime.now(JST).date()
    w.site = await w.create_site(
        window_start=(today - timedelta(days=60)).isoformat(), window_end=(today - timedelta(days=1)).isoformat()
    )
    kiosk2 = await w.enrol_device("kiosk")
    out = await _send(client, kiosk2, read("p2", _code(w, me, phone)))
    assert (out["results"][0]["status"], out["results"][0]["reject_reason"]) == ("rejected", "outside_window")


async def test_the_phone_needs_a_key_and_an_active_card(client):
    w = await make_world(client)
    me = await w.worker(w.prime)
    r = await client.get("/api/v1/phone/virtual-card", headers=auth(me.token))
    assert (r.status_code, r.json()["error"]) == (422, "device_key_unknown")
    phone = Phone.new()
    await client.post("/api/v1/phone/device-keys", headers=auth(me.token), json={"public_key": phone.spki})
    await client.post(f"/api/v1/cards/{me.serial}/revoke", headers=auth(me.token), json={"reason": "lost"})
    r = await client.get("/api/v1/phone/virtual-card", headers=auth(me.token))
    assert (r.status_code, r.json()["error"]) == (409, "no_active_card")
    r = await client.get("/api/v1/phone/virtual-card", headers=auth(w.prime["token"]))
    assert r.status_code == 403
    # The roster holds only active cards of the site's roster with a phone key: here nobody.
    kiosk = await w.enrol_device("kiosk")
    roster = (await client.get("/api/v1/virtual-cards/roster", headers=auth(kiosk))).json()
    assert roster["holders"] == [] and uuid.UUID(int=0)
