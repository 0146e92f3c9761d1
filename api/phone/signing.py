"""Offline check-ins signed by a per-phone key (WebCrypto ECDSA P-256, private key non-extractable on the phone).

The phone signs the exact JSON text it sends (`message`), so nothing has to be re-serialised identically on both
sides; WebCrypto's signature is raw r‖s (IEEE P1363), which `cryptography` takes as DER."""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_der_public_key
from tortoise.timezone import now

from api import sql
from api.accounts.models import Account
from api.errors import Conflict, Unprocessable
from api.phone.models import PhoneDeviceKey


def _spki(text: str) -> bytes:
    try:
        der = base64.b64decode(text, validate=True)
        key = load_der_public_key(der)
    except (binascii.Error, ValueError, UnsupportedAlgorithm):
        raise Unprocessable.field("public_key", "Not a base64 SPKI public key.", code="device_key_invalid") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise Unprocessable.field("public_key", "The key must be ECDSA P-256.", code="device_key_invalid")
    return der


async def enrol(*, actor: Account, public_key: str) -> str:
    """Register the phone's public key to the account (once; enrolling the same key again is a no-op)."""
    from tortoise import connections

    der = _spki(public_key)
    key_id = hashlib.sha256(der).hexdigest()
    await sql.execute(
        connections.get("default"),
        "INSERT INTO phone_device_key (account_id, key_id, public_key, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (key_id) DO NOTHING",
        [actor.id, key_id, base64.b64encode(der).decode(), now()],
    )
    owner = await PhoneDeviceKey.get(key_id=key_id)
    if owner.account_id != actor.id:
        raise Conflict("This key belongs to another account.", code="device_key_taken")
    return key_id


async def verify(*, actor: Account, key_id: str, message: str, signature: str) -> PhoneDeviceKey:
    key = await PhoneDeviceKey.get_or_none(key_id=key_id, account_id=actor.id)
    if key is None:
        raise Unprocessable.field(
            "key_id",
            "This phone's key is not registered to your account: log in again on this phone.",
            code="device_key_unknown",
        )
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 64:
        raise Unprocessable.field("signature", "The signature is not a raw P-256 signature.", code="signature_invalid")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public = load_der_public_key(base64.b64decode(key.public_key))
    assert isinstance(public, ec.EllipticCurvePublicKey)  # enrol() stores P-256 keys only
    try:
        public.verify(der, message.encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Unprocessable.field(
            "signature",
            "The signature does not match the check-in: it was altered or signed by another phone.",
            code="signature_invalid",
        ) from None
    return key
