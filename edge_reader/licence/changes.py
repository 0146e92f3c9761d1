"""DF1/EF04 記載事項変更等(本籍除く): the changes endorsed on the back of the card.

What the sources give (license-ic.md §5, §7): tag ``50`` first, whose first byte says whether
anything was appended (追記の有無); then change entries, each with the JIS X 0208 edition,
the change date, the new value and the 公安委員会名.  The entry *tag numbers* and the exact
value layout are not in any public source.  OpenCCUS assumes (docs/licence.md §EF04):

| tag | entry |
|---|---|
| 51 | 住所地公安委員会 changed (new value = the commission) |
| 52 | 新氏名 |
| 53 | 新呼び名 |
| 54 | 新住所 |
| 55 | 新条件 |
| 56 | 条件解除 |
| 57 | 備考 |

value = edition (1 byte) ‖ change date (7 characters, era digit + YYMMDD, as JIS X 0208
full-width digits — one reader tested on real cards decodes it so — or 7 ASCII digits) ‖ new
value (JIS X 0208) ‖ 公安委員会名 (the last 5 JIS X 0208 characters, space padded).

Unknown tags are kept and reported, never guessed at.  The newest entry of a kind wins
(change date, then file order); entries are never dropped silently.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from .era import parse_era_code
from .errors import LicenceDataError
from .jis import decode_jisx0208
from .tlv import parse_tlv

TAG_APPENDED = 0x50
KINDS = {
    0x51: "residence_commission",
    0x52: "name",
    0x53: "name_kana",
    0x54: "address",
    0x55: "condition_added",
    0x56: "condition_removed",
    0x57: "remarks",
}
COMMISSION_CHARS = 5


@dataclass(frozen=True)
class ChangeRecord:
    kind: str
    changed_on: dt.date | None
    value: str
    commission: str
    has_placeholder: bool = False
    tag: int = 0


@dataclass(frozen=True)
class ChangeFile:
    appended: bool
    records: tuple[ChangeRecord, ...]
    unknown_tags: tuple[int, ...] = ()

    def latest(self, kind: str) -> ChangeRecord | None:
        found = [(r.changed_on or dt.date.min, i, r) for i, r in enumerate(self.records) if r.kind == kind]
        return max(found, key=lambda t: (t[0], t[1]))[2] if found else None


def _parse_record(tag: int, value: bytes) -> ChangeRecord:
    if len(value) < 1 + 7:
        raise LicenceDataError(f"change entry {tag:02X} too short")
    body = value[1:]
    if body[0] == 0x23:  # JIS X 0208 row 3 = full-width digits
        date_text, _ = decode_jisx0208(body[:14])
        rest = body[14:]
    else:
        date_text, rest = body[:7].decode("ascii", "replace"), body[7:]
    date_code = unicodedata.normalize("NFKC", date_text)
    changed_on = parse_era_code(date_code)
    if len(rest) < 2 * COMMISSION_CHARS:
        raise LicenceDataError(f"change entry {tag:02X} has no 公安委員会名")
    text, ph1 = decode_jisx0208(rest[: -2 * COMMISSION_CHARS])
    commission, ph2 = decode_jisx0208(rest[-2 * COMMISSION_CHARS :])
    return ChangeRecord(KINDS[tag], changed_on, text, commission, ph1 or ph2, tag)


def parse_changes(data: bytes) -> ChangeFile:
    objects = parse_tlv(data)
    appended = False
    records: list[ChangeRecord] = []
    unknown: list[int] = []
    for obj in objects:
        if obj.tag == TAG_APPENDED:
            appended = bool(obj.value[:1]) and obj.value[0] != 0
        elif obj.tag in KINDS:
            records.append(_parse_record(obj.tag, obj.value))
        else:
            unknown.append(obj.tag)
    return ChangeFile(appended, tuple(records), tuple(unknown))
