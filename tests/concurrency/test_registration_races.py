"""Registration is decided once under concurrency, on the live server (two API processes, PostgreSQL, Redis):
an application approved twice and returned at one moment, returned twice, resubmitted twice, applied for twice; a
business application the same; two public registrations at one moment (each its own login ID); two business
registrations of one 法人番号.
Every round checks the database: one card, one technician ID, one charge, one audit entry, one notice job."""

from __future__ import annotations

from functools import partial

from redis.asyncio import Redis

from tests.api.helpers import (
    auth,
    business_payload,
    corporate_number,
    jpeg,
    login,
    register_business,
    register_technician,
    submitted_technician,
    technician_payload,
    upload,
)
from tests.concurrency.conftest import REDIS_URL, race

ROUNDS = 8
RETURN = {"reasons": [{"field": "photo", "reason": "顔が暗い"}]}


async def _notice_jobs(app_id: int) -> int:
    """Notice jobs queued for this application's decisions (arq keeps a job under arq:job:<job id>)."""
    r = Redis.from_url(REDIS_URL)
    try:
        return len([k async for k in r.scan_iter(match=f"arq:job:notify-application:{app_id}:*")])
    finally:
        await r.aclose()


async def _decide(http, op: str, app_id: int, *how: str) -> list:
    url = f"/api/v1/review/applications/{app_id}"
    calls = [
        partial(http.post, f"{url}/approve", headers=auth(op))
        if h == "approve"
        else partial(http.post, f"{url}/return", headers=auth(op), json=RETURN)
        for h in how
    ]
    return await race(*calls)


def _one_winner(results: list, loser_code: str = "already_decided") -> int:
    """The index of the one 200; every other answer is 409 with `loser_code`."""
    assert all(not isinstance(r, Exception) for r in results), results
    codes = [r.status_code for r in results]
    assert sorted(codes) == [200] + [409] * (len(codes) - 1), [r.text for r in results]
    assert {r.json()["error"] for r in results if r.status_code == 409} == {loser_code}, [r.text for r in results]
    return codes.index(200)


async def _technician_effects(live, pk: int, app_id: int) -> dict:
    row = await live.fetch("SELECT status, technician_id FROM technician WHERE id = $1", pk)
    return {
        "status": row[0]["status"],
        "technician_id": row[0]["technician_id"],
        "cards": await live.fetchval("SELECT count(*) FROM card WHERE technician_id = $1", pk),
        "charges": await live.fetchval(
            "SELECT count(*) FROM charge WHERE source_key = $1", f"technician_registration:{app_id}"
        ),
        "audits": await live.fetchval(
            "SELECT count(*) FROM audit_entry WHERE entity_type = 'application' AND entity_id = $1", str(app_id)
        ),
        "decisions": await live.fetchval("SELECT decisions FROM application WHERE id = $1", app_id),
        "notices": await _notice_jobs(app_id),
    }


async def test_a_new_registration_is_approved_or_returned_once(live, http):
    op = await login(http, "op")
    for n in range(ROUNDS):
        t = await submitted_technician(http)
        app_id = t["application"]["id"]
        how = ("approve", "approve", "return") if n % 2 == 0 else ("return", "approve", "approve")
        won = how[_one_winner(await _decide(http, op, app_id, *how))]
        got = await _technician_effects(live, t["pk"], app_id)
        if won == "approve":
            assert got["status"] == "approved" and got["technician_id"] is not None
            assert (got["cards"], got["charges"]) == (1, 1), got
        else:
            assert (got["status"], got["technician_id"], got["cards"], got["charges"]) == ("returned", None, 0, 0), got
        assert (got["audits"], got["decisions"], got["notices"]) == (1, 1, 1), got
        assert await live.fetchval("SELECT status FROM application WHERE id = $1", app_id) == (
            "approved" if won == "approve" else "returned"
        )


async def test_an_application_is_returned_once(live, http):
    op = await login(http, "op")
    for _ in range(ROUNDS):
        t = await submitted_technician(http)
        app_id = t["application"]["id"]
        _one_winner(await _decide(http, op, app_id, "return", "return", "return"))
        got = await _technician_effects(live, t["pk"], app_id)
        assert (got["status"], got["audits"], got["decisions"], got["notices"]) == ("returned", 1, 1, 1), got


async def test_a_returned_application_is_resubmitted_once_and_then_decided_once(live, http):
    op = await login(http, "op")
    for _ in range(ROUNDS):
        t = await submitted_technician(http)
        app_id = t["application"]["id"]
        assert (
            await http.post(f"/api/v1/review/applications/{app_id}/return", headers=auth(op), json=RETURN)
        ).status_code == 200
        url = f"/api/v1/applications/{app_id}/resubmit"
        results = await race(*[partial(http.post, url, headers=auth(t["token"]))] * 2)
        _one_winner(results, "not_returned")
        assert await live.fetchval("SELECT status FROM application WHERE id = $1", app_id) == "submitted"
        assert await live.fetchval("SELECT status FROM technician WHERE id = $1", t["pk"]) == "submitted"
        # The resubmitted application is decided once again: one card in all.
        _one_winner(await _decide(http, op, app_id, "approve", "approve"))
        got = await _technician_effects(live, t["pk"], app_id)
        assert (got["cards"], got["charges"], got["audits"], got["decisions"], got["notices"]) == (1, 1, 2, 2, 2), got


async def test_an_application_sent_twice_at_once_is_one_application(live, http):
    for _ in range(ROUNDS):
        reg = await register_technician(http)
        pk, token = reg["technician"]["id"], reg["token"]
        assert (await upload(http, token, pk, "photo", jpeg())).status_code == 200
        assert (await upload(http, token, pk, "id-document", jpeg(800, 500))).status_code == 200
        url = f"/api/v1/technicians/{pk}/applications"
        results = await race(*[partial(http.post, url, headers=auth(token), json={"kind": "new"})] * 3)
        codes = sorted(r.status_code for r in results)
        assert codes == [201, 409, 409], [r.text for r in results]
        assert {r.json()["error"] for r in results if r.status_code == 409} == {"application_open"}
        assert await live.fetchval("SELECT count(*) FROM application WHERE technician_id = $1", pk) == 1
        assert await live.fetchval("SELECT status FROM technician WHERE id = $1", pk) == "submitted"


async def test_a_business_application_is_decided_once(live, http):
    op = await login(http, "op")
    for n in range(ROUNDS):
        reg = await register_business(http)
        app_id, pk = reg["application_id"], reg["business"]["id"]
        how = ("approve", "return", "approve") if n % 2 else ("approve", "approve", "return")
        won = how[_one_winner(await _decide(http, op, app_id, *how))]
        assert await live.fetchval("SELECT status FROM business WHERE id = $1", pk) == (
            "approved" if won == "approve" else "returned"
        )
        assert await live.fetchval(
            "SELECT count(*) FROM charge WHERE source_key = $1", f"business_registration:{pk}:0"
        ) == (won == "approve")
        assert (
            await live.fetchval(
                "SELECT count(*) FROM audit_entry WHERE entity_type = 'application' AND entity_id = $1", str(app_id)
            )
            == 1
        )
        assert await _notice_jobs(app_id) == 1
        if won == "return":  # the business resubmits, twice at once: one resubmission, then one approval
            url = f"/api/v1/applications/{app_id}/resubmit"
            _one_winner(await race(*[partial(http.post, url, headers=auth(reg["token"]))] * 2), "not_returned")
            _one_winner(await _decide(http, op, app_id, "approve", "approve"))
            assert (
                await live.fetchval(
                    "SELECT count(*) FROM charge WHERE source_key = $1", f"business_registration:{pk}:0"
                )
                == 1
            )


async def test_registrations_at_one_moment_each_get_their_own_login_id(live, http):
    """Two public registrations at once (two technicians; a business and a technician), on two API processes: both
    succeed, each with a login ID of its own that logs in to its own account; nobody picks a name, so none is refused
    as taken."""
    for n in range(ROUNDS):
        tech = technician_payload()
        pairs = [(tech, technician_payload()), (business_payload(), tech)][n % 2]
        urls = ["/api/v1/technicians" if "family_name" in p else "/api/v1/businesses" for p in pairs]
        results = await race(partial(http.post, urls[0], json=pairs[0]), partial(http.post, urls[1], json=pairs[1]))
        assert [r.status_code for r in results] == [201, 201], [r.text for r in results]
        ids = [r.json()["login_id"] for r in results]
        assert len(set(ids)) == 2 and all(len(i) == 12 and i.isdigit() for i in ids), ids
        for lid, payload, url in zip(ids, pairs, urls, strict=True):
            assert await live.fetchval("SELECT count(*) FROM account WHERE login = $1", lid) == 1
            token = await login(
                http, lid, payload["password"] if "password" in payload else payload["admin"]["password"]
            )
            me = (await http.get("/api/v1/auth/me", headers=auth(token))).json()
            assert me["role"] == ("technician" if url.endswith("technicians") else "business_admin"), me
        # Every technician and business has its account.
        orphans = await live.fetchval(
            "SELECT (SELECT count(*) FROM technician t WHERE NOT EXISTS "
            "(SELECT 1 FROM account a WHERE a.technician_id = t.id)) + (SELECT count(*) FROM business b WHERE NOT "
            "EXISTS (SELECT 1 FROM account a WHERE a.business_id = b.id))"
        )
        assert orphans == 0


async def test_one_corporate_number_registered_twice_at_once_is_one_business(live, http):
    op = await login(http, "op")
    for n in range(ROUNDS):
        number = corporate_number(900_000 + n)
        a, b = business_payload(corporate_number=number), business_payload(corporate_number=number)
        results = await race(
            partial(http.post, "/api/v1/businesses", json=a), partial(http.post, "/api/v1/businesses", json=b)
        )
        # Both get the answer of any new registration (it tells nobody who is registered) …
        assert [r.status_code for r in results] == [201, 201], [r.text for r in results]
        # … and one of them holds the number; the other keeps it as a claim for the operator.
        assert await live.fetchval("SELECT count(*) FROM business WHERE corporate_number = $1", number) == 1
        assert await live.fetchval("SELECT count(*) FROM business WHERE corporate_number_claim = $1", number) == 1
        decided = await race(
            *[
                partial(
                    http.post, f"/api/v1/review/applications/{r.json()['application_id']}/approve", headers=auth(op)
                )
                for r in results
            ]
        )
        assert sorted(r.status_code for r in decided) == [200, 409], [r.text for r in decided]
        assert next(r for r in decided if r.status_code == 409).json()["error"] == "duplicate_business"
        assert (
            await live.fetchval(
                "SELECT count(*) FROM business WHERE status = 'approved' AND "
                "(corporate_number = $1 OR corporate_number_claim = $1)",
                number,
            )
            == 1
        )


async def test_one_person_registered_twice_is_approved_once(live, http):
    """The operator approves two registrations of one person (same name, birth date, phone) at one moment: one
    technician ID; the other is refused as the twin it is."""
    op = await login(http, "op")
    for n in range(ROUNDS):
        same = {"given_name": f"双子{n}", "given_name_kana": f"フタゴ{chr(0x30A2 + n)}", "phone": f"080-2222-{n:04d}"}
        apps = [(await submitted_technician(http, **same))["application"]["id"] for _ in range(2)]
        results = await race(
            *[partial(http.post, f"/api/v1/review/applications/{a}/approve", headers=auth(op)) for a in apps]
        )
        _one_winner(results, "duplicate_technician")
        approved = await live.fetchval(
            "SELECT count(*) FROM technician WHERE phone = $1 AND technician_id IS NOT NULL", same["phone"]
        )
        assert approved == 1
        assert (
            await live.fetchval(
                "SELECT count(*) FROM card c JOIN technician t ON t.id = c.technician_id WHERE t.phone = $1",
                same["phone"],
            )
            == 1
        )
