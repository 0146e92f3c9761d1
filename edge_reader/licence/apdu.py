"""APDUs of the Japanese IC driver's licence (license-ic.md §2-§3) and the transport
helpers the flow uses.  Plain ISO 7816-4, CLA 00, no secure messaging.

VERIFY is deliberately *not* sent through ``exchange``: a ``6Cxx`` answer would make a
generic helper resend the command with a patched last byte, i.e. a second VERIFY with a
different PIN.  VERIFY goes out exactly once through ``transmit`` and its status word is
interpreted by the PIN guard in flow.py.
"""

from __future__ import annotations

import logging

from ..card import Transmit
from .errors import LicenceDataError, LicenceError

log = logging.getLogger(__name__)

DF1_AID = bytes.fromhex("A0000002310100000000000000000000")
DF2_AID = bytes.fromhex("A0000002310200000000000000000000")

FID_COMMON = bytes.fromhex("2F01")  # MF/EF01 共通データ要素, 17 B, no PIN
FID_PIN_SETTING = bytes.fromhex("000A")  # MF/EF02 暗証番号(PIN)設定, 3 B, no PIN
FID_EF01 = bytes.fromhex("0001")
FID_EF04 = bytes.fromhex("0004")

# Known maximum sizes, used as the read limit (the read also stops at end of file).
SIZE_COMMON = 17
SIZE_PIN_SETTING = 3
SIZE_MATTERS = 880  # DF1/EF01 記載事項(本籍除く)
SIZE_CHANGES = 640  # DF1/EF04 記載事項変更等(本籍除く)
SIZE_PHOTO = 2005  # DF2/EF01 写真 (5F 40 82 07 D0 + 2000)

PIN1_REF, PIN2_REF = 0x81, 0x82  # VERIFY P2 = 0x80 | SFI of IEF01 / IEF02

SELECT_MF = bytes.fromhex("00A40000")

SW_OK = 0x9000
SW_EOF = 0x6282  # end of file before Le bytes
SW_DF_BLOCKED = 0x6283
SW_VERIFY_FAILED = 0x6300
SW_SECURITY = 0x6982  # PIN not verified
SW_AUTH_BLOCKED = 0x6983
SW_PIN_BLOCKED = 0x6984  # referenced IEF blocked
SW_NOT_FOUND = 0x6A82
SW_OFFSET = 0x6B00  # offset outside the EF

MAX_CHUNK = 0xFF  # short Le only; 00 (=256) is avoided on purpose
MAX_OFFSET = 0x7FFF  # P1 bit 8 must stay 0 (it would mean "SFI in P1")


def select_ef(fid: bytes) -> bytes:
    return bytes.fromhex("00A4020C02") + fid


def select_df(aid: bytes) -> bytes:
    return bytes.fromhex("00A4040C") + bytes([len(aid)]) + aid


def verify_query(p2: int) -> bytes:
    """VERIFY without data: asks for the retry counter, costs no try (answers 63Cx)."""
    return bytes([0x00, 0x20, 0x00, p2])


def read_binary(offset: int, le: int) -> bytes:
    if not 0 <= offset <= MAX_OFFSET or not 1 <= le <= MAX_CHUNK:
        raise ValueError("offset 0..7FFF and Le 1..FF")
    return bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, le])


def command(transmit: Transmit, apdu: bytes) -> tuple[bytes, int]:
    """Send a non-VERIFY command; follow ``61xx`` with GET RESPONSE (bounded)."""
    data, sw = transmit(apdu)
    out = bytearray(data)
    for _ in range(16):
        if sw >> 8 != 0x61:
            break
        data, sw = transmit(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
        out += data
    return bytes(out), sw


def select(transmit: Transmit, apdu: bytes, what: str) -> None:
    _, sw = command(transmit, apdu)
    if sw == SW_OK:
        return
    if sw == SW_DF_BLOCKED:
        raise LicenceError(f"SELECT {what}: the DF is blocked (6283)")
    raise LicenceError(f"SELECT {what} answered {sw:04X}")


def read_file(transmit: Transmit, limit: int, *, chunk: int = MAX_CHUNK, what: str = "EF") -> bytes:
    """READ BINARY the current EF in chunks of ``chunk`` bytes with the offset in P1-P2,
    until ``limit`` bytes, a short answer, 6282 (end of file) or 6B00 (offset outside)."""
    if not 1 <= chunk <= MAX_CHUNK:
        raise ValueError("chunk must be 1..255 bytes")
    out = bytearray()
    while len(out) < limit:
        want = min(chunk, limit - len(out))
        data, sw = command(transmit, read_binary(len(out), want))
        if sw >> 8 == 0x6C and sw & 0xFF:  # wrong Le: the card says how many it has
            want = min(sw & 0xFF, want)
            data, sw = command(transmit, read_binary(len(out), want))
        if sw == SW_OFFSET and out:
            break
        if sw == SW_SECURITY:
            raise LicenceError(f"READ BINARY {what}: security status not satisfied (6982)")
        if sw not in (SW_OK, SW_EOF):
            raise LicenceError(f"READ BINARY {what} at offset {len(out)} answered {sw:04X}")
        if len(data) > want:
            raise LicenceDataError(f"READ BINARY {what}: card sent more than Le")
        out += data
        if sw == SW_EOF or len(data) < want:
            break
    log.debug("read %s: %d bytes", what, len(out))
    return bytes(out)
