"""Phone check-in (issue 20, docs/phone.md): each check and its policy, the gate code, the review queue, the map and
signed offline check-ins — through the HTTP API, on both back ends."""

import asyncio
import base64
import json
import re
import uuid
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from api.timeutil import JST
from tests.api.helpers import auth, table_counts
from tests.api.site_world import make_world

LAT, LON = 35.681236, 139.767125  # the fence's centre (radius 100 m)


async def _setup(client, **policy):
    w = await make_world(client)
    me = await w.worker(w.prime)
    await w.roster(w.prime, me)
    r = await client.put(
        f"/api/v1/sites/{w.site['id']}/phone-settings",
        headers=auth(w.prime["token"]),
        json={"geofence": {"lat": LAT, "lon": LON, "radius_m": 100}, "max_accuracy_m": 50, "policy": policy},
    )
    assert r.status_code == 200, r.text
    return w, me


def _body(w, *, key=None, at=None, lat=LAT, lon=LON, accuracy=10.0, direction="in", **over):
    return {
        "idempotency_key": key or uuid.uuid4().hex,
        "site_id": w.site["site_id"],
        "direction": direction,
        "client_time": (at or datetime.now(JST)).isoformat(),
        "lat": lat,
        "lon": lon,
        "accuracy_m": accuracy,
        **over,
    }


async def _checkin(client, me, body):
    return await client.post("/api/v1/phone/checkins", headers=auth(me.token), json=body)


async def _queue(client, w, **params):
    r = await client.get(f"/api/v1/sites/{w.site['id']}/phone-checkins", headers=auth(w.prime["token"]), params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def test_in_fence_check_in_is_a_phone_tap_through_the_ingest(client):
    w, me = await _setup(client)
    body = _body(w, lat=LAT + 0.0005)  # ~55 m north of the centre: inside
    r = await _checkin(client, me, body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["outcome"], out["reasons"], out["distance_m"], out["tap_status"], out["duplicate"]) == (
        "accepted",
        [],
        0.0,
        "accepted",
        False,
    )
    again = await _checkin(client, me, body)  # a retry after a lost answer
    assert again.json()["id"] == out["id"] and again.json()["duplicate"] is True
    reused = await _checkin(client, me, {**body, "lat": LAT + 0.0006})
    assert (reused.status_code, reused.json()["error"]) == (409, "idempotency_key_reused")
    taps = (await client.get(f"/api/v1/sites/{w.site['id']}/taps", headers=auth(w.prime["token"]))).json()
    assert [(t["method"], t["direction"], t["status"]) for t in taps] == [("phone", "in", "accepted")]


async def test_out_of_fence_goes_to_review_and_is_decided_once(client):
    w, me = await _setup(client)
    r = await _checkin(client, me, _body(w, lat=LAT + 0.0027))  # ~300 m north: 200 m outside
    out = r.json()
    assert out["outcome"] == "review" and out["tap_status"] is None
    assert [x["code"] for x in out["reasons"]] == ["out_of_fence"] and 190 < out["distance_m"] < 210
    queue = await _queue(client, w, outcome="review", undecided="true")
    assert [q["id"] for q in queue] == [out["id"]]
    url = f"/api/v1/sites/{w.site['id']}/phone-checkins/{out['id']}/decision"
    # Several managers' clicks at once: exactly one decision wins, the others are told it is decided.
    rs = await asyncio.gather(
        *(client.post(url, headers=auth(w.prime["token"]), json={"approve": True}) for _ in range(6))
    )
    assert sorted(x.status_code for x in rs) == [200] + [409] * 5
    assert {x.json()["error"] for x in rs if x.status_code == 409} == {"already_decided"}
    taps = (await client.get(f"/api/v1/sites/{w.site['id']}/taps", headers=auth(w.prime["token"]))).json()
    assert [(t["method"], t["status"]) for t in taps] == [("phone", "accepted")]
    assert await _queue(client, w, outcome="review", undecided="true") == []
    # A rejected one leaves no tap.
    other = (await _checkin(client, me, _body(w, lat=LAT - 0.0027, direction="out"))).json()
    r = await client.post(
        f"/api/v1/sites/{w.site['id']}/phone-checkins/{other['id']}/decision",
        headers=auth(w.prime["token"]),
        json={"approve": False},
    )
    assert r.status_code == 200 and r.json()["approved"] is False
    assert len((await client.get(f"/api/v1/sites/{w.site['id']}/taps", headers=auth(w.prime["token"]))).json()) == 1
    accepted = (await _checkin(client, me, _body(w))).json()
    r = await client.post(
        f"/api/v1/sites/{w.site['id']}/phone-checkins/{accepted['id']}/decision",
        headers=auth(w.prime["token"]),
        json={"approve": True},
    )
    assert (r.status_code, r.json()["error"]) == (409, "not_in_review")


async def test_refuse_policy_answers_the_reason_and_writes_nothing(client):
    w, me = await _setup(client, out_of_fence="refuse", low_accuracy="refuse")
    before = await table_counts()
    r = await _checkin(client, me, _body(w, lat=LAT + 0.0027))
    assert (r.status_code, r.json()["error"]) == (422, "out_of_fence")
    assert "m outside the fence" in r.json()["fields"][0]["message"]
    r = await _checkin(client, me, _body(w, accuracy=400))
    assert (r.status_code, r.json()["error"]) == (422, "low_accuracy")
    assert await table_counts() == before


async def test_low_accuracy_under_review_policy(client):
    w, me = await _setup(client)
    out = (await _checkin(client, me, _body(w, accuracy=120))).json()
    assert out["outcome"] == "review" and [x["code"] for x in out["reasons"]] == ["low_accuracy"]


async def test_implausible_travel_between_two_check_ins(client):
    w, me = await _setup(client)
    now = datetime.now(JST)
    far = (await _checkin(client, me, _body(w, at=now - timedelta(minutes=8), lat=LAT + 0.5))).json()  # ~55 km away
    assert [x["code"] for x in far["reasons"]] == ["out_of_fence"]
    here = (await _checkin(client, me, _body(w, at=now))).json()  # 55 km in 8 minutes
    assert here["outcome"] == "review" and [x["code"] for x in here["reasons"]] == ["implausible_travel"]
    assert "km/h" in here["reasons"][0]["detail"]
    walk = (
        await _checkin(client, me, _body(w, at=now + timedelta(minutes=1), lat=LAT + 0.0003, direction="out"))
    ).json()
    assert walk["outcome"] == "accepted"  # 30 m in a minute


async def test_gate_code_checks(client):
    w, me = await _setup(client)
    gate = (await client.get(f"/api/v1/sites/{w.site['id']}/gate-qr", headers=auth(w.prime["token"]))).json()
    assert gate["payload"].startswith("OCQR1." + w.site["site_id"]) and "<svg" in gate["svg"]
    assert gate["url"].endswith("/phone?qr=" + gate["payload"])
    body = _body(w, qr=gate["payload"])
    del body["site_id"]  # the code alone names the site
    out = (await _checkin(client, me, body)).json()
    assert out["outcome"] == "accepted" and out["site_id"] == w.site["site_id"]
    replay = (await _checkin(client, me, {**body, "idempotency_key": "again"})).json()
    assert replay["outcome"] == "review" and [x["code"] for x in replay["reasons"]] == ["qr_replayed"]
    assert (await _checkin(client, me, {**body, "idempotency_key": "exit", "direction": "out"})).json()[
        "outcome"
    ] == "accepted"
    yesterday = (datetime.now(JST).date() - timedelta(days=1)).isoformat()
    old = (
        await client.get(
            f"/api/v1/sites/{w.site['id']}/gate-qr", params={"day": yesterday}, headers=auth(w.prime["token"])
        )
    ).json()["payload"]
    other_site = await w.create_site(name="別現場")
    other = (await client.get(f"/api/v1/sites/{other_site['id']}/gate-qr", headers=auth(w.prime["token"]))).json()
    before = await table_counts()
    r = await _checkin(client, me, {**body, "idempotency_key": "old", "qr": old})
    assert (r.status_code, r.json()["error"]) == (422, "qr_expired")  # default policy: refuse
    r = await _checkin(
        client, me, {**body, "idempotency_key": "other", "qr": other["payload"], "site_id": w.site["site_id"]}
    )
    assert (r.status_code, r.json()["error"]) == (422, "qr_other_site")
    forged = re.sub(r"[0-9a-f]{4}$", "0000", gate["payload"])
    r = await _checkin(client, me, {**body, "idempotency_key": "forged", "qr": forged})
    assert (r.status_code, r.json()["error"]) == (422, "qr_invalid")
    assert await table_counts() == before
    page = await client.get(f"/api/v1/sites/{w.site['id']}/gate-qr/print", headers=auth(w.prime["token"]))
    assert page.status_code == 200 and "<svg" in page.text and gate["payload"] in page.text


async def test_bad_times_sites_and_positions_are_refused_precisely(client):
    w, me = await _setup(client)
    off = await w.create_site(name="電話なし現場")
    stranger = await w.worker(w.prime)
    before = await table_counts()
    now = datetime.now(JST)
    cases = [
        (_body(w, at=now + timedelta(minutes=30)), 422, "client_time_in_future"),
        (_body(w, at=now - timedelta(minutes=30)), 422, "client_time_stale"),
        (_body(w, lat=95), 422, "validation_error"),
        (_body(w, accuracy=0), 422, "validation_error"),
        ({k: v for k, v in _body(w).items() if k != "site_id"}, 422, "site_required"),
        (_body(w, site_id="00000000000000"), 404, "site_not_found"),
    ]
    for body, status, code in cases:
        r = await _checkin(client, me, body)
        assert (r.status_code, r.json()["error"]) == (status, code), (body, r.text)
    r = await _checkin(client, me, _body(w, site_id=off["site_id"]))
    assert (r.status_code, r.json()["error"]) == (409, "phone_checkin_off")
    r = await _checkin(client, stranger, _body(w))
    assert (r.status_code, r.json()["error"]) == (403, "not_on_roster")
    r = await client.post("/api/v1/phone/checkins", headers=auth(w.prime["token"]), json=_body(w))
    assert r.status_code == 403
    assert await table_counts() == before


async def test_settings_need_a_fence_and_are_audited(client):
    w, _ = await _setup(client)
    url = f"/api/v1/sites/{w.site['id']}/phone-settings"
    r = await client.put(url, headers=auth(w.prime["token"]), json={"max_accuracy_m": 30})
    assert r.status_code == 422
    poly = [
        [LAT - 0.001, LON - 0.001],
        [LAT - 0.001, LON + 0.001],
        [LAT + 0.001, LON + 0.001],
        [LAT + 0.001, LON - 0.001],
    ]
    r = await client.put(
        url,
        headers=auth(w.prime["token"]),
        json={"polygon": poly, "max_accuracy_m": 30, "policy": {"out_of_fence": "refuse"}, "selfie_required": False},
    )
    assert r.status_code == 200 and r.json()["polygon"] == poly and r.json()["policy"]["out_of_fence"] == "refuse"
    audit = (await client.get("/api/v1/audit", params={"entity_type": "site"}, headers=auth(w.op))).json()
    assert any(a["action"] == "phone.settings" for a in audit)


async def test_map_view_shows_fence_and_positions(client):
    w, me = await _setup(client)
    await _checkin(client, me, _body(w))
    out = (await _checkin(client, me, _body(w, lat=LAT + 0.0027, direction="out"))).json()
    r = await client.get(f"/api/v1/sites/{w.site['id']}/phone-map", headers=auth(w.prime["token"]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert 'class="fence"' in r.text and r.text.count('class="checkin"') == 2
    assert f'data-distance="{out["distance_m"]:.1f}"' in r.text


# ------------------------------------------------------------------------------------------------ signed (offline)


def _phone_key():
    private = ec.generate_private_key(ec.SECP256R1())
    spki = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, base64.b64encode(spki).decode()


def _sign(private, message: str) -> str:
    r, s = decode_dss_signature(private.sign(message.encode(), ec.ECDSA(hashes.SHA256())))
    return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()


async def test_signed_offline_check_in_is_accepted_late_once(client):
    w, me = await _setup(client)
    private, spki = _phone_key()
    r = await client.post("/api/v1/phone/device-keys", headers=auth(me.token), json={"public_key": spki})
    assert r.status_code == 201, r.text
    key_id = r.json()["key_id"]
    message = json.dumps(_body(w, at=datetime.now(JST) - timedelta(hours=2), nonce="n" * 20))
    signed = {"key_id": key_id, "message": message, "signature": _sign(private, message)}
    r = await client.post("/api/v1/phone/checkins/signed", headers=auth(me.token), json=signed)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["signed"] is True and out["outcome"] == "accepted" and 7100 < out["delay_s"] < 7300
    again = await client.post("/api/v1/phone/checkins/signed", headers=auth(me.token), json=signed)
    assert again.json()["duplicate"] is True and again.json()["id"] == out["id"]
    stranger = await w.worker(w.prime)
    before = await table_counts()
    # The same nonce under another idempotency key: a replay, refused by the (key, nonce) constraint.
    m2 = json.dumps({**json.loads(message), "idempotency_key": "other"})
    r = await client.post(
        "/api/v1/phone/checkins/signed",
        headers=auth(me.token),
        json={"key_id": key_id, "message": m2, "signature": _sign(private, m2)},
    )
    assert (r.status_code, r.json()["error"]) == (409, "signature_replayed")
    tampered = message.replace(str(LAT), str(LAT + 0.001))
    r = await client.post("/api/v1/phone/checkins/signed", headers=auth(me.token), json={**signed, "message": tampered})
    assert (r.status_code, r.json()["error"]) == (422, "signature_invalid")
    other_private, _ = _phone_key()
    r = await client.post(
        "/api/v1/phone/checkins/signed",
        headers=auth(me.token),
        json={**signed, "signature": _sign(other_private, message)},
    )
    assert (r.status_code, r.json()["error"]) == (422, "signature_invalid")
    nul = json.dumps(_body(w, key="a\u0000b", nonce="z" * 20))  # signed by the phone, still guarded like a body
    r = await client.post(
        "/api/v1/phone/checkins/signed",
        headers=auth(me.token),
        json={"key_id": key_id, "message": nul, "signature": _sign(private, nul)},
    )
    assert r.status_code == 422, r.text
    late = json.dumps(_body(w, at=datetime.now(JST) - timedelta(days=70), nonce="m" * 20))
    r = await client.post(
        "/api/v1/phone/checkins/signed",
        headers=auth(me.token),
        json={"key_id": key_id, "message": late, "signature": _sign(private, late)},
    )
    assert (r.status_code, r.json()["error"]) == (422, "past_upload_deadline")
    r = await client.post("/api/v1/phone/checkins/signed", headers=auth(stranger.token), json=signed)
    assert (r.status_code, r.json()["error"]) == (422, "device_key_unknown")
    r = await client.post("/api/v1/phone/device-keys", headers=auth(stranger.token), json={"public_key": spki})
    assert (r.status_code, r.json()["error"]) == (409, "device_key_taken")
    assert await table_counts() == before


async def test_the_ingest_rules_apply_window(client):
    w, me = await _setup(client)
    today = datetime.now(JST).date()
    # A site whose accumulation window has ended: the check-in is kept, its tap rejected with the ingest's reason.
    w.site = await w.create_site(
        window_start=(today - timedelta(days=60)).isoformat(), window_end=(today - timedelta(days=1)).isoformat()
    )
    await w.roster(w.prime, me)
    r = await client.put(
        f"/api/v1/sites/{w.site['id']}/phone-settings",
        headers=auth(w.prime["token"]),
        json={"geofence": {"lat": LAT, "lon": LON, "radius_m": 100}},
    )
    assert r.status_code == 200, r.text
    out = (await _checkin(client, me, _body(w))).json()
    assert (out["outcome"], out["tap_status"], out["reject_reason"]) == ("accepted", "rejected", "outside_window")


async def test_an_approval_after_the_upload_deadline_records_nothing(client):
    from api.phone.models import PhoneCheckin

    w, me = await _setup(client)
    out = (await _checkin(client, me, _body(w, lat=LAT + 0.0027))).json()
    assert out["outcome"] == "review"
    # The check-in waited in the queue past its day's deadline (the end of the following month).
    await PhoneCheckin.filter(id=out["id"]).update(client_time=datetime.now(JST) - timedelta(days=70))
    before = await table_counts()
    r = await client.post(
        f"/api/v1/sites/{w.site['id']}/phone-checkins/{out['id']}/decision",
        headers=auth(w.prime["token"]),
        json={"approve": True},
    )
    assert (r.status_code, r.json()["error"]) == (422, "past_upload_deadline")
    assert await table_counts() == before
    assert [q["id"] for q in await _queue(client, w, outcome="review", undecided="true")] == [out["id"]]
