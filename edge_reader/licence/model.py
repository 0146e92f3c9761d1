"""What the licence chip holds, decoded: the common data (no PIN), the 記載事項 (PIN1) with
the change file applied, and optionally the photo (PIN1 + PIN2)."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field

from .changes import ChangeFile, ChangeRecord
from .era import parse_era_code
from .errors import LicenceDataError
from .jis import decode_jisx0208
from .number import check_digit_ok, is_well_formed, mask
from .tlv import parse_tlv, tlv_dict

# DF1/EF01 tags (license-ic.md §5)
T_JIS_EDITION, T_NAME, T_KANA, T_ALIAS, T_UNIFIED_KANA, T_BIRTH, T_ADDRESS = range(0x11, 0x18)
T_ISSUED, T_REFERENCE, T_COLOUR, T_EXPIRES = 0x18, 0x19, 0x1A, 0x1B
T_CONDITIONS = (0x1C, 0x1D, 0x1E, 0x1F)
T_COMMISSION, T_NUMBER = 0x20, 0x21

# 免許の年月日: the three groups printed on the left of the card, then each category.
CATEGORY_TAGS: dict[int, tuple[str, str]] = {
    0x22: ("motorcycle_small_moped_first", "二・小・原"),
    0x23: ("other_first", "他"),
    0x24: ("class2_first", "二種"),
    0x25: ("large", "大型"),
    0x26: ("ordinary", "普通"),
    0x27: ("large_special", "大特"),
    0x28: ("large_motorcycle", "大自二"),
    0x29: ("ordinary_motorcycle", "普自二"),
    0x2A: ("small_special", "小特"),
    0x2B: ("moped", "原付"),
    0x2C: ("towing", "け引"),
    0x2D: ("large_class2", "大二"),
    0x2E: ("ordinary_class2", "普二"),
    0x2F: ("large_special_class2", "大特二"),
    0x30: ("towing_class2", "け引二"),
    0x31: ("medium", "中型"),
    0x32: ("medium_class2", "中二"),
    0x33: ("semi_medium", "準中型"),
}
GROUP_KEYS = {"motorcycle_small_moped_first", "other_first", "class2_first"}
TAG_PHOTO = 0x5F40


def _bcd_date(raw: bytes) -> dt.date:
    text = raw.hex()
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError as exc:
        raise LicenceDataError(f"BCD date {text} is not a date") from exc


@dataclass(frozen=True)
class CommonData:
    """MF/EF01 共通データ要素: readable without a PIN (Gregorian BCD dates)."""

    spec_version: str
    issued: dt.date
    expires: dt.date
    manufacturer: int
    crypto: int


def parse_common_data(raw: bytes) -> CommonData:
    fields = tlv_dict(raw)
    issuer, pre = fields.get(0x45), fields.get(0x46)
    if issuer is None or len(issuer) != 11 or pre is None or len(pre) != 2:
        raise LicenceDataError("common data: tags 45 (11 B) and 46 (2 B) expected")
    try:
        version = issuer[:3].decode("ascii")
    except UnicodeDecodeError as exc:
        raise LicenceDataError("common data: spec version is not ASCII") from exc
    return CommonData(version, _bcd_date(issuer[3:7]), _bcd_date(issuer[7:11]), pre[0], pre[1])


def parse_pin_setting(raw: bytes) -> bool:
    """MF/EF02: ``tt 01 vv``; vv 01 = PIN set, 00 = not set (the card expects ``****``).
    Anything else is refused: guessing here could cost a PIN try."""
    if len(raw) != 3 or raw[1] != 0x01 or raw[2] not in (0x00, 0x01):
        raise LicenceDataError("PIN setting: expected 3 bytes tt 01 vv with vv 00/01")
    return raw[2] == 0x01


@dataclass(frozen=True)
class Category:
    key: str
    name: str
    since: dt.date


@dataclass(frozen=True, repr=False)
class LicenceData:
    common: CommonData
    name: str
    name_kana: str
    alias: str
    unified_name_kana: str
    birth_date: dt.date
    address: str  # current: EF04's latest 新住所 if any, else the printed one
    address_on_card: str  # DF1/EF01 tag 17 as issued
    issued: dt.date
    reference_number: str
    colour_class: str
    expires: dt.date
    conditions: tuple[str, ...]
    commission: str
    licence_number: str
    licence_number_check_ok: bool
    categories: tuple[Category, ...]  # held categories only (not-held are era+000000)
    first_licensed: dict[str, dt.date]  # 二・小・原 / 他 / 二種 groups that are held
    jis_edition: int | None = None
    changes: tuple[ChangeRecord, ...] = ()
    needs_review: tuple[str, ...] = ()  # fields with 外字/欠字 placeholders or doubts
    warnings: tuple[str, ...] = ()
    photo_j2k: bytes | None = field(default=None)

    @property
    def licence_number_masked(self) -> str:
        return mask(self.licence_number)

    def __repr__(self) -> str:  # no licence number, no photo bytes in logs
        return (
            f"LicenceData(number={self.licence_number_masked}, expires={self.expires}, "
            f"categories={[c.name for c in self.categories]}, changes={len(self.changes)}, "
            f"photo={'yes' if self.photo_j2k else 'no'})"
        )

    def to_dict(self, *, include_number: bool = True, include_photo: bool = False) -> dict:
        """JSON-ready.  The full number is there by default because the draft builder needs
        it to mask and check; ``include_number=False`` leaves only the masked form."""
        out = {
            "source": "ic_chip",
            "spec_version": self.common.spec_version,
            "name": self.name,
            "name_kana": self.name_kana,
            "alias": self.alias,
            "unified_name_kana": self.unified_name_kana,
            "birth_date": self.birth_date.isoformat(),
            "address": self.address,
            "address_on_card": self.address_on_card,
            "issued": self.issued.isoformat(),
            "expires": self.expires.isoformat(),
            "reference_number": self.reference_number,
            "colour_class": self.colour_class,
            "conditions": list(self.conditions),
            "commission": self.commission,
            "licence_number_masked": self.licence_number_masked,
            "licence_number_check_ok": self.licence_number_check_ok,
            "categories": [{"key": c.key, "name": c.name, "since": c.since.isoformat()} for c in self.categories],
            "first_licensed": {k: v.isoformat() for k, v in self.first_licensed.items()},
            "changes": [
                {
                    "kind": r.kind,
                    "changed_on": r.changed_on.isoformat() if r.changed_on else None,
                    "value": r.value,
                    "commission": r.commission,
                }
                for r in self.changes
            ],
            "needs_review": list(self.needs_review),
            "warnings": list(self.warnings),
            "has_photo": self.photo_j2k is not None,
        }
        if include_number:
            out["licence_number"] = self.licence_number
        if include_photo and self.photo_j2k is not None:
            out["photo_j2k_base64"] = base64.b64encode(self.photo_j2k).decode("ascii")
        return out


def _ascii(fields: dict[int, bytes], tag: int, what: str) -> str:
    try:
        return fields.get(tag, b"").decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise LicenceDataError(f"{what} is not ASCII") from exc


def _date(fields: dict[int, bytes], tag: int, what: str) -> dt.date | None:
    raw = fields.get(tag)
    if raw is None:
        return None
    return parse_era_code(_ascii(fields, tag, what))


def parse_matters(
    raw: bytes, common: CommonData, changes: ChangeFile | None, *, change_warning: str | None = None
) -> LicenceData:
    """DF1/EF01 plus the change file -> LicenceData."""
    fields = tlv_dict(raw)
    review: list[str] = []
    warnings: list[str] = []

    def text(tag: int, key: str) -> str:
        value, placeholder = decode_jisx0208(fields.get(tag, b""))
        if placeholder:
            review.append(key)
        return value

    for tag, what in ((T_NAME, "name"), (T_BIRTH, "birth date"), (T_EXPIRES, "expiry"), (T_NUMBER, "licence number")):
        if tag not in fields:
            raise LicenceDataError(f"記載事項 has no {what} (tag {tag:02X})")
    name = text(T_NAME, "name")
    kana = text(T_KANA, "name_kana")
    address_on_card = text(T_ADDRESS, "address")
    birth = _date(fields, T_BIRTH, "birth date")
    expires = _date(fields, T_EXPIRES, "expiry")
    issued = _date(fields, T_ISSUED, "issue date")
    if birth is None or expires is None:
        raise LicenceDataError("birth date or expiry is 000000")
    number = _ascii(fields, T_NUMBER, "licence number")
    if not is_well_formed(number):
        raise LicenceDataError("licence number is not 12 digits")
    number_ok = check_digit_ok(number)
    if not number_ok:
        warnings.append("licence_number_check_digit")
        review.append("licence_number")
    if expires != common.expires:
        warnings.append("expiry_differs_from_common_data")

    categories: list[Category] = []
    first: dict[str, dt.date] = {}
    for tag, (key, label) in CATEGORY_TAGS.items():
        try:
            since = _date(fields, tag, label)
        except LicenceDataError:  # one bad category date must not lose the whole licence
            warnings.append(f"bad_category_date:{tag:02X}")
            continue
        if since is None:
            continue
        if key in GROUP_KEYS:
            first[key] = since
        else:
            categories.append(Category(key, label, since))

    address = address_on_card
    records: tuple[ChangeRecord, ...] = ()
    if changes is not None:
        records = changes.records
        if changes.unknown_tags:
            warnings.append("changes_unknown_tags:" + ",".join(f"{t:02X}" for t in changes.unknown_tags))
        if records and not changes.appended:
            warnings.append("changes_present_but_not_flagged")
        for kind in ("name", "name_kana", "address"):
            latest = changes.latest(kind)
            if latest is None:
                continue
            if kind == "name":
                name = latest.value
            elif kind == "name_kana":
                kana = latest.value
            else:
                address = latest.value
            if latest.has_placeholder:
                review.append(kind)
    if change_warning:
        warnings.append(change_warning)
        review.append("address")  # a moved address may be missing

    edition = fields.get(T_JIS_EDITION)
    return LicenceData(
        common=common,
        name=name,
        name_kana=kana,
        alias=text(T_ALIAS, "alias"),
        unified_name_kana=text(T_UNIFIED_KANA, "unified_name_kana"),
        birth_date=birth,
        address=address,
        address_on_card=address_on_card,
        issued=issued or common.issued,
        reference_number=_ascii(fields, T_REFERENCE, "reference number"),
        colour_class=text(T_COLOUR, "colour_class"),
        expires=expires,
        conditions=tuple(c for c in (text(t, "conditions") for t in T_CONDITIONS) if c),
        commission=text(T_COMMISSION, "commission"),
        licence_number=number,
        licence_number_check_ok=number_ok,
        categories=tuple(categories),
        first_licensed=first,
        jis_edition=edition[0] if edition else None,
        changes=records,
        needs_review=tuple(dict.fromkeys(review)),
        warnings=tuple(warnings),
    )


def parse_photo(raw: bytes) -> bytes:
    """DF2/EF01: ``5F 40 82 hh ll`` + JPEG 2000 codestream (starts with SOC ``FF 4F``)."""
    objects = parse_tlv(raw)
    if not objects or objects[0].tag != TAG_PHOTO:
        raise LicenceDataError("photo file does not start with tag 5F40")
    value = objects[0].value
    if value[:2] != b"\xff\x4f":
        raise LicenceDataError("photo is not a JPEG 2000 codestream (no FF4F)")
    return value
