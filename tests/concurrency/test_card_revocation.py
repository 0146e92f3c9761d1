"""Card revocation once, under concurrency, on the live server (two API processes on PostgreSQL + Redis):
concurrent revocations of one card add its serial once; `openccus cards revoke-version` racing itself and the holder's
own revocation reissues every card at most once; a revocation made through one process wakes the long-polls held by
both."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.api.helpers import PASSWORD, approved_business, auth, login, submitted_technician
from tests.concurrency.conftest import race, start_live

ROUNDS = 10


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator:
    tmp = tmp_path_factory.mktemp("live-card-revocation")
    server = start_live(tmp, "card_revocation", extra_env={"OPENCCUS_CARD_MASTER_KEY_FILE": str(tmp / "keys")})
    try:
        yield server
    finally:
        server.stop()


class Site:
    def __init__(self, http) -> None:
        self.http = http

    async def setup(self) -> None:
        self.op = await login(self.http, "op", PASSWORD)
        self.prime = await approved_business(self.http, self.op)
        r = await self.http.post(
            "/api/v1/sites",
            headers=auth(self.prime["token"]),
            json={
                "name": "並行現場",
                "address": "千代田区",
                "order_type": "private",
                "window_start": "2026-01-01",
                "window_end": "2027-12-31",
            },
        )
        assert r.status_code == 201, r.text
        r = await self.http.post(
            f"/api/v1/sites/{r.json()['id']}/devices",
            headers=auth(self.prime["token"]),
            json={"kind": "reader", "name": "ゲート"},
        )
        r = await self.http.post(
            "/api/v1/devices/enrol", json={"code": r.json()["enrolment_code"], "software_version": "t"}
        )
        self.device = r.json()["device_token"]

    async def holder(self) -> dict:
        t = await submitted_technician(self.http, employer_business_id=self.prime["business"]["business_id"])
        r = await self.http.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(self.op))
        assert r.status_code == 200, r.text
        tech = (await self.http.get(f"/api/v1/technicians/{t['pk']}", headers=auth(self.op))).json()
        return {"token": t["token"], "serial": tech["card"]["serial"], "pk": t["pk"]}


async def test_concurrent_revocations_of_one_card_count_once(live, http):
    site = Site(http)
    await site.setup()
    for _ in range(ROUNDS):
        card = await site.holder()
        answers = await race(
            *[
                lambda who=who: http.post(
                    f"/api/v1/cards/{card['serial']}/revoke", headers=auth(who), json={"reason": "lost"}
                )
                for who in (card["token"], site.op) * 3
            ]
        )
        codes = sorted(r.status_code for r in answers)
        assert codes == [200] + [409] * 5, codes
        assert {r.json()["error"] for r in answers if r.status_code == 409} == {"card_not_active"}
        assert await live.fetchval("SELECT count(*) FROM revocation WHERE card_serial = $1", card["serial"]) == 1
        assert await live.fetchval("SELECT status FROM card WHERE serial = $1", card["serial"]) == "lost"


async def test_revoke_version_racing_itself_and_the_holder_reissues_each_card_at_most_once(live, http):
    site = Site(http)
    await site.setup()
    for _ in range(ROUNDS):
        version = await live.fetchval("SELECT coalesce(max(key_version), 1) FROM card")
        cards = [await site.holder() for _ in range(2)]
        assert {await live.fetchval("SELECT key_version FROM card WHERE serial = $1", c["serial"]) for c in cards} == {
            version
        }
        live.cli("cards", "rotate")

        async def revoke_version():
            proc = await asyncio.create_subprocess_exec(
                *live._cli(),
                "cards",
                "revoke-version",
                str(version),
                env=live.env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await proc.communicate()
            assert proc.returncode == 0, err.decode()
            return out.decode()

        holder = cards[0]
        results = await race(
            revoke_version,
            revoke_version,
            lambda: http.post(
                f"/api/v1/cards/{holder['serial']}/revoke", headers=auth(holder["token"]), json={"reason": "lost"}
            ),
        )
        assert all(not isinstance(r, BaseException) for r in results), results
        for c in cards:
            rows = await live.fetch(
                "SELECT status, key_version FROM card WHERE technician_id = $1 ORDER BY id", c["pk"]
            )
            revocations = await live.fetchval("SELECT count(*) FROM revocation WHERE card_serial = $1", c["serial"])
            assert revocations == 1
            # Revoked once; reissued at most once (not at all when the holder's own revocation came first).
            assert rows[0]["status"] in ("lost", "revoked") and len(rows) <= 2
            if len(rows) == 2:
                assert (rows[1]["status"], rows[1]["key_version"]) == ("active", version + 1)
        assert (
            await live.fetchval("SELECT count(*) FROM card WHERE key_version = $1 AND status = 'active'", version) == 0
        )
        reissued = sum(out.count(" -> reissued ") for out in results[:2])
        assert reissued == await live.fetchval("SELECT count(*) FROM card WHERE key_version = $1", version + 1)


async def test_a_revocation_wakes_long_polls_in_every_process(live, http):
    site = Site(http)
    await site.setup()
    for _ in range(ROUNDS):
        card = await site.holder()
        version = (await http.get("/api/v1/devices/revocations?since=0", headers=auth(site.device))).json()["version"]
        # Separate connections, so the polls spread over both API processes.
        clients = [live.client() for _ in range(6)]
        try:
            polls = [
                asyncio.create_task(
                    c.get(f"/api/v1/devices/revocations?since={version}&wait=20", headers=auth(site.device))
                )
                for c in clients
            ]
            await asyncio.sleep(0.5)
            assert not any(p.done() for p in polls)
            r = await http.post(
                f"/api/v1/cards/{card['serial']}/revoke", headers=auth(card["token"]), json={"reason": "lost"}
            )
            assert r.status_code == 200
            answers = await asyncio.wait_for(asyncio.gather(*polls), timeout=5)
        finally:
            for c in clients:
                await c.aclose()
        assert all(a.json()["revoked"] == [card["serial"]] and a.json()["version"] > version for a in answers)
