"""The OpenCCUS card profile from the reader's side (docs/card-profile.md).

Pure except for the ``transmit`` callable, so the same code runs over pcscd (pcsc.py) and
over the test source, and is unit-testable against a virtual card.  The reader never holds
a key: it picks the challenge, asks the card for the response and forwards both.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass

AID = bytes.fromhex("F04F50454E43435553")  # F0 || "OPENCCUS" (proprietary, category F)
EF_CARD_FID = bytes.fromhex("0101")

SELECT_AID = bytes.fromhex("00A40400") + bytes([len(AID)]) + AID + b"\x00"
SELECT_EF_CARD = bytes.fromhex("00A4020C02") + EF_CARD_FID
READ_BINARY_ALL = bytes.fromhex("00B0000000")  # offset 0, Le=00: up to 256 bytes
GET_UID = bytes.fromhex("FFCA000000")  # PC/SC part 3 GET DATA (UID fallback profile)

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282
SW_FILE_NOT_FOUND = 0x6A82

TAG_FORMAT, TAG_TECHNICIAN, TAG_SERIAL, TAG_ISSUED, TAG_EXPIRES, TAG_KEY_VERSION = (0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5)
_REQUIRED = (TAG_FORMAT, TAG_TECHNICIAN, TAG_SERIAL, TAG_ISSUED, TAG_EXPIRES, TAG_KEY_VERSION)

# (APDU bytes) -> (response data, SW1SW2).  Raises CardGone when the card went away.
Transmit = Callable[[bytes], tuple[bytes, int]]


class CardGone(Exception):
    """The card left the field (or the reader vanished) during the exchange: no tap."""


class CardError(Exception):
    """The card answered, but not as the profile says (wrong SW, malformed file)."""


class NotOpenCCUS(CardError):
    """The OpenCCUS application is not on this card (SELECT answered 6A82)."""


@dataclass(frozen=True)
class CardIdentity:
    technician_id: str
    serial: bytes
    issued: dt.date
    expires: dt.date
    key_version: int

    @property
    def serial_hex(self) -> str:
        return self.serial.hex()  # canonical form on the wire: 16 lowercase hex digits


def exchange(transmit: Transmit, apdu: bytes) -> tuple[bytes, int]:
    """Send an APDU, following the transport-level status words a real card may use:
    61xx (more data: GET RESPONSE, T=0 cards) and 6Cxx (wrong Le: resend with Le=xx)."""
    data, sw = transmit(apdu)
    if sw >> 8 == 0x6C:
        data, sw = transmit(apdu[:-1] + bytes([sw & 0xFF]))
    out = bytearray(data)
    for _ in range(16):  # bounded: a broken card must not keep us here forever
        if sw >> 8 != 0x61:
            break
        data, sw = transmit(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
        out += data
    return bytes(out), sw


def select_application(transmit: Transmit) -> None:
    _, sw = exchange(transmit, SELECT_AID)
    if sw == SW_FILE_NOT_FOUND:
        raise NotOpenCCUS("no OpenCCUS application")
    if sw != SW_OK:
        raise CardError(f"SELECT AID answered {sw:04X}")


def read_ef_card(transmit: Transmit) -> bytes:
    _, sw = exchange(transmit, SELECT_EF_CARD)
    if sw != SW_OK:
        raise CardError(f"SELECT EF.CARD answered {sw:04X}")
    data, sw = exchange(transmit, READ_BINARY_ALL)
    if sw not in (SW_OK, SW_END_OF_FILE):
        raise CardError(f"READ BINARY answered {sw:04X}")
    return data


def _date(value: bytes) -> dt.date:
    try:
        return dt.datetime.strptime(value.decode("ascii"), "%Y%m%d").date()
    except (UnicodeDecodeError, ValueError) as exc:
        raise CardError(f"bad date {value!r}") from exc


def parse_ef_card(data: bytes) -> CardIdentity:
    """Parse EF.CARD: single-byte tags, short lengths; 00/FF padding between objects is
    skipped and unknown tags are ignored (forward compatibility); duplicates are refused."""
    fields: dict[int, bytes] = {}
    i = 0
    while i < len(data):
        tag = data[i]
        if tag in (0x00, 0xFF):
            i += 1
            continue
        if i + 1 >= len(data) or data[i + 1] >= 0x80:
            raise CardError("truncated or long-form TLV")
        length = data[i + 1]
        value = data[i + 2 : i + 2 + length]
        if len(value) != length:
            raise CardError("truncated TLV value")
        if tag in fields:
            raise CardError(f"duplicate tag {tag:02X}")
        fields[tag] = value
        i += 2 + length
    missing = [t for t in _REQUIRED if t not in fields]
    if missing:
        raise CardError(f"missing tags {[f'{t:02X}' for t in missing]}")
    if fields[TAG_FORMAT] != b"\x01":
        raise CardError(f"unsupported EF.CARD format {fields[TAG_FORMAT].hex()}")
    tech = fields[TAG_TECHNICIAN]
    if len(tech) != 14 or not tech.isdigit():
        raise CardError("technician id is not 14 ASCII digits")
    if len(fields[TAG_SERIAL]) != 8:
        raise CardError("serial is not 8 bytes")
    kv = fields[TAG_KEY_VERSION]
    if len(kv) != 1 or kv[0] == 0:
        raise CardError("key version is not one byte 1..255")
    return CardIdentity(
        tech.decode("ascii"), fields[TAG_SERIAL], _date(fields[TAG_ISSUED]), _date(fields[TAG_EXPIRES]), kv[0]
    )


def read_identity(transmit: Transmit) -> CardIdentity:
    select_application(transmit)
    return parse_ef_card(read_ef_card(transmit))


def new_challenge() -> bytes:
    """16 bytes from the OS CSPRNG.  The server refuses a (serial, challenge) pair it has
    seen, so challenges must never repeat: 128 random bits make a repeat negligible, and a
    failed exchange is never retried with the same challenge."""
    return os.urandom(16)


def internal_authenticate(transmit: Transmit, challenge: bytes) -> bytes:
    if len(challenge) != 16:
        raise ValueError("challenge must be 16 bytes")
    data, sw = exchange(transmit, bytes.fromhex("0088000010") + challenge + b"\x00")
    if sw != SW_OK:
        raise CardError(f"INTERNAL AUTHENTICATE answered {sw:04X}")
    if len(data) != 16:
        raise CardError(f"INTERNAL AUTHENTICATE returned {len(data)} bytes")
    return data


def read_uid(transmit: Transmit) -> bytes:
    """UID of a contactless card (fallback profile; a UID is not a secret)."""
    data, sw = exchange(transmit, GET_UID)
    if sw != SW_OK or not data:
        raise CardError(f"GET DATA (UID) answered {sw:04X}")
    return data
