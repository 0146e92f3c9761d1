"""The licence endpoints through the HTTP API: a rendered card face read by real tesseract, and an IC read as the
edge reader prints it, into drafts whose licence number is stored masked."""

from api.licence.models import RegistrationDraft
from tests.api.helpers import auth, register_technician
from tests.licence.cardface import people, photo_bytes


async def test_card_photo_to_confirmed_draft(client):
    reg = await register_technician(client)
    face = people(1)[0]
    r = await client.post(
        "/api/v1/licence/card-photo",
        headers=auth(reg["token"]),
        files={"file": ("card.jpg", photo_bytes(face, "clean"), "image/jpeg")},
        data={"consent_raw": "false"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    fields = body["draft"]["fields"]
    assert fields["birth_date"]["value"] == face.birth.isoformat()
    assert "raw" not in body["draft"]
    row = await RegistrationDraft.get(id=body["id"])
    assert row.raw_sealed is None and row.licence_number_masked and face.number not in str(row.fields_json)
    r = await client.post(
        f"/api/v1/licence/drafts/{body['id']}/confirm",
        headers=auth(reg["token"]),
        json={"confirmed": ["birth_date"], "edits": {"address": "東京都千代田区1-1"}},
    )
    assert r.status_code == 200
    assert r.json()["draft"]["fields"]["address"]["value"] == "東京都千代田区1-1"
    other = await register_technician(client)
    r = await client.post(f"/api/v1/licence/drafts/{body['id']}/confirm", headers=auth(other["token"]), json={})
    assert r.status_code == 404


async def test_a_blurred_photo_is_answered_with_what_to_retake(client):
    r = await client.post("/api/v1/licence/card-photo", files={"file": ("x.jpg", b"not a photo", "image/jpeg")})
    assert r.status_code == 200 and r.json()["draft"]["retake"] and r.json()["id"] is None


async def test_ic_read_is_stored_masked_and_raw_only_with_consent(client):
    reg = await register_technician(client)
    licence = {
        "name": "山田　太郎",
        "name_kana": "ヤマダ　タロウ",
        "birth_date": "1985-04-01",
        "address": "東京都千代田区霞が関2-1-2",
        "licence_number": "123456789012",
        "expires": "2030-05-01",
        "commission": "東京都公安委員会",
        "categories": [{"name": "普通"}],
        "warnings": [],
        "needs_review": [],
    }
    r = await client.post("/api/v1/licence/ic", headers=auth(reg["token"]), json={"licence": licence})
    assert r.status_code == 200, r.text
    row = await RegistrationDraft.get(id=r.json()["id"])
    assert "123456789012" not in str(row.fields_json) and row.raw_sealed is None
    r = await client.post(
        "/api/v1/licence/ic", headers=auth(reg["token"]), json={"licence": licence, "consent_raw": True}
    )
    row = await RegistrationDraft.get(id=r.json()["id"])
    assert row.consent_raw and row.raw_sealed and b"123456789012" not in row.raw_sealed  # sealed, not plain
    r = await client.post("/api/v1/licence/ic", headers=auth(reg["token"]), json={"licence": {"name": 1}})
    assert r.status_code == 422
