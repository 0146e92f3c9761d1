"""Server side of the OpenCCUS card profile (docs/card-profile.md §3.1, §6–§8): per-card keys, the personalisation
record for the card bureau, and the check of a card's INTERNAL AUTHENTICATE response.

The server never stores a card key: it re-derives it from the master key of the card's key version and the serial.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

LABEL = b"openccus-card-key"  # 17 ASCII bytes, no length prefix (§6)


def derive_card_key(*, master_key: bytes, serial: bytes, key_version: int) -> bytes:
    if len(serial) != 8 or not 1 <= key_version <= 255:
        raise ValueError("a card serial is 8 bytes and a key version 1–255")
    return hmac.new(master_key, LABEL + serial + bytes([key_version]), hashlib.sha256).digest()[:16]


def card_response(*, card_key: bytes, challenge: bytes) -> bytes:
    return hmac.new(card_key, challenge, hashlib.sha256).digest()[:16]


def response_is_valid(*, master_key: bytes, serial: bytes, key_version: int, challenge: bytes, response: bytes) -> bool:
    if len(challenge) != 16 or len(response) != 16:
        return False
    expected = card_response(
        card_key=derive_card_key(master_key=master_key, serial=serial, key_version=key_version), challenge=challenge
    )
    return hmac.compare_digest(expected, response)  # constant time: no timing oracle on the response


def ef_card(*, technician_id: str, serial: bytes, issued: date, expires: date, key_version: int) -> bytes:
    """EF.CARD format 1: one-byte tags C0–C5 with one-byte lengths (§3.1)."""
    if not (len(technician_id) == 14 and technician_id.isdigit()):
        raise ValueError("technician_id must be 14 digits")

    def tlv(tag: int, value: bytes) -> bytes:
        return bytes([tag, len(value)]) + value

    return b"".join(
        [
            tlv(0xC0, b"\x01"),
            tlv(0xC1, technician_id.encode("ascii")),
            tlv(0xC2, serial),
            tlv(0xC3, issued.strftime("%Y%m%d").encode()),
            tlv(0xC4, expires.strftime("%Y%m%d").encode()),
            tlv(0xC5, bytes([key_version])),
        ]
    )


@dataclass(frozen=True)
class Personalisation:
    """What the card bureau writes onto a new card (§7); hand it over encrypted and destroy it once the card works."""

    technician_id: str
    card_serial: str
    issued: date
    expires: date
    key_version: int
    card_key: str
    ef_card: str
