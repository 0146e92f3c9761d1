"""A virtual Japanese IC driver's licence (IC運転免許証), built from license-ic.md.

The card is a ``Card`` of the iso7816 framework with its own file system instead of
AID-selected applications, because the licence starts at the MF:

    MF ─ EF 2F01 common data (free) ─ EF 000A PIN setting (free) ─ IEF 0001/0002 (PIN1/PIN2)
    ├─ DF1 (A0 00 00 02 31 01 00…) ─ EF01 記載事項 (PIN1) ─ EF02 本籍 (PIN1+2) ─ EF04 changes (PIN1)
    └─ DF2 (A0 00 00 02 31 02 00…) ─ EF01 photo (PIN1+2)

Commands: SELECT (MF ``00 A4 00 00``, EF by FID ``P1=02``, DF by AID ``P1=04``), READ BINARY
(offset in P1-P2, or SFI in P1 with the offset in P2), VERIFY (P2 ``81``/``82``, or ``80``
on a selected IEF; no data = retry-counter query).  Each PIN has 3 tries; a wrong VERIFY
answers ``63Cx`` with the tries left, the 3rd wrong one blocks (``6984`` afterwards); a right
one resets the counter.  Security state is cleared by power-on and reset, counters are not.

Everything the reader side decodes (JIS X 0208, era dates, TLV, change entries) is encoded
here independently, so a reader/card round trip is a real check.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from .iso7816 import (
    INS_READ_BINARY,
    INS_SELECT,
    SW_CLA_NOT_SUPPORTED,
    SW_COMMAND_NOT_ALLOWED_NO_EF,
    SW_END_OF_FILE,
    SW_FILE_NOT_FOUND,
    SW_INCORRECT_P1P2,
    SW_INS_NOT_SUPPORTED,
    SW_OK,
    SW_SECURITY_NOT_SATISFIED,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    Card,
    CardError,
    CommandApdu,
    make_atr,
)

INS_VERIFY = 0x20
SW_PIN_BLOCKED = 0x6984
SW_INCOMPATIBLE_FILE = 0x6981
SW_REF_NOT_FOUND = 0x6A88

DF1_AID = bytes.fromhex("A0000002310100000000000000000000")
DF2_AID = bytes.fromhex("A0000002310200000000000000000000")
DF3_AID = bytes.fromhex("A0000002480300000000000000000000")
ATR = make_atr(bytes.fromhex("0000000000000000"))  # what a PC/SC reader makes of a Type B card

# Eras for the encoder (independent of edge_reader.licence.era on purpose).
_ERAS = (
    (5, dt.date(2019, 5, 1)),
    (4, dt.date(1989, 1, 8)),
    (3, dt.date(1926, 12, 25)),
    (2, dt.date(1912, 7, 30)),
    (1, dt.date(1868, 1, 25)),
)

FREE, PIN1, PIN12 = frozenset(), frozenset({1}), frozenset({1, 2})


# --- encoders ------------------------------------------------------------------------------
def jis(text: str) -> bytes:
    """Bare JIS X 0208 (EUC-JP minus the high bits); refuses anything not two-byte."""
    raw = text.encode("euc_jp")
    if len(raw) % 2 or any(b < 0xA1 for b in raw):
        raise ValueError(f"not all JIS X 0208: {text!r}")
    return bytes(b & 0x7F for b in raw)


def era_code(value: dt.date | str | None, *, none_era: int = 5) -> str:
    """A date as era digit + YYMMDD; a str is taken as an already-encoded (raw) code."""
    if isinstance(value, str):
        return value
    if value is None:
        return f"{none_era}000000"
    for digit, first in _ERAS:
        if value >= first:
            return f"{digit}{value.year - first.year + 1:02d}{value:%m%d}"
    raise ValueError("before 明治")


def tlv(tag: int, value: bytes) -> bytes:
    head = tag.to_bytes(2 if tag > 0xFF else 1, "big")
    n = len(value)
    if n < 0x80:
        return head + bytes([n]) + value
    if n <= 0xFF:
        return head + b"\x81" + bytes([n]) + value
    return head + b"\x82" + n.to_bytes(2, "big") + value


def pad(data: bytes, size: int) -> bytes:
    if len(data) > size:
        raise ValueError(f"{len(data)} bytes do not fit in {size}")
    return data + b"\xff" * (size - len(data))


def bcd(value: dt.date) -> bytes:
    return bytes.fromhex(value.strftime("%Y%m%d"))


def check_digit(first10: str) -> int:
    total = sum(int(c) * w for c, w in zip(first10, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def licence_number(commission: str, year2: str, serial: str, reissue: int = 0) -> str:
    first10 = commission + year2 + serial
    return f"{first10}{check_digit(first10)}{reissue}"


def sample_photo_j2k(size: tuple[int, int] = (48, 60)) -> bytes:
    """A small JPEG 2000 codestream (SOC FF 4F), like the chip's photo."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, (180, 200, 220))
    ImageDraw.Draw(img).ellipse((10, 8, 38, 40), fill=(230, 190, 160))
    out = io.BytesIO()
    img.save(out, "JPEG2000", no_jp2=True, quality_mode="rates", quality_layers=[20])
    return out.getvalue()


@dataclass(frozen=True)
class ChangeEntry:
    """One DF1/EF04 entry (layout: docs/licence.md §EF04).  ``tag`` 52 新氏名, 53 新呼び名,
    54 新住所, 55 新条件, 56 条件解除, 57 備考."""

    tag: int
    changed_on: dt.date | str
    value: str
    commission: str = "東京都"
    date_form: str = "jis"  # "jis" = full-width digits, "ascii" = 7 ASCII digits

    def encode(self) -> bytes:
        code = era_code(self.changed_on)
        date = (
            jis(code.translate(str.maketrans("0123456789", "０１２３４５６７８９")))
            if self.date_form == "jis"
            else code.encode("ascii")
        )
        commission = jis(self.commission.ljust(5, "\u3000")[:5])
        return tlv(self.tag, bytes([0x90]) + date + jis(self.value) + commission)


# Categories by tag: 22 二・小・原, 23 他, 24 二種, then 25 大型 … 33 準中型.
DEFAULT_CATEGORIES: dict[int, dt.date | str | None] = {
    0x22: dt.date(2004, 8, 20),
    0x23: dt.date(2003, 6, 5),
    0x24: None,
    0x25: None,
    0x26: dt.date(2003, 6, 5),
    0x27: None,
    0x28: None,
    0x29: None,
    0x2A: dt.date(2003, 6, 5),
    0x2B: dt.date(2003, 6, 5),
    0x2C: None,
    0x2D: None,
    0x2E: None,
    0x2F: None,
    0x30: None,
    0x31: dt.date(2007, 6, 2),
    0x32: None,
    0x33: None,
}


@dataclass
class LicenceHolder:
    """Test data for one licence (fictional person).  Dates may be raw era codes (str)."""

    name: str = "試験　花子"
    kana: str = ""
    alias: str = ""
    unified_kana: str = ""
    birth: dt.date | str = dt.date(1985, 5, 1)
    address: str = "東京都千代田区霞が関二丁目１番２号"
    issued: dt.date = dt.date(2021, 5, 10)
    reference: str = "12345"
    colour: str = "優良"
    expires: dt.date = dt.date(2026, 6, 1)
    expires_code: str | None = None  # a raw era code for tag 1B (e.g. 平成33 = "4330601")
    conditions: tuple[str, ...] = ("眼鏡等",)
    commission: str = "東京都公安委員会"
    number: str = field(default_factory=lambda: licence_number("30", "03", "123456", 0))
    categories: dict[int, dt.date | str | None] = field(default_factory=lambda: dict(DEFAULT_CATEGORIES))
    changes: list[ChangeEntry] = field(default_factory=list)
    changes_flag: bool | None = None  # tag 50 value; None = "appended iff entries exist"
    pin1: str | None = "1234"  # None: no PIN set (the card expects **** for both)
    pin2: str | None = "5678"
    spec_version: str = "008"
    photo: bytes | None = None
    raw_matters: bytes | None = None  # override DF1/EF01 entirely (malformed-data tests)

    def common_data(self) -> bytes:
        issuer = self.spec_version.encode("ascii") + bcd(self.issued) + bcd(self.expires)
        return tlv(0x45, issuer) + tlv(0x46, b"\x01\x01")

    def pin_setting(self) -> bytes:
        return bytes([0xC1, 0x01, 0x00 if self.pin1 is None else 0x01])

    def matters(self) -> bytes:
        if self.raw_matters is not None:
            return pad(self.raw_matters, 880)
        out = tlv(0x11, b"\x97") + tlv(0x12, jis(self.name)) + tlv(0x13, jis(self.kana))
        out += tlv(0x14, jis(self.alias)) + tlv(0x15, jis(self.unified_kana))
        out += tlv(0x16, era_code(self.birth).encode()) + tlv(0x17, jis(self.address))
        out += tlv(0x18, era_code(self.issued).encode()) + tlv(0x19, self.reference.encode())
        out += tlv(0x1A, jis(self.colour))
        out += tlv(0x1B, (self.expires_code or era_code(self.expires)).encode())
        conditions = list(self.conditions) + [""] * (4 - len(self.conditions))
        for tag, text in zip((0x1C, 0x1D, 0x1E, 0x1F), conditions, strict=True):
            out += tlv(tag, jis(text))
        out += tlv(0x20, jis(self.commission)) + tlv(0x21, self.number.encode())
        for tag, since in self.categories.items():
            out += tlv(tag, era_code(since).encode())
        return pad(out, 880)

    def changes_file(self) -> bytes:
        flag = bool(self.changes) if self.changes_flag is None else self.changes_flag
        out = tlv(0x50, b"\x01" if flag else b"\x00")
        for entry in self.changes:
            out += entry.encode()
        return pad(out, 640)

    def photo_file(self) -> bytes:
        photo = self.photo if self.photo is not None else sample_photo_j2k()
        return pad(tlv(0x5F40, photo), 2005)


class LicenceCard(Card):
    """The virtual licence.  ``counters``/``verified`` and ``verify_log`` are for assertions:
    ``verify_log`` holds (pin_ref, with_data) per VERIFY received — never the PIN."""

    def __init__(
        self,
        holder: LicenceHolder,
        *,
        counters: tuple[int, int] = (3, 3),
        uid: bytes | None = bytes.fromhex("7e3a19c4"),
    ) -> None:
        super().__init__(ATR, [], uid=uid)
        self.holder = holder
        if holder.pin1 is None:  # "no PIN set": both references are the default ****
            self._pins = {1: b"****", 2: b"****"}
        else:
            self._pins = {1: holder.pin1.encode(), 2: (holder.pin2 or "0000").encode()}
        self.counters = {1: counters[0], 2: counters[1]}
        self.verified: set[int] = set()
        self.verify_log: list[tuple[int, bool]] = []
        self.reads: list[tuple[str, str, int, int]] = []  # (df, fid, offset, le)
        self.files: dict[tuple[str, bytes], tuple[bytes, frozenset[int]]] = {
            ("MF", bytes.fromhex("2F01")): (holder.common_data(), FREE),
            ("MF", bytes.fromhex("000A")): (holder.pin_setting(), FREE),
            ("DF1", bytes.fromhex("0001")): (holder.matters(), PIN1),
            ("DF1", bytes.fromhex("0002")): (pad(tlv(0x41, jis("東京都千代田区")), 82), PIN12),
            ("DF1", bytes.fromhex("0004")): (holder.changes_file(), PIN1),
            ("DF2", bytes.fromhex("0001")): (holder.photo_file(), PIN12),
        }
        self.sfi = {
            ("DF1", 1): bytes.fromhex("0001"),
            ("DF1", 2): bytes.fromhex("0002"),
            ("DF1", 4): bytes.fromhex("0004"),
            ("DF2", 1): bytes.fromhex("0001"),
        }
        self.df = "MF"
        self.ef: bytes | None = None

    # Power events clear the security state and the selection, never the counters.
    def _deselect(self) -> None:
        super()._deselect()
        self.verified.clear()
        self.df, self.ef = "MF", None

    def _dispatch(self, apdu: CommandApdu) -> bytes | tuple[bytes, int]:
        if apdu.cla == 0xFF:
            return super()._dispatch(apdu)  # PC/SC GET DATA (UID), played by the card
        if apdu.cla != 0x00:
            raise CardError(SW_CLA_NOT_SUPPORTED)
        if apdu.ins == INS_SELECT:
            return self._select(apdu)
        if apdu.ins == INS_READ_BINARY:
            return self._read(apdu)
        if apdu.ins == INS_VERIFY:
            return self._verify(apdu)
        raise CardError(SW_INS_NOT_SUPPORTED)

    def _select(self, apdu: CommandApdu) -> bytes:
        if apdu.p2 not in (0x00, 0x0C):
            raise CardError(SW_INCORRECT_P1P2)
        if apdu.p1 == 0x00:
            if apdu.data not in (b"", b"\x3f\x00"):
                raise CardError(SW_FILE_NOT_FOUND)
            self.df, self.ef = "MF", None
            return b""
        if apdu.p1 == 0x04:
            df = {DF1_AID: "DF1", DF2_AID: "DF2", DF3_AID: "DF3"}.get(apdu.data)
            if df is None:
                raise CardError(SW_FILE_NOT_FOUND)
            self.df, self.ef = df, None
            return b""
        if apdu.p1 == 0x02:
            if len(apdu.data) != 2:
                raise CardError(SW_WRONG_LENGTH)
            is_ief = self.df == "MF" and apdu.data in (b"\x00\x01", b"\x00\x02")
            if (self.df, apdu.data) not in self.files and not is_ief:
                raise CardError(SW_FILE_NOT_FOUND)
            self.ef = apdu.data
            return b""
        raise CardError(SW_INCORRECT_P1P2)

    def _read(self, apdu: CommandApdu) -> bytes | tuple[bytes, int]:
        if apdu.p1 & 0x80:
            fid = self.sfi.get((self.df, apdu.p1 & 0x1F))
            if fid is None:
                raise CardError(SW_FILE_NOT_FOUND)
            self.ef, offset = fid, apdu.p2
        else:
            if self.ef is None:
                raise CardError(SW_COMMAND_NOT_ALLOWED_NO_EF)
            offset = apdu.p1 << 8 | apdu.p2
        entry = self.files.get((self.df, self.ef))
        if entry is None:  # an IEF: PINs are not readable
            raise CardError(SW_INCOMPATIBLE_FILE)
        content, needs = entry
        if not needs <= self.verified:
            raise CardError(SW_SECURITY_NOT_SATISFIED)
        if offset >= len(content):
            raise CardError(SW_WRONG_P1P2)  # 6B00: offset outside the EF
        want = 256 if not apdu.le else apdu.le
        self.reads.append((self.df, self.ef.hex(), offset, want))
        chunk = content[offset : offset + want]
        return (chunk, SW_END_OF_FILE) if len(chunk) < want else chunk

    def _verify(self, apdu: CommandApdu) -> bytes | tuple[bytes, int]:
        if apdu.p1 != 0x00:
            raise CardError(SW_INCORRECT_P1P2)
        if apdu.p2 in (0x81, 0x82) and self.df == "MF":
            ref = apdu.p2 & 0x0F
        elif apdu.p2 == 0x80 and self.df == "MF" and self.ef in (b"\x00\x01", b"\x00\x02"):
            ref = self.ef[1]
        else:
            raise CardError(SW_REF_NOT_FOUND)
        self.verify_log.append((ref, bool(apdu.data)))
        if not apdu.data:  # counter query: costs nothing
            if self.counters[ref] == 0:
                raise CardError(SW_PIN_BLOCKED)
            if ref in self.verified:
                return b""
            return b"", 0x63C0 | self.counters[ref]
        if len(apdu.data) != 4:
            raise CardError(SW_WRONG_LENGTH)
        if self.counters[ref] == 0:
            raise CardError(SW_PIN_BLOCKED)
        if apdu.data == self._pins[ref]:
            self.counters[ref] = 3
            self.verified.add(ref)
            return b""
        self.counters[ref] -= 1
        self.verified.discard(ref)
        return b"", 0x63C0 | self.counters[ref]


def licence_card(holder: LicenceHolder | None = None, **kw: object) -> LicenceCard:
    return LicenceCard(holder or LicenceHolder(), **kw)  # type: ignore[arg-type]


__all__ = [
    "ATR",
    "SW_OK",
    "ChangeEntry",
    "LicenceCard",
    "LicenceHolder",
    "era_code",
    "jis",
    "licence_card",
    "licence_number",
    "sample_photo_j2k",
    "tlv",
]
