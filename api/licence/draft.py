"""A 簡略型 registration draft from either licence path.

* ``draft_from_ic(licence)`` — ``licence`` is the JSON the edge reader prints
  (``edge_reader.licence.LicenceData.to_dict()``): chip data, authoritative, confidence 1.0
  except where the reader flagged a doubt (外字/欠字 placeholders, an unreadable change file).
* ``draft_from_ocr(result)`` — ``result`` is ``api.licence.ocr.CardFaceResult`` (or its
  ``to_dict()``): suggestions pre-fill, uncertain readings are offered but not pre-filled.
* ``confirm(draft, edits)`` — the user's confirmations and corrections.

Rules kept here, whatever the caller does:

* the licence number never leaves as a whole: ``number_masked`` keeps the last 4 digits, and
  a keyed fingerprint (HMAC-SHA256) may be added for duplicate checks;
* the raw data (the chip's full record, the OCR output, the photo) is in the draft only when
  ``consent_raw`` is true — the technician's consent to keep it;
* nothing is ``confirmed`` until the user says so.

``draft["identity"]`` holds only confirmed-or-prefilled values under the names of
``api.registration.schemas.IdentityFields`` (family_name, given_name, *_kana, birth_date,
address); the rest of 簡略型 (sex, phone, trades, …) is listed in ``draft["missing"]``.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import hmac
import unicodedata
from typing import Any

from .jpdate import check_digit_ok, mask_number

TIER = "simplified"
# 簡略型 fields a licence cannot give (api.registration.schemas.IdentityFields).
NOT_ON_LICENCE = ("sex", "postal_code", "phone", "trades", "social_insurance", "retirement_aid")
IDENTITY_KEYS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "address")


def split_name(name: str) -> tuple[str, str | None]:
    """``"試験　花子"`` -> (family, given) at the first full-width or ASCII space; without a
    space the whole is the family name and the given name is left for the user."""
    parts = unicodedata.normalize("NFKC", name).split()
    if len(parts) >= 2:
        return parts[0], "".join(parts[1:])
    return "".join(parts), None


def fingerprint(number: str, key: bytes) -> str:
    """Keyed, non-reversible: finds the same licence registered twice without storing it."""
    return hmac.new(key, b"licence-number:" + number.encode("ascii"), hashlib.sha256).hexdigest()


def _field(value: Any, confidence: float, source: str, *, prefill: bool = True, note: str | None = None) -> dict:
    return {
        "value": value,
        "confidence": round(float(confidence), 3),
        "source": source,
        "prefill": prefill,
        "confirmed": False,
        "note": note,
    }


def _document(
    number: str | None, *, expires: str | None, commission: str | None, key: bytes | None, today: dt.date, source: str
) -> dict:
    doc: dict[str, Any] = {
        "kind": "drivers_licence",
        "source": source,
        "number_masked": None,
        "number_check_digit_ok": None,
        "expires": expires,
        "expired": None,
        "commission": commission,
    }
    if number:
        doc["number_masked"] = mask_number(number)
        doc["number_check_digit_ok"] = check_digit_ok(number)
        if key is not None:
            doc["number_fingerprint"] = fingerprint(number, key)
    if expires:
        doc["expired"] = dt.date.fromisoformat(expires) < today
    return doc


def _finish(
    fields: dict[str, dict], document: dict, source: str, warnings: list[str], raw: dict | None, consent_raw: bool
) -> dict:
    draft = {
        "tier": TIER,
        "source": source,
        "fields": fields,
        "identity": {},
        "identity_document": document,
        "missing": [],
        "needs_confirmation": [],
        "warnings": warnings,
        "raw_kept": bool(consent_raw and raw is not None),
    }
    if consent_raw and raw is not None:
        draft["raw"] = raw
    return _refresh(draft)


def _refresh(draft: dict) -> dict:
    fields = draft["fields"]
    draft["identity"] = {
        k: f["value"]
        for k, f in fields.items()
        if k in IDENTITY_KEYS and f["value"] not in (None, "") and (f["prefill"] or f["confirmed"])
    }
    draft["missing"] = [k for k in IDENTITY_KEYS if k not in draft["identity"]] + list(NOT_ON_LICENCE)
    draft["needs_confirmation"] = [k for k, f in fields.items() if not f["confirmed"]]
    return draft


def draft_from_ic(
    licence: dict, *, consent_raw: bool = False, fingerprint_key: bytes | None = None, today: dt.date | None = None
) -> dict:
    today = today or dt.date.today()
    src = "ic_chip"
    review = set(licence.get("needs_review", []))
    family, given = split_name(licence["name"])
    conf = lambda key: 0.7 if key in review else 1.0  # noqa: E731
    fields = {
        "family_name": _field(family, conf("name"), src, note="外字/欠字" if "name" in review else None),
        "given_name": _field(given, conf("name") if given else 0.0, src, prefill=given is not None),
        "birth_date": _field(licence["birth_date"], 1.0, src),
        "address": _field(
            licence["address"],
            conf("address"),
            src,
            note="changes_unreadable" if "changes_unreadable" in licence.get("warnings", []) else None,
        ),
    }
    kana = licence.get("name_kana") or ""
    if kana:
        k_family, k_given = split_name(kana)
        fields["family_name_kana"] = _field(k_family, 1.0, src)
        if k_given:
            fields["given_name_kana"] = _field(k_given, 1.0, src)
    number = licence.get("licence_number")
    document = _document(
        number,
        expires=licence.get("expires"),
        commission=licence.get("commission"),
        key=fingerprint_key,
        today=today,
        source=src,
    )
    if number is None:  # the edge reader sent the masked form only
        document["number_masked"] = licence.get("licence_number_masked")
        document["number_check_digit_ok"] = licence.get("licence_number_check_ok")
    document["categories"] = [c["name"] for c in licence.get("categories", [])]
    warnings = list(licence.get("warnings", []))
    if document["expired"]:
        warnings.append("licence_expired")
    raw = {k: v for k, v in licence.items()} if consent_raw else None
    return _finish(fields, document, src, warnings, raw, consent_raw)


def draft_from_ocr(
    result: Any,
    *,
    consent_raw: bool = False,
    photo: bytes | None = None,
    fingerprint_key: bytes | None = None,
    today: dt.date | None = None,
) -> dict:
    today = today or dt.date.today()
    src = "card_photo"
    data = result.to_dict() if hasattr(result, "to_dict") else result
    fields: dict[str, dict] = {}
    readings = {
        **{k: (v, False) for k, v in data.get("uncertain", {}).items()},
        **{k: (v, True) for k, v in data.get("suggestions", {}).items()},
    }
    if "name" in readings:
        s, sure = readings["name"]
        family, given = split_name(s["value"])
        fields["family_name"] = _field(family, s["confidence"], src, prefill=sure, note=s.get("note"))
        fields["given_name"] = _field(
            given, s["confidence"] if given else 0.0, src, prefill=sure and given is not None, note=s.get("note")
        )
    for key in ("birth_date", "address"):
        if key in readings:
            s, sure = readings[key]
            fields[key] = _field(s["value"], s["confidence"], src, prefill=sure, note=s.get("note"))
    number = expires = None
    if "licence_number" in readings:
        s, sure = readings["licence_number"]
        number = s["value"] if sure else None
        fields["licence_number"] = _field(
            mask_number(s["value"]), s["confidence"], src, prefill=sure, note=s.get("note")
        )
    if "expiry_date" in readings:
        s, sure = readings["expiry_date"]
        expires = s["value"] if sure else None
        fields["expiry_date"] = _field(s["value"], s["confidence"], src, prefill=sure, note=s.get("note"))
    document = _document(number, expires=expires, commission=None, key=fingerprint_key, today=today, source=src)
    warnings = [f"retake:{r['code']}" for r in data.get("retake", [])]
    if document["expired"]:
        warnings.append("licence_expired")
    raw = None
    if consent_raw:
        raw = {"ocr": copy.deepcopy(data)}
        if photo is not None:
            raw["photo_base64"] = base64.b64encode(photo).decode("ascii")
    draft = _finish(fields, document, src, warnings, raw, consent_raw)
    draft["retake"] = data.get("retake", [])
    return draft


def confirm(
    draft: dict,
    *,
    confirmed: list[str] = (),
    edits: dict[str, Any] | None = None,
    fingerprint_key: bytes | None = None,
    today: dt.date | None = None,
) -> dict:
    """Apply the user's answer: ``confirmed`` fields are accepted as shown, ``edits`` replace
    values (and count as confirmed).  An edited ``licence_number`` is given in full, checked
    and stored masked like the rest."""
    today = today or dt.date.today()
    out = copy.deepcopy(draft)
    fields = out["fields"]
    for key in confirmed:
        if key in fields:
            fields[key]["confirmed"] = True
            fields[key]["prefill"] = True
    for key, value in (edits or {}).items():
        if key == "licence_number":
            number = str(value)
            doc = _document(
                number,
                expires=out["identity_document"].get("expires"),
                commission=out["identity_document"].get("commission"),
                key=fingerprint_key,
                today=today,
                source="user",
            )
            out["identity_document"].update({k: v for k, v in doc.items() if k != "expires"})
            fields[key] = {**_field(mask_number(number), 1.0, "user"), "confirmed": True}
            continue
        if key == "expiry_date":
            out["identity_document"]["expires"] = value
            out["identity_document"]["expired"] = dt.date.fromisoformat(value) < today
        fields[key] = {**_field(value, 1.0, "user"), "confirmed": True}
    return _refresh(out)
