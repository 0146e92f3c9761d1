"""A registration that fails, fails whole (issue 19.6): data, photo, identity document and application in one
request; a refusal of any part writes nothing, so the same data and the same documents can be sent again."""

from __future__ import annotations

import json

from tests.api.helpers import (
    approved_business,
    auth,
    jpeg,
    login,
    operator_token,
    table_counts,
    technician_payload,
)


async def _counts() -> dict[str, int]:
    """Row counts of every table but the rate limiter's (the embedded default counts registrations per address in
    the database)."""
    counts = await table_counts()
    counts.pop("login_throttle", None)
    return counts


def _form(data: dict, *, photo: bytes | None = None, id_document: bytes | None = None) -> dict:
    files = {"data": (None, json.dumps(data, ensure_ascii=False))}
    if photo is not None:
        files["photo"] = ("face.jpg", photo, "image/jpeg")
    if id_document is not None:
        files["id_document"] = ("id.jpg", id_document, "image/jpeg")
    return files


async def test_one_request_registers_uploads_and_applies(client):
    data = technician_payload()
    r = await client.post("/api/v1/technicians/register", files=_form(data, photo=jpeg(), id_document=jpeg(800, 500)))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["technician"]["has_photo"] is True and body["application"]["status"] == "submitted"
    assert body["application"]["kind"] == "new" and body["token"]
    # A real account: it logs in with the login ID the system assigned and the password it chose.
    assert len(body["login_id"]) == 12 and body["login_id"].isdigit(), body["login_id"]
    token = await login(client, body["login_id"], data["password"])
    me = (await client.get(f"/api/v1/technicians/{body['technician']['id']}", headers=auth(token))).json()
    assert me["status"] == "submitted"
    # In the operator's queue like any application.
    op = await operator_token(client)
    queue = (await client.get("/api/v1/review/applications", headers=auth(op))).json()
    assert body["application"]["id"] in [a["application"]["id"] for a in queue]


async def test_a_refused_photo_leaves_nothing_behind(client):
    data = technician_payload()
    before = await _counts()
    r = await client.post(
        "/api/v1/technicians/register", files=_form(data, photo=b"not an image at all", id_document=jpeg(800, 500))
    )
    assert r.status_code == 422, r.text
    assert r.json()["fields"][0]["field"] == "photo"
    assert await _counts() == before  # no technician, no account, no identity document kept
    # Missing identity document (declared as held): refused before anything is written too.
    r = await client.post("/api/v1/technicians/register", files=_form(data, photo=jpeg()))
    assert r.status_code == 422 and r.json()["error"] == "id_document_required", r.text
    assert await _counts() == before
    # A login name in the data is refused: the system assigns the login ID.
    r = await client.post(
        "/api/v1/technicians/register",
        files=_form({**data, "login": "my-own-name"}, photo=jpeg(), id_document=jpeg(800, 500)),
    )
    assert r.status_code == 422 and r.json()["error"] == "validation_error", r.text
    assert await _counts() == before
    # Nothing was kept: sent again with a good photo, it registers.
    r = await client.post("/api/v1/technicians/register", files=_form(data, photo=jpeg(), id_document=jpeg(800, 500)))
    assert r.status_code == 201, r.text
    await login(client, r.json()["login_id"], data["password"])


async def test_bad_data_is_refused_with_its_fields(client):
    data = technician_payload()
    del data["family_name"]
    r = await client.post("/api/v1/technicians/register", files=_form(data, photo=jpeg(), id_document=jpeg()))
    assert r.status_code == 422 and any("family_name" in f["field"] for f in r.json()["fields"]), r.text
    r = await client.post(
        "/api/v1/technicians/register", files={"data": (None, "{not json"), "photo": ("f.jpg", jpeg(), "image/jpeg")}
    )
    assert r.status_code == 422, r.text


async def test_proxy_registration_is_whole_too(client):
    op = await operator_token(client)
    biz = await approved_business(client, op)
    pk, token = biz["business"]["id"], biz["token"]
    data = {**technician_payload(), "consent_obtained": True, "consent_on": "2026-12-01"}
    data.pop("employer_business_id", None)
    before = await _counts()
    r = await client.post(
        f"/api/v1/businesses/{pk}/technicians/register",
        headers=auth(token),
        files=_form(data, photo=b"\x89PNG broken", id_document=jpeg()),
    )
    assert r.status_code == 422, r.text
    assert await _counts() == before
    r = await client.post(
        f"/api/v1/businesses/{pk}/technicians/register",
        headers=auth(token),
        files=_form(data, photo=jpeg(), id_document=jpeg()),
    )
    assert r.status_code == 201, r.text
    assert r.json()["application"]["proxy"] is True and r.json()["token"] is None
    # The employer hands the technician the login ID the system assigned, with the password it chose.
    token_t = await login(client, r.json()["login_id"], data["password"])
    me = (await client.get("/api/v1/auth/me", headers=auth(token_t))).json()
    assert me["technician_pk"] == r.json()["technician"]["id"], me
    # Another firm's admin cannot register into this firm.
    other = await approved_business(client, op)
    r = await client.post(
        f"/api/v1/businesses/{pk}/technicians/register",
        headers=auth(other["token"]),
        files=_form({**data, "phone": "090-2222-0000"}, photo=jpeg(), id_document=jpeg()),
    )
    assert r.status_code == 403, r.text
