"""A virtual OpenCCUS card (docs/card-profile.md) and the profile's key derivation.

The key derivation and response computation here are the *reference* for the document's
test vectors and for the stand-in contract server; the edge reader never sees keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field

from .iso7816 import (
    INS_INTERNAL_AUTHENTICATE,
    INS_READ_BINARY,
    INS_SELECT,
    SW_COMMAND_NOT_ALLOWED_NO_EF,
    SW_END_OF_FILE,
    SW_FILE_NOT_FOUND,
    SW_INCORRECT_P1P2,
    SW_INS_NOT_SUPPORTED,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    Application,
    Card,
    CardError,
    CommandApdu,
    make_atr,
)

AID = bytes.fromhex("F04F50454E43435553")  # F0 || "OPENCCUS"
EF_CARD_FID = bytes.fromhex("0101")
EF_CARD_SFI = 1
KDF_LABEL = b"openccus-card-key"
ATR = make_atr(b"OPENCCUS")

TAG_FORMAT, TAG_TECHNICIAN, TAG_SERIAL, TAG_ISSUED, TAG_EXPIRES, TAG_KEY_VERSION = (0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5)


def derive_card_key(master_key: bytes, serial: bytes, key_version: int) -> bytes:
    """card_key = HMAC-SHA256(master_key, "openccus-card-key" || serial || kv)[:16]."""
    if len(serial) != 8 or not 1 <= key_version <= 255:
        raise ValueError("serial is 8 bytes, key_version 1..255")
    msg = KDF_LABEL + serial + bytes([key_version])
    return hmac.new(master_key, msg, hashlib.sha256).digest()[:16]


def auth_response(card_key: bytes, challenge: bytes) -> bytes:
    """response = HMAC-SHA256(card_key, challenge)[:16]."""
    if len(challenge) != 16:
        raise ValueError("challenge is 16 bytes")
    return hmac.new(card_key, challenge, hashlib.sha256).digest()[:16]


def tlv(tag: int, value: bytes) -> bytes:
    assert len(value) < 0x80  # short-form length is all the profile needs
    return bytes([tag, len(value)]) + value


@dataclass
class Personalisation:
    """What the issuing system writes to a card (see the profile's §Personalisation)."""

    technician_id: str
    serial: bytes
    issued: dt.date
    expires: dt.date
    key_version: int
    card_key: bytes

    @classmethod
    def issue(
        cls,
        master_key: bytes,
        technician_id: str,
        serial: bytes,
        *,
        issued: dt.date = dt.date(2024, 4, 1),
        expires: dt.date = dt.date(2034, 3, 31),
        key_version: int = 1,
    ) -> Personalisation:
        return cls(
            technician_id, serial, issued, expires, key_version, derive_card_key(master_key, serial, key_version)
        )

    def ef_card(self) -> bytes:
        return (
            tlv(TAG_FORMAT, b"\x01")
            + tlv(TAG_TECHNICIAN, self.technician_id.encode("ascii"))
            + tlv(TAG_SERIAL, self.serial)
            + tlv(TAG_ISSUED, self.issued.strftime("%Y%m%d").encode())
            + tlv(TAG_EXPIRES, self.expires.strftime("%Y%m%d").encode())
            + tlv(TAG_KEY_VERSION, bytes([self.key_version]))
        )


@dataclass
class OpenCCUSApplication(Application):
    perso: Personalisation
    aid: bytes = AID
    # Test knob: a card answering with a wrong key (a clone with the data but not the key).
    wrong_key: bool = False
    ef_selected: bool = field(default=False, init=False)
    auth_count: int = field(default=0, init=False)

    def select(self) -> bytes:
        self.ef_selected = False
        # FCI template with the DF name (ISO 7816-4 §7.4.1); the reader ignores it.
        return bytes([0x6F, len(AID) + 2, 0x84, len(AID)]) + AID

    def deselect(self) -> None:
        self.ef_selected = False

    def handle(self, apdu: CommandApdu) -> bytes | tuple[bytes, int]:
        if apdu.cla != 0x00:
            raise CardError(SW_INS_NOT_SUPPORTED)
        if apdu.ins == INS_SELECT:
            return self._select_ef(apdu)
        if apdu.ins == INS_READ_BINARY:
            return self._read_binary(apdu)
        if apdu.ins == INS_INTERNAL_AUTHENTICATE:
            return self._internal_authenticate(apdu)
        raise CardError(SW_INS_NOT_SUPPORTED)

    def _select_ef(self, apdu: CommandApdu) -> bytes:
        if apdu.p1 != 0x02 or apdu.p2 not in (0x0C, 0x00):
            raise CardError(SW_INCORRECT_P1P2)
        if apdu.data != EF_CARD_FID:
            raise CardError(SW_FILE_NOT_FOUND)
        self.ef_selected = True
        return b""

    def _read_binary(self, apdu: CommandApdu) -> bytes | tuple[bytes, int]:
        if apdu.p1 & 0x80:  # short EF identifier form
            if apdu.p1 & 0x1F != EF_CARD_SFI:
                raise CardError(SW_FILE_NOT_FOUND)
            self.ef_selected = True
            offset = apdu.p2
        else:
            if not self.ef_selected:
                raise CardError(SW_COMMAND_NOT_ALLOWED_NO_EF)
            offset = (apdu.p1 << 8) | apdu.p2
        content = self.perso.ef_card()
        if offset > len(content):
            raise CardError(SW_WRONG_P1P2)
        want = 256 if not apdu.le else apdu.le
        chunk = content[offset : offset + want]
        if len(chunk) < want and apdu.le:  # explicit Le longer than what is left
            return chunk, SW_END_OF_FILE
        return chunk

    def _internal_authenticate(self, apdu: CommandApdu) -> bytes:
        if (apdu.p1, apdu.p2) != (0, 0):
            raise CardError(SW_INCORRECT_P1P2)
        if len(apdu.data) != 16:
            raise CardError(SW_WRONG_LENGTH)
        self.auth_count += 1
        key = bytes(16) if self.wrong_key else self.perso.card_key
        return auth_response(key, apdu.data)


def openccus_card(perso: Personalisation, *, uid: bytes | None = None, wrong_key: bool = False) -> Card:
    return Card(ATR, [OpenCCUSApplication(perso, wrong_key=wrong_key)], uid=uid)


def uid_only_card(uid: bytes) -> Card:
    """A plain contactless card (FeliCa/MIFARE-like): no applications, just a UID."""
    return Card(make_atr(b"UIDONLY"), [], uid=uid)
