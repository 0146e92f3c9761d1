"""The 簡略型 draft from either path: what is pre-filled, the masked number, raw data only
with consent, and the user's confirmation."""

from __future__ import annotations

import datetime as dt
import json

from api.licence.draft import confirm, draft_from_ic, draft_from_ocr, fingerprint, split_name
from api.registration.schemas import IdentityFields
from edge_reader.licence import read_licence
from tests.pcsc_stack.licence import ChangeEntry, LicenceHolder, licence_card, licence_number

TODAY = dt.date(2025, 1, 15)
KEY = b"k" * 32


def chip_json(**kw: object) -> dict:
    """What the edge reader prints for a virtual licence (read in-process)."""
    card = licence_card(LicenceHolder(**kw))  # type: ignore[arg-type]
    card.power_on()

    def transmit(apdu: bytes) -> tuple[bytes, int]:
        resp = card.process(apdu)
        return resp[:-2], int.from_bytes(resp[-2:], "big")

    return json.loads(json.dumps(read_licence(transmit, "1234").to_dict(), ensure_ascii=False))


def test_split_name():
    assert split_name("試験\u3000花子") == ("試験", "花子")
    assert split_name("Smith John Paul") == ("Smith", "JohnPaul")
    assert split_name("試験花子") == ("試験花子", None)


def test_ic_draft_prefills_identity_and_masks_the_number():
    moved = ChangeEntry(0x54, dt.date(2024, 3, 1), "大阪府大阪市北区中之島一丁目３番２０号", "大阪府")
    licence = chip_json(changes=[moved])
    number = licence["licence_number"]
    draft = draft_from_ic(licence, fingerprint_key=KEY, today=TODAY)
    assert draft["tier"] == "simplified" and draft["source"] == "ic_chip"
    assert draft["identity"] == {
        "family_name": "試験",
        "given_name": "花子",
        "birth_date": "1985-05-01",
        "address": "大阪府大阪市北区中之島一丁目３番２０号",
    }
    doc = draft["identity_document"]
    assert doc["number_masked"] == "********" + number[-4:] and doc["number_check_digit_ok"] is True
    assert doc["number_fingerprint"] == fingerprint(number, KEY) != fingerprint(number, b"x" * 32)
    assert doc["expires"] == "2026-06-01" and doc["expired"] is False
    assert doc["categories"] == ["普通", "小特", "原付", "中型"]
    assert number not in json.dumps(draft, ensure_ascii=False)
    assert "raw" not in draft and draft["raw_kept"] is False
    assert {"sex", "phone", "family_name_kana"} <= set(draft["missing"])
    assert set(draft["needs_confirmation"]) == {"family_name", "given_name", "birth_date", "address"}
    # The pre-filled part fits the registration schema's field types.
    fields = IdentityFields.model_fields
    assert set(draft["identity"]) <= set(fields)


def test_raw_is_kept_only_with_consent():
    licence = chip_json()
    with_consent = draft_from_ic(licence, consent_raw=True, today=TODAY)
    assert with_consent["raw_kept"] is True
    assert with_consent["raw"]["licence_number"] == licence["licence_number"]
    photo = b"\xff\xd8 a jpeg"
    ocr_result = {
        "suggestions": {"birth_date": {"value": "1985-05-01", "confidence": 0.9, "note": None}},
        "uncertain": {},
        "retake": [],
    }
    assert "raw" not in draft_from_ocr(ocr_result, photo=photo, today=TODAY)
    kept = draft_from_ocr(ocr_result, photo=photo, consent_raw=True, today=TODAY)
    assert kept["raw"]["photo_base64"] and kept["raw"]["ocr"]["suggestions"]["birth_date"]


def test_masked_only_input_and_review_flags():
    licence = chip_json(number=licence_number("45", "12", "000777", 1)[:10] + "99", expires=dt.date(2024, 12, 1))
    licence.pop("licence_number")  # an edge reader that sends the masked form only
    licence["needs_review"] = ["name", "address"]
    draft = draft_from_ic(licence, today=TODAY)
    doc = draft["identity_document"]
    assert doc["number_masked"] == "********7799" and doc["number_check_digit_ok"] is False
    assert doc["expired"] is True and "licence_expired" in draft["warnings"]
    assert draft["fields"]["family_name"]["confidence"] == 0.7 and draft["fields"]["family_name"]["note"]


def test_ocr_draft_prefills_suggestions_only_and_confirm_applies_edits():
    number = licence_number("30", "05", "123456")
    result = {
        "suggestions": {
            "name": {"value": "高橋\u3000由美", "confidence": 0.91, "note": None},
            "licence_number": {"value": number, "confidence": 0.88, "note": None},
            "expiry_date": {"value": "2026-06-12", "confidence": 0.8, "note": None},
        },
        "uncertain": {"address": {"value": "東京都千代田区城が関二丁目1番2号", "confidence": 0.43, "note": None}},
        "retake": [],
    }
    draft = draft_from_ocr(result, today=TODAY)
    assert draft["identity"] == {"family_name": "高橋", "given_name": "由美"}
    assert draft["fields"]["address"]["prefill"] is False  # offered, not pre-filled
    assert draft["fields"]["licence_number"]["value"] == "********" + number[-4:]
    assert number not in json.dumps(draft, ensure_ascii=False)
    done = confirm(
        draft,
        confirmed=["family_name", "given_name"],
        edits={
            "address": "東京都千代田区霞が関二丁目1番2号",
            "birth_date": "1958-05-13",
            "licence_number": licence_number("30", "05", "123457"),
        },
        today=TODAY,
    )
    assert done["identity"] == {
        "family_name": "高橋",
        "given_name": "由美",
        "birth_date": "1958-05-13",
        "address": "東京都千代田区霞が関二丁目1番2号",
    }
    assert done["fields"]["address"]["source"] == "user" and done["fields"]["address"]["confirmed"]
    assert done["identity_document"]["number_masked"].endswith(licence_number("30", "05", "123457")[-4:])
    assert done["identity_document"]["number_check_digit_ok"] is True
    assert set(done["needs_confirmation"]) == {"expiry_date"}
    assert draft["identity"] == {"family_name": "高橋", "given_name": "由美"}  # the original is untouched


def test_retake_answer_becomes_a_draft_with_nothing_prefilled():
    result = {
        "suggestions": {},
        "uncertain": {},
        "retake": [{"code": "too_dark", "message": "暗すぎます。", "message_en": "Too dark"}],
    }
    draft = draft_from_ocr(result, today=TODAY)
    assert draft["identity"] == {} and draft["retake"][0]["code"] == "too_dark"
    assert "retake:too_dark" in draft["warnings"]
