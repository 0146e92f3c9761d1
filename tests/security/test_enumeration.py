"""Public registration tells nobody whether a person, a firm or a login name is registered (issue 15 item 2)."""

from __future__ import annotations

from tests.api.helpers import (
    auth,
    business_payload,
    corporate_number,
    operator_token,
    register_business,
    register_technician,
    submitted_technician,
    table_counts,
    technician_payload,
)


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


async def test_taken_and_reserved_login_names_get_one_answer_that_says_what_to_do(client):
    await register_technician(client, login="taken-name")
    before = await table_counts()
    answers = []
    for name in ("taken-name", "Taken-Name", "admin", "device-abc123", "api-abc123"):
        r = await client.post("/api/v1/technicians", json=technician_payload(login=name))
        answers.append((r.status_code, r.json()))
    assert {a[0] for a in answers} == {409}
    assert len({str(a[1]) for a in answers}) == 1, answers
    body = answers[0][1]
    assert body["error"] == "login_unavailable" and body["fields"] == [
        {"field": "login", "message": "choose another login name", "type": "login_unavailable"}
    ]
    assert await table_counts() == before
    data = business_payload()
    data["admin"]["login"] = "taken-name"
    r = await client.post("/api/v1/businesses", json=data)
    assert r.status_code == 409 and r.json()["error"] == "login_unavailable"
    assert r.json()["fields"][0]["field"] == "admin.login"


async def test_probing_login_names_by_registration_is_limited_per_address(client):
    for _ in range(3):  # ordinary registrations are not counted: only "unavailable" answers are
        await register_technician(client)
    await register_technician(client, login="probe-target")
    for _ in range(20):
        r = await client.post("/api/v1/technicians", json=technician_payload(login="probe-target"))
        assert r.status_code == 409
    r = await client.post("/api/v1/technicians", json=technician_payload(login="probe-target"))
    assert r.status_code == 429 and r.json()["error"] == "too_many_registrations"
    # The address is blocked for the hour, whatever it tries next.
    r = await client.post("/api/v1/technicians", json=technician_payload())
    assert r.status_code == 429
