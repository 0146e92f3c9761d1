"""State that outlives a request stays right across API processes (issue 22 item 4): against `openccus serve
--workers 2`, each process warms its per-process caches (the device cache, its connection pool) and a change made
through one process holds in the other at once.

The device cache (api/devices/service.py) keeps a device's site for a minute but never decides whether its token is
valid: authentication reads the token on every request, so a revoked device or a logged-out account is refused by
every process from the next request on."""

from __future__ import annotations

import pytest

from tests.api.helpers import approved_business, auth, login
from tests.api.site_world import World

N = 24  # requests per wave: enough that both processes serve some


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
    return w


async def _wave(http, path: str, token: str) -> list[int]:
    import asyncio

    rs = await asyncio.gather(*(http.get(path, headers=auth(token)) for _ in range(N)))
    return [r.status_code for r in rs]


async def test_a_revoked_device_is_refused_by_every_process(live, http, world):
    w = world
    w.client = http
    for _ in range(3):
        token = await w.enrol_device()
        assert set(await _wave(http, "/api/v1/devices/me", token)) == {200}  # cached in both processes now
        devices = (await http.get(f"/api/v1/sites/{w.site['id']}/devices", headers=auth(w.prime["token"]))).json()
        device = max(devices, key=lambda d: d["id"])
        r = await http.post(
            f"/api/v1/sites/{w.site['id']}/devices/{device['id']}/revoke", headers=auth(w.prime["token"])
        )
        assert r.status_code in (200, 204), r.text
        assert set(await _wave(http, "/api/v1/devices/me", token)) == {401}
        r = await w.upload(token=token)
        assert r.status_code == 401, r.text


async def test_log_out_everywhere_holds_in_every_process(live, http):
    for _ in range(3):
        tokens = [await login(http, "op") for _ in range(3)]
        for t in tokens:
            assert set(await _wave(http, "/api/v1/auth/me", t)) == {200}
        r = await http.post("/api/v1/auth/logout-all", headers=auth(tokens[0]))
        assert r.status_code in (200, 204), r.text
        for t in tokens:
            assert set(await _wave(http, "/api/v1/auth/me", t)) == {401}
