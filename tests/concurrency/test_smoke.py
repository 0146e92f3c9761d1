"""The live server answers many concurrent requests from both processes, and what one process writes the other reads."""

from __future__ import annotations

from tests.api.helpers import auth
from tests.concurrency.conftest import race


async def test_concurrent_logins_all_answered(live, http):
    results = await race(
        *[
            lambda: http.post(
                "/api/v1/auth/login", json={"login": "op", "password": live.env["OPENCCUS_OPERATOR_PASSWORD"]}
            )
            for _ in range(20)
        ]
    )
    assert [r.status_code for r in results] == [200] * 20
    # Tokens issued by either process are honoured by both.
    for r in results[:5]:
        me = await http.get("/api/v1/auth/me", headers=auth(r.json()["token"]))
        assert me.status_code == 200, me.text
    assert await live.fetchval("SELECT count(*) FROM account WHERE login = 'op'") == 1
