import io

from PIL import Image

from api.ids import is_valid_ccus_id
from tests.api.helpers import (
    PASSWORD,
    approved_business,
    auth,
    jpeg,
    login,
    operator_token,
    register_business,
    register_technician,
    submitted_technician,
    table_counts,
    technician_payload,
    upload,
)


async def test_simplified_registration_review_cycle(client, drain):
    op = await operator_token(client)
    t = await submitted_technician(client)
    app_id, pk, token = t["application"]["id"], t["pk"], t["token"]

    queue = (await client.get("/api/v1/review/applications", headers=auth(op))).json()
    assert [i["application"]["id"] for i in queue] == [app_id]
    assert queue[0]["technician"]["has_photo"] and queue[0]["technician"]["has_id_document"]

    reasons = {"reasons": [{"field": "address", "reason": "住所が本人確認書類と一致しません"}]}
    r = await client.post(f"/api/v1/review/applications/{app_id}/return", headers=auth(op), json=reasons)
    assert r.status_code == 200
    apps = (await client.get(f"/api/v1/technicians/{pk}/applications", headers=auth(token))).json()
    assert apps[0]["status"] == "returned" and apps[0]["return_reasons"][0]["field"] == "address"
    assert (await client.get(f"/api/v1/technicians/{pk}", headers=auth(token))).json()["status"] == "returned"

    r = await client.patch(f"/api/v1/technicians/{pk}", headers=auth(token), json={"address": "東京都港区2-2"})
    assert r.status_code == 200 and r.json()["address"] == "東京都港区2-2"
    assert (await client.post(f"/api/v1/applications/{app_id}/resubmit", headers=auth(token))).status_code == 200
    r = await client.post(f"/api/v1/review/applications/{app_id}/approve", headers=auth(op))
    assert r.status_code == 200

    tech = (await client.get(f"/api/v1/technicians/{pk}", headers=auth(token))).json()
    assert tech["status"] == "approved" and is_valid_ccus_id(tech["technician_id"])
    assert tech["card"]["status"] == "active" and len(tech["card"]["serial"]) == 16
    # Approved data is no longer edited by the technician.
    r = await client.patch(f"/api/v1/technicians/{pk}", headers=auth(token), json={"address": "別の住所"})
    assert r.status_code == 409
    # A decided application cannot be decided again.
    assert (await client.post(f"/api/v1/review/applications/{app_id}/approve", headers=auth(op))).status_code == 409

    await drain()
    notices = (await client.get("/api/v1/notifications", headers=auth(token))).json()
    # One notice per decision (a burst worker may run the two jobs in either order), and the registration fee's
    # invoice (a technician without an employer pays it).
    assert sorted(n["kind"] for n in notices) == ["application.approved", "application.returned", "invoice.issued"]
    await drain()  # running the queue again adds nothing
    assert len((await client.get("/api/v1/notifications", headers=auth(token))).json()) == 3


async def test_return_needs_known_fields(client):
    op = await operator_token(client)
    t = await submitted_technician(client)
    bad = {"reasons": [{"field": "shoe_size", "reason": "?"}]}
    r = await client.post(f"/api/v1/review/applications/{t['application']['id']}/return", headers=auth(op), json=bad)
    assert r.status_code == 422 and r.json()["error"] == "unknown_field"
    r = await client.post(
        f"/api/v1/review/applications/{t['application']['id']}/return", headers=auth(op), json={"reasons": []}
    )
    assert r.status_code == 422


async def test_application_needs_photo_and_document(client):
    reg = await register_technician(client)
    pk, token = reg["technician"]["id"], reg["token"]
    r = await client.post(f"/api/v1/technicians/{pk}/applications", headers=auth(token), json={"kind": "new"})
    assert r.status_code == 422 and r.json()["error"] == "incomplete_application"
    assert {f["field"] for f in r.json()["fields"]} == {"photo", "id_document"}
    # Declaring no identity document removes that requirement (and shortens the card to ≈3 years).
    assert (
        await client.patch(f"/api/v1/technicians/{pk}", headers=auth(token), json={"has_identity_document": False})
    ).status_code == 200
    assert (await upload(client, token, pk, "photo", jpeg())).status_code == 200
    r = await client.post(f"/api/v1/technicians/{pk}/applications", headers=auth(token), json={"kind": "new"})
    assert r.status_code == 201
    r = await client.post(f"/api/v1/technicians/{pk}/applications", headers=auth(token), json={"kind": "new"})
    assert r.status_code == 409


async def test_photos_are_normalised_and_bad_files_refused(client, settings):
    reg = await register_technician(client)
    pk, token = reg["technician"]["id"], reg["token"]
    # EXIF orientation 6 = the camera was turned 90°: the stored photo must be upright (width and height swap).
    assert (await upload(client, token, pk, "photo", jpeg(400, 300, orientation=6))).status_code == 200
    r = await client.get(f"/api/v1/technicians/{pk}/photo", headers=auth(token))
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    img = Image.open(io.BytesIO(r.content))
    assert img.size == (300, 400) and not img.getexif().get(0x0112)

    before = await table_counts()
    r = await upload(client, token, pk, "photo", b"GIF89a this is not really an image")
    assert r.status_code == 422 and r.json()["error"] == "not_an_image"
    r = await upload(client, token, pk, "photo", b"\xff\xd8\xff" + b"\x00" * (settings.max_upload_bytes + 10))
    assert r.status_code == 413
    r = await upload(client, token, pk, "photo", jpeg(40, 40))
    assert r.status_code == 422 and r.json()["error"] == "image_too_small"
    r = await client.put(f"/api/v1/technicians/{pk}/photo", headers=auth(token), json={"file": "x"})
    assert r.status_code == 422 and r.json()["error"] == "multipart_required"
    assert await table_counts() == before
    # The photo is stored encrypted: the plaintext JPEG never appears in the table.
    from api.media.models import StoredImage

    row = await StoredImage.filter(technician_id=pk).first()
    assert b"JFIF" not in row.sealed and row.sealed.startswith(b"gAAAA")


async def test_self_registration_assigns_each_technician_a_login_id(client):
    regs = [await register_technician(client) for _ in range(2)]
    ids = [reg["login_id"] for reg in regs]
    assert len(set(ids)) == 2 and all(len(i) == 12 and i.isdigit() for i in ids), ids
    for reg in regs:
        me = (await client.get("/api/v1/auth/me", headers=auth(await login(client, reg["login_id"])))).json()
        assert me["role"] == "technician" and me["technician_pk"] == reg["technician"]["id"], me


async def test_bad_technician_input_writes_nothing(client):
    await register_technician(client, phone="090-9999-0001")
    before = await table_counts()
    cases = [
        (technician_payload(login="first"), 422, "validation_error"),  # the system assigns the login ID
        (technician_payload(nationality="VN"), 422, "validation_error"),
        (technician_payload(trades=["05-01", "06-01", "07-01", "13-01", "15-01"]), 422, "validation_error"),
        (technician_payload(trades=["99-99"]), 422, "validation_error"),
        (technician_payload(birth_date="1985-02-30"), 422, "validation_error"),
        (technician_payload(employer_business_id="12345678901234"), 422, "invalid_check_digit"),
        (technician_payload(password="short"), 422, "password_too_short"),
    ]
    for payload, status, code in cases:
        r = await client.post("/api/v1/technicians", json=payload)
        assert (r.status_code, r.json()["error"]) == (status, code), (payload, r.text)
    assert await table_counts() == before


async def test_foreign_technician_needs_residence_status(client):
    reg = await register_technician(
        client, nationality="VN", residence_status="特定技能1号", residence_expiry="2027-03-31"
    )
    assert reg["technician"]["residence_expiry"] == "2027-03-31"


async def test_technician_data_is_private(client):
    op = await operator_token(client)
    firm = await approved_business(client, op)
    other = await approved_business(client, op)
    reg = await register_technician(client, employer_business_id=firm["business"]["business_id"])
    pk = reg["technician"]["id"]
    stranger = await register_technician(client)
    assert (await client.get(f"/api/v1/technicians/{pk}", headers=auth(firm["token"]))).status_code == 200
    assert (await client.get(f"/api/v1/technicians/{pk}", headers=auth(other["token"]))).status_code == 404
    assert (await client.get(f"/api/v1/technicians/{pk}", headers=auth(stranger["token"]))).status_code == 404
    assert (await client.get(f"/api/v1/technicians/{pk}", headers=auth(op))).status_code == 200
    site = {"password": PASSWORD, "display_name": "現場"}
    r = await client.post(
        f"/api/v1/businesses/{firm['business']['id']}/site-managers", headers=auth(firm["token"]), json=site
    )
    assert r.status_code == 201, r.text
    sm = await login(client, r.json()["login"])
    assert (await client.get(f"/api/v1/technicians/{pk}", headers=auth(sm))).status_code == 403
    employees = (
        await client.get(f"/api/v1/businesses/{firm['business']['id']}/employees", headers=auth(firm["token"]))
    ).json()
    assert [e["id"] for e in employees] == [pk]


async def test_proxy_registration_by_the_employer(client):
    op = await operator_token(client)
    pending = await register_business(client)
    payload = {**technician_payload(), "consent_obtained": True, "consent_on": "2026-01-10"}
    r = await client.post(
        f"/api/v1/businesses/{pending['business']['id']}/technicians", headers=auth(pending["token"]), json=payload
    )
    assert r.status_code == 409 and r.json()["error"] == "business_not_approved"

    firm = await approved_business(client, op)
    no_consent = {**technician_payload(), "consent_obtained": False, "consent_on": "2026-01-10"}
    r = await client.post(
        f"/api/v1/businesses/{firm['business']['id']}/technicians", headers=auth(firm["token"]), json=no_consent
    )
    assert r.status_code == 422
    # The employer picks no login name for the technician: the system assigns the login ID they hand over.
    before = await table_counts()
    named = {**technician_payload(), "login": "chosen-by-boss", "consent_obtained": True, "consent_on": "2026-01-10"}
    r = await client.post(
        f"/api/v1/businesses/{firm['business']['id']}/technicians", headers=auth(firm["token"]), json=named
    )
    assert (r.status_code, r.json()["error"]) == (422, "validation_error"), r.text
    assert await table_counts() == before
    r = await client.post(
        f"/api/v1/businesses/{firm['business']['id']}/technicians",
        headers=auth(firm["token"]),
        json={**technician_payload(), "consent_obtained": True, "consent_on": "2026-01-10"},
    )
    assert r.status_code == 201 and r.json()["proxy"] and r.json()["employer_pk"] == firm["business"]["id"]
    pk = r.json()["id"]
    me = (await client.get("/api/v1/auth/me", headers=auth(await login(client, r.json()["login_id"])))).json()
    assert me["technician_pk"] == pk, me
    assert (await upload(client, firm["token"], pk, "photo", jpeg())).status_code == 200
    assert (await upload(client, firm["token"], pk, "id-document", jpeg())).status_code == 200
    r = await client.post(f"/api/v1/technicians/{pk}/applications", headers=auth(firm["token"]), json={"kind": "new"})
    assert r.status_code == 201 and r.json()["proxy"] is True


async def test_upgrade_to_detailed_with_qualifications(client):
    op = await operator_token(client)
    t = await submitted_technician(client)
    pk, token = t["pk"], t["token"]
    await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    r = await client.post(f"/api/v1/technicians/{pk}/applications", headers=auth(token), json={"kind": "upgrade"})
    assert r.status_code == 422  # 詳細型 data first

    files = {"file": ("cert.jpg", jpeg(800, 600), "image/jpeg")}
    r = await client.post(
        f"/api/v1/technicians/{pk}/qualifications",
        headers=auth(token),
        files=files,
        data={"code": "T01", "acquired_on": "2010-05-01"},
    )
    assert r.status_code == 201 and r.json()["name"] == "玉掛け技能講習"
    r = await client.post(
        f"/api/v1/technicians/{pk}/qualifications",
        headers=auth(token),
        files=files,
        data={"code": "NOPE", "acquired_on": "2010-05-01"},
    )
    assert r.status_code == 422
    r = await client.post(
        f"/api/v1/technicians/{pk}/qualifications",
        headers=auth(token),
        files=files,
        data={"code": "T01", "acquired_on": "2010-05-01"},
    )
    assert r.status_code == 409
    cert = await client.get(
        f"/api/v1/technicians/{pk}/qualifications/{(await _quals(client, pk, token))[0]}/certificate",
        headers=auth(token),
    )
    assert cert.status_code == 200 and cert.headers["content-type"] == "image/jpeg"

    detailed = {
        "labour_insurance_special": True,
        "health_checks": [{"name": "定期健康診断", "on": "2026-04-01"}],
        "education": [{"school": "県立工業高校", "department": "建築科"}],
    }
    assert (
        await client.put(f"/api/v1/technicians/{pk}/detailed", headers=auth(token), json=detailed)
    ).status_code == 200
    r = await client.post(f"/api/v1/technicians/{pk}/applications", headers=auth(token), json={"kind": "upgrade"})
    assert r.status_code == 201
    assert (
        await client.post(f"/api/v1/review/applications/{r.json()['id']}/approve", headers=auth(op))
    ).status_code == 200
    tech = (await client.get(f"/api/v1/technicians/{pk}", headers=auth(token))).json()
    assert tech["tier"] == "detailed" and tech["detailed"]["labour_insurance_special"] is True


async def _quals(client, pk, token):
    return [
        q["id"] for q in (await client.get(f"/api/v1/technicians/{pk}", headers=auth(token))).json()["qualifications"]
    ]


async def test_roles_are_enforced(client):
    op = await operator_token(client)
    reg = await register_technician(client)
    token = reg["token"]
    assert (await client.get("/api/v1/review/applications", headers=auth(token))).status_code == 403
    assert (await client.get("/api/v1/audit", headers=auth(token))).status_code == 403
    # Operators correct data through the audited correction, not the technician's own edit.
    r = await client.patch(f"/api/v1/technicians/{reg['technician']['id']}", headers=auth(op), json={"address": "x"})
    assert r.status_code == 403
