"""One registration sent several times at one moment (a phone's outbox resending while the first send is still in
flight, two API processes on PostgreSQL) makes one person: every send answers 201 with the same technician and login
ID (a send that loses the race on the request key's unique index is rolled back and answered with what won)."""

from __future__ import annotations

import secrets

from tests.api.helpers import technician_payload
from tests.concurrency.conftest import race

ROUNDS = 10
SENDS = 4


async def test_concurrent_sends_of_one_registration_make_one_account(live, http):
    for n in range(ROUNDS):
        body = technician_payload(request_key=secrets.token_urlsafe(16), phone=f"090-5555-{n:04d}")
        results = await race(*[lambda body=body: http.post("/api/v1/technicians", json=body) for _ in range(SENDS)])
        assert all(r.status_code == 201 for r in results), [r.text for r in results]
        assert len({r.json()["technician"]["id"] for r in results}) == 1
        assert len({r.json()["login_id"] for r in results}) == 1
        made = await live.fetchval("SELECT count(*) FROM technician WHERE phone = $1", body["phone"])
        assert made == 1, f"round {n}: {made} technicians"
