"""One virtual card code read twice at the same moment, against the live server (two API processes on PostgreSQL):
by the site's kiosk and the site manager's phone (two devices, two keys), exactly one tap is accepted and the other is
stored rejected as `virtual_card_replayed` — the tap table's unique (card_serial, challenge) decides, not a prior
read; by one device retrying (one key), the read is stored once and the other answer is its duplicate."""

from __future__ import annotations

from datetime import datetime

import pytest

from api.timeutil import JST
from tests.api.helpers import approved_business, auth, login
from tests.api.site_world import World
from tests.api.vcard_helpers import Phone, read
from tests.concurrency.conftest import race

OFFSETS = (-2, -1, 0, 1)  # the steps a code may have around its read time: one round each


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
        kiosk = await w.enrol_device("kiosk")
        manager_phone = await w.enrol_device("kiosk")
        me = await w.worker(w.prime, issued_days_ago=0)
        phone = Phone.new()
        r = await http.post("/api/v1/phone/device-keys", headers=auth(me.token), json={"public_key": phone.spki})
        assert r.status_code == 201, r.text
    return w, me, phone, kiosk, manager_phone


def _send(http, token, body):
    return lambda: http.post("/api/v1/taps/virtual-cards", headers=auth(token), json={"taps": [body]})


async def test_one_code_read_by_two_devices_at_once_is_one_tap(live, http, world):
    w, me, phone, kiosk, manager_phone = world
    at = datetime.now(JST)
    for rnd, offset in enumerate(OFFSETS):
        step = int(at.timestamp()) // 30 + offset
        code = phone.code(technician_id=me.technician_id, serial=me.serial, site_id=w.site["site_id"], step=step)
        a, b = await race(
            _send(http, kiosk, read(f"r{rnd}a", code, at=at)), _send(http, manager_phone, read(f"r{rnd}b", code, at=at))
        )
        assert a.status_code == b.status_code == 200, (a.text, b.text)
        verdicts = sorted((x["status"], x["reject_reason"]) for r in (a, b) for x in r.json()["results"])
        assert verdicts == [("accepted", None), ("rejected", "virtual_card_replayed")]
        challenge = f"V{w.site['site_id']}.{step}"
        assert await live.fetchval("SELECT count(*) FROM tap WHERE challenge = $1", challenge) == 1
        assert await live.fetchval("SELECT count(*) FROM tap WHERE source_key LIKE $1", f"%:r{rnd}_") == 2


async def test_one_read_sent_twice_at_once_is_stored_once(live, http, world):
    w, me, phone, kiosk, _ = world
    at = datetime.now(JST)
    for rnd, offset in enumerate(OFFSETS[:2]):
        step = int(at.timestamp()) // 30 + offset - 10  # steps of their own, read 5 minutes ago (uploaded late)
        earlier = datetime.fromtimestamp((step + 0.5) * 30, JST)
        code = phone.code(technician_id=me.technician_id, serial=me.serial, site_id=w.site["site_id"], step=step)
        body = read(f"s{rnd}", code, at=earlier)
        a, b = await race(_send(http, kiosk, body), _send(http, kiosk, body))
        answers = [x for r in (a, b) for x in r.json()["results"]]
        assert sorted(x["duplicate"] for x in answers) == [False, True]
        assert {x["status"] for x in answers} == {"accepted"}
        assert await live.fetchval("SELECT count(*) FROM tap WHERE source_key LIKE $1", f"%:s{rnd}") == 1
