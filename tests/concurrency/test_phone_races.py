"""Phone check-in under real concurrency (two API processes on PostgreSQL, issue 20): every write that must happen
once is decided by the database, many rounds.

* racing review decisions on one check-in: exactly one wins, the others get `already_decided`; one tap per approval;
* one day's gate code raced by one technician for one direction under different keys: one accepted, the rest kept for
  review as `qr_replayed`;
* one signed nonce raced under different keys: one stored, the rest `signature_replayed`; one key raced: one row.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from api.timeutil import JST
from tests.api.helpers import approved_business, auth, login
from tests.api.site_world import World
from tests.concurrency.conftest import race

ROUNDS = 8
LAT, LON = 35.681236, 139.767125


@pytest.fixture(scope="module")
async def world(live):
    async with live.client() as http:
        op = await login(http, "op")
        w = World(
            client=http,
            op=op,
            prime=await approved_business(http, op),
            sub=await approved_business(http, op),
            sub2=await approved_business(http, op),
        )
        w.site = await w.create_site()
        workers = [await w.worker(w.prime, issued_days_ago=0) for _ in range(4)]
        for x in workers:
            await w.roster(w.prime, x)
        r = await http.put(
            f"/api/v1/sites/{w.site['id']}/phone-settings",
            headers=auth(w.prime["token"]),
            json={"geofence": {"lat": LAT, "lon": LON, "radius_m": 100}},
        )
        assert r.status_code == 200, r.text
    return w, workers


def _body(w, **over):
    return {
        "idempotency_key": uuid.uuid4().hex,
        "site_id": w.site["site_id"],
        "direction": "in",
        "client_time": datetime.now(JST).isoformat(),
        "lat": LAT,
        "lon": LON,
        "accuracy_m": 10,
        **over,
    }


async def test_a_review_is_decided_once(http, world):
    w, workers = world
    me = workers[0]
    approvals = 0
    for n in range(ROUNDS):
        r = await http.post("/api/v1/phone/checkins", headers=auth(me.token), json=_body(w, lat=LAT + 0.0027))
        assert r.status_code == 200 and r.json()["outcome"] == "review", r.text
        url = f"/api/v1/sites/{w.site['id']}/phone-checkins/{r.json()['id']}/decision"
        rs = await race(
            *(
                lambda i=i, url=url, n=n: http.post(
                    url, headers=auth(w.prime["token"]), json={"approve": (i + n) % 2 == 0}
                )
                for i in range(6)
            )
        )
        assert sorted(x.status_code for x in rs) == [200] + [409] * 5, [x.text for x in rs]
        assert {x.json()["error"] for x in rs if x.status_code == 409} == {"already_decided"}
        approvals += next(x for x in rs if x.status_code == 200).json()["approved"] is True
    taps = (await http.get(f"/api/v1/sites/{w.site['id']}/taps", headers=auth(w.prime["token"]))).json()
    assert len([t for t in taps if t["technician_code"] == me.technician_id]) == approvals


async def test_a_gate_code_is_first_used_once(http, world):
    w, workers = world
    gate = (await http.get(f"/api/v1/sites/{w.site['id']}/gate-qr", headers=auth(w.prime["token"]))).json()
    for x in workers[1:]:
        for direction in ("in", "out"):
            rs = await race(
                *(
                    lambda x=x, d=direction: http.post(
                        "/api/v1/phone/checkins", headers=auth(x.token), json=_body(w, qr=gate["payload"], direction=d)
                    )
                    for _ in range(5)
                )
            )
            assert all(r.status_code == 200 for r in rs), [r.text for r in rs]
            outcomes = sorted((r.json()["outcome"], tuple(c["code"] for c in r.json()["reasons"])) for r in rs)
            assert outcomes == [("accepted", ())] + [("review", ("qr_replayed",))] * 4


def _sign(private, message: str) -> str:
    r, s = decode_dss_signature(private.sign(message.encode(), ec.ECDSA(hashes.SHA256())))
    return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()


async def test_a_signed_nonce_is_used_once(http, world):
    w, workers = world
    me = workers[0]
    private = ec.generate_private_key(ec.SECP256R1())
    spki = base64.b64encode(
        private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ).decode()
    r = await http.post("/api/v1/phone/device-keys", headers=auth(me.token), json={"public_key": spki})
    assert r.status_code == 201, r.text
    key_id = r.json()["key_id"]
    for _ in range(ROUNDS):
        nonce = uuid.uuid4().hex
        messages = [json.dumps(_body(w, nonce=nonce)) for _ in range(5)]  # one nonce, five keys: a replay
        rs = await race(
            *(
                lambda m=m: http.post(
                    "/api/v1/phone/checkins/signed",
                    headers=auth(me.token),
                    json={"key_id": key_id, "message": m, "signature": _sign(private, m)},
                )
                for m in messages
            )
        )
        assert sorted(r.status_code for r in rs) == [200] + [409] * 4, [r.text for r in rs]
        assert {r.json()["error"] for r in rs if r.status_code == 409} == {"signature_replayed"}
        same = json.dumps(_body(w, nonce=uuid.uuid4().hex))  # one key five times: a retry, one row
        signed = {"key_id": key_id, "message": same, "signature": _sign(private, same)}
        rs = await race(
            *(
                lambda signed=signed: http.post("/api/v1/phone/checkins/signed", headers=auth(me.token), json=signed)
                for _ in range(5)
            )
        )
        assert all(r.status_code == 200 for r in rs) and len({r.json()["id"] for r in rs}) == 1, [r.text for r in rs]
        assert sorted(r.json()["duplicate"] for r in rs) == [False] + [True] * 4
