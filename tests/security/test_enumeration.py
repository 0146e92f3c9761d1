"""Public registration tells nobody whether a person, a firm or a login name is registered (issue 15 item 2)."""

from __future__ import annotations

from tests.api.helpers import (
    PASSWORD,
    auth,
    business_payload,
    corporate_number,
    login,
    operator_token,
    register_business,
    register_technician,
    submitted_technician,
    table_counts,
    technician_payload,
)


FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def _shape(body: dict) -> dict:
    """The answer without the values that differ between any two registrations (ids, numbers, times, tokens)."""
    if isinstance(body, dict):
        return {
            k: _shape(v)
            for k, v in body.items()
            if k
            not in {
                "id",
                "business_id",
                "token",
                "created_at",
                "application_id",
                "given_name",
                "phone",
                "login",
                "login_id",
                "email",
                "name",
                "corporate_number",
            }
        }
    return body


async def test_a_registered_person_registering_again_gets_the_ordinary_answer(client, drain):
    """Today's 409 duplicate_technician told anyone with a name, birth date and phone that the person is in CCUS. Now
    the second registration is taken like any other, and the operator's approval is where the twin is caught."""
    op = await operator_token(client)
    first = await submitted_technician(client, phone="090-7777-0001", given_name="一郎")
    r = await client.post(f"/api/v1/review/applications/{first['application']['id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    stranger = await register_technician(client, phone="090-7777-0002", given_name="一郎")
    again = await register_technician(client, phone="090-7777-0001", given_name="一郎")
    assert _shape(again) == _shape(stranger)
    # The operator cannot approve the twin, and is told which registration the person already has.
    twin = await submitted_technician(client, phone="090-7777-0001", given_name="一郎")
    r = await client.post(f"/api/v1/review/applications/{twin['application']['id']}/approve", headers=auth(op))
    assert r.status_code == 409 and r.json()["error"] == "duplicate_technician"
    r = await client.post(
        f"/api/v1/review/applications/{twin['application']['id']}/return",
        headers=auth(op),
        json={"reasons": [{"field": "family_name", "reason": "すでに登録済みです。既存のIDでログインしてください。"}]},
    )
    assert r.status_code == 200, r.text


async def test_a_taken_corporate_number_gets_the_ordinary_answer(client):
    op = await operator_token(client)
    taken = corporate_number(4242)
    first = await register_business(client, corporate_number=taken)
    r = await client.post(f"/api/v1/review/applications/{first['application_id']}/approve", headers=auth(op))
    assert r.status_code == 200
    fresh = await register_business(client, corporate_number=corporate_number(4243))
    claim = await register_business(client, corporate_number=taken)
    assert _shape(claim) == _shape(fresh)
    assert claim["business"]["corporate_number"] == taken  # echoed like any registration's
    # The operator sees the claim and cannot approve a second holder of the number.
    r = await client.post(f"/api/v1/review/applications/{claim['application_id']}/approve", headers=auth(op))
    assert r.status_code == 409 and r.json()["error"] == "duplicate_business"
    assert first["business"]["business_id"] in r.json()["message"]
    # The first holder keeps the number.
    r = await client.get(f"/api/v1/businesses/{first['business']['id']}", headers=auth(op))
    assert r.json()["corporate_number"] == taken


async def test_nobody_picks_a_login_name_so_no_answer_can_say_one_is_taken(client, settings):
    """A picked name would have to be refused when taken, and that refusal would tell anyone the name exists: the
    system assigns every person's login ID instead (12 digits, the last a Damm check digit)."""
    from stdnum import damm

    op = await operator_token(client)
    tech = await register_technician(client)
    firm = await register_business(client)
    r = await client.post(f"/api/v1/review/applications/{firm['application_id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/businesses/{firm['business']['id']}/site-managers",
        headers=auth(firm["token"]),
        json={"password": PASSWORD, "display_name": "現場 太郎"},
    )
    assert r.status_code == 201, r.text
    manager = r.json()["login"]
    proxy = await client.post(
        f"/api/v1/businesses/{firm['business']['id']}/technicians",
        headers=auth(firm["token"]),
        json={**technician_payload(), "consent_obtained": True, "consent_on": "2026-01-05"},
    )
    assert proxy.status_code == 201, proxy.text
    ids = [tech["login_id"], firm["login_id"], manager, proxy.json()["login_id"]]
    assert all(len(i) == 12 and i.isdigit() and damm.is_valid(i) for i in ids), ids
    assert len(set(ids)) == 4
    # Typed as people type it: in groups, with full-width digits from a Japanese keyboard.
    lid = tech["login_id"]
    grouped = f"{lid[:4]}-{lid[4:8]} {lid[8:]}"
    assert (await login(client, grouped)) and (await login(client, grouped.translate(FULL_WIDTH)))

    # Asking for a name is refused as an unknown field, before anything is written.
    before = await table_counts()
    r = await client.post("/api/v1/technicians", json={**technician_payload(), "login": "taken-name"})
    assert r.status_code == 422 and r.json()["error"] == "validation_error", r.text
    assert r.json()["fields"][0]["field"] == "login"
    data = business_payload()
    data["admin"]["login"] = "taken-name"
    r = await client.post("/api/v1/businesses", json=data)
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "admin.login", r.text
    assert await table_counts() == before


async def test_a_mistyped_login_id_is_nobodys_and_locks_nobody(client, settings):
    """One wrong digit fails the check digit, so it is an account nobody has: its failures lock that wrong ID, not
    the person's own, and the answer is the one any unknown name gets."""
    lid = (await register_technician(client))["login_id"]
    typo = lid[:5] + str((int(lid[5]) + 1) % 10) + lid[6:]
    for _ in range(settings.login_max_failures):
        r = await client.post("/api/v1/auth/login", json={"login": typo, "password": PASSWORD})
        assert r.status_code == 401 and r.json()["error"] == "invalid_credentials"
    r = await client.post("/api/v1/auth/login", json={"login": typo, "password": PASSWORD})
    assert r.status_code == 429 and r.json()["error"] == "account_locked"
    assert await login(client, lid)
