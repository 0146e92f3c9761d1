"""The virtual card (docs/virtual-card.md): a rotating code on the technician's phone, signed by the phone's own key,
that a kiosk or a site manager's phone reads like a card tap.

Code: ``OCVC1.<technician id>.<card serial>.<site id>.<step>.<key id>.<signature>``

* step = the phone's Unix time // 30: the code changes every 30 seconds;
* key id = the first 16 hex digits of the phone key's id (SHA-256 of its SPKI, docs/phone.md);
* signature = ECDSA P-256 / SHA-256 over the text before the last dot, raw r‖s (WebCrypto's form), base64url.

Signed by a private key that never leaves the phone, it can be checked with the public key alone: a kiosk holding its
site's roster keys (`GET /virtual-cards/roster`) verifies offline and cannot forge one. Bound to the card serial (a
revoked card's code is refused, the reissued card's accepted) and to one site (a code read at another site is
refused). The server verifies again at upload; the tap's (card serial, challenge) key, challenge = ``V<site>.<step>``,
makes each code count once per site, whoever uploads it first.

No I/O here: the ingest (`service.py`) fetches the cards and keys and calls `reason`.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_der_public_key

PREFIX = "OCVC1"
STEP_S = 30
# A code is good from one step before the reader's clock (a phone clock a little ahead) to two steps after (a phone a
# little behind, a slow scan): at most 90 seconds old.
EARLY_STEPS = 1
LATE_STEPS = 2
_CODE = re.compile(
    r"^OCVC1\.([0-9]{14})\.([0-9a-f]{16})\.([0-9]{14})\.([0-9]{1,12})\.([0-9a-f]{16})\.([A-Za-z0-9_-]{86})$"
)


@dataclass(frozen=True)
class Code:
    technician_id: str
    card_serial: str
    site_id: str
    step: int
    key_prefix: str
    signature: bytes  # raw r‖s, 64 bytes
    signed_text: str

    @property
    def challenge(self) -> str:
        """The tap's challenge: one use per card, site and step (the tap table's unique (card_serial, challenge))."""
        return f"V{self.site_id}.{self.step}"


def parse(text: str) -> Code | None:
    """A well-formed code, or None. Nothing is verified here."""
    m = _CODE.match(text.strip())
    if m is None:
        return None
    try:
        sig = base64.urlsafe_b64decode(m.group(6) + "==")
    except (binascii.Error, ValueError):
        return None
    if len(sig) != 64:
        return None
    return Code(
        technician_id=m.group(1),
        card_serial=m.group(2),
        site_id=m.group(3),
        step=int(m.group(4)),
        key_prefix=m.group(5),
        signature=sig,
        signed_text=text.strip().rsplit(".", 1)[0],
    )


def step_of(at: datetime) -> int:
    return int(at.timestamp()) // STEP_S


def time_reason(code: Code, read_at: datetime) -> str | None:
    now = step_of(read_at)
    if code.step > now + EARLY_STEPS:
        return "virtual_card_future"
    if code.step < now - LATE_STEPS:
        return "virtual_card_stale"
    return None


def signature_ok(code: Code, public_key_b64: str) -> bool:
    try:
        key = load_der_public_key(base64.b64decode(public_key_b64))
    except (binascii.Error, ValueError, UnsupportedAlgorithm):
        return False
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    der = encode_dss_signature(int.from_bytes(code.signature[:32], "big"), int.from_bytes(code.signature[32:], "big"))
    try:
        key.verify(der, code.signed_text.encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def reason(code: Code, *, site_id: str, read_at: datetime, keys: dict[str, str]) -> str | None:
    """The code's own checks, after the card's (known, active, this technician's, in date): the site, the time, the
    phone key (one of the card holder's, by its id prefix), the signature. `keys`: key id → SPKI (base64) of the
    holder's phones. The replay check is the ingest's, against stored taps."""
    if code.site_id != site_id:
        return "virtual_card_other_site"
    if (late := time_reason(code, read_at)) is not None:
        return late
    spki = next((v for k, v in keys.items() if k.startswith(code.key_prefix)), None)
    if spki is None:
        return "virtual_card_key_unknown"
    if not signature_ok(code, spki):
        return "virtual_card_bad_signature"
    return None
