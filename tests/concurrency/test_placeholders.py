"""A missing upper tier under concurrency (issue 21.3): the same firm entered at one moment on two sites is one
placeholder; entered twice on one site, one contract and one specific 409."""

from __future__ import annotations

from tests.api.helpers import approved_business, auth, corporate_number, login
from tests.concurrency.conftest import race

ROUNDS = 8


async def _site(http, prime: dict) -> tuple[int, int]:
    r = await http.post(
        "/api/v1/sites",
        headers=auth(prime["token"]),
        json={
            "name": "現場",
            "address": "東京都",
            "order_type": "private",
            "window_start": "2020-01-01",
            "window_end": "2030-12-31",
        },
    )
    assert r.status_code == 201, r.text
    contracts = (await http.get(f"/api/v1/sites/{r.json()['id']}/contracts", headers=auth(prime["token"]))).json()
    return r.json()["id"], contracts[0]["id"]


async def test_a_placeholder_is_entered_once(live, http):
    op = await login(http, "op")
    prime = await approved_business(http, op)
    (s1, c1), (s2, c2) = await _site(http, prime), await _site(http, prime)
    for n in range(ROUNDS):
        number = corporate_number(770_000 + n)

        def post(site: int, parent: int, n: int = n, number: str = number):
            return http.post(
                f"/api/v1/sites/{site}/contracts/placeholders",
                headers=auth(prime["token"]),
                json={"parent_contract_id": parent, "name": f"未登録{n}建設", "corporate_number": number},
            )

        got = await race(lambda: post(s1, c1), lambda: post(s2, c2), lambda: post(s1, c1))
        codes = [r.status_code for r in got]
        assert codes[1] == 201 and sorted([codes[0], codes[2]]) == [201, 409], [r.text for r in got]
        assert next(r for r in (got[0], got[2]) if r.status_code == 409).json()["error"] == "already_in_tree"
        assert await live.fetchval("SELECT count(*) FROM business WHERE placeholder_corporate_number = $1", number) == 1
        assert (
            await live.fetchval(
                "SELECT count(*) FROM site_contract c JOIN business b ON b.id = c.business_id "
                "WHERE b.placeholder_corporate_number = $1",
                number,
            )
            == 2
        )
