"""A registration sent again after its answer was lost gets the account the first send made (api/registration/replay.py):
once means once for people, whose login IDs the system assigns (so a resend can no longer be told by a 'taken' name)."""

from __future__ import annotations

import json
import secrets

from tests.api.helpers import (
    PASSWORD,
    approved_business,
    auth,
    jpeg,
    login,
    operator_token,
    table_counts,
    technician_payload,
)


def _key() -> str:
    return secrets.token_urlsafe(16)


async def test_a_resent_self_registration_gets_the_same_account(client):
    body = technician_payload(request_key=_key())
    first = await client.post("/api/v1/technicians", json=body)
    assert first.status_code == 201, first.text
    before = await table_counts()
    again = await client.post("/api/v1/technicians", json=body)
    assert again.status_code == 201, again.text
    assert again.json()["technician"]["id"] == first.json()["technician"]["id"]
    assert again.json()["login_id"] == first.json()["login_id"]
    assert await table_counts() == {**before, "access_token": before["access_token"] + 1}  # only a new session
    me = await client.get("/api/v1/auth/me", headers=auth(again.json()["token"]))
    assert me.json()["technician_pk"] == first.json()["technician"]["id"]


async def test_a_key_with_other_data_or_another_password_is_refused_and_writes_nothing(client):
    body = technician_payload(request_key=_key())
    first = await client.post("/api/v1/technicians", json=body)
    assert first.status_code == 201
    before = await table_counts()
    for other in (
        {**body, "given_name": "別人"},
        {**body, "address": "大阪府大阪市北区1-1"},
        {**body, "password": "another-long-password-here"},
    ):
        r = await client.post("/api/v1/technicians", json=other)
        assert r.status_code == 409 and r.json()["error"] == "idempotency_key_reused", r.text
    assert await table_counts() == before
    # Without a key, the same data is another registration (the operator's approval catches a twin).
    body.pop("request_key")
    r = await client.post("/api/v1/technicians", json=body)
    assert r.status_code == 201 and r.json()["login_id"] != first.json()["login_id"]


async def test_a_bad_key_is_a_field_error(client):
    r = await client.post("/api/v1/technicians", json=technician_payload(request_key="short"))
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "request_key", r.text


async def test_a_resent_whole_registration_gets_the_same_application(client):
    data = json.dumps(technician_payload(request_key=_key()))

    async def send():
        return await client.post(
            "/api/v1/technicians/register",
            files={
                "data": (None, data),
                "photo": ("p.jpg", jpeg(), "image/jpeg"),
                "id_document": ("d.jpg", jpeg(), "image/jpeg"),
            },
        )

    first, again = await send(), await send()
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["application"]["id"] == first.json()["application"]["id"]
    assert again.json()["login_id"] == first.json()["login_id"]
    await login(client, first.json()["login_id"])


async def test_a_resent_proxy_registration_gets_the_same_technician_for_that_employer_only(client):
    op = await operator_token(client)
    firm, other = await approved_business(client, op), await approved_business(client, op)
    body = {**technician_payload(request_key=_key()), "consent_obtained": True, "consent_on": "2026-01-05"}
    url = lambda f: f"/api/v1/businesses/{f['business']['id']}/technicians"  # noqa: E731
    first = await client.post(url(firm), headers=auth(firm["token"]), json=body)
    again = await client.post(url(firm), headers=auth(firm["token"]), json=body)
    assert first.status_code == again.status_code == 201, again.text
    assert (again.json()["id"], again.json()["login_id"]) == (first.json()["id"], first.json()["login_id"])
    # The key does not open that technician to another employer.
    r = await client.post(url(other), headers=auth(other["token"]), json=body)
    assert r.status_code == 409 and r.json()["error"] == "idempotency_key_reused"
    # The employer finds the login ID again in its employee list, to tell the technician.
    employees = (
        await client.get(f"/api/v1/businesses/{firm['business']['id']}/employees", headers=auth(firm["token"]))
    ).json()
    assert [e["login_id"] for e in employees if e["id"] == first.json()["id"]] == [first.json()["login_id"]]
    r = await client.post("/api/v1/auth/login", json={"login": first.json()["login_id"], "password": PASSWORD})
    assert r.status_code == 200 and r.json()["account"]["must_change_password"] is True
