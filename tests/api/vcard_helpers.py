"""A technician's phone as the tests play it: an ECDSA P-256 key registered like the PWA's (docs/phone.md), and
virtual card codes signed with it exactly as pwa/src/vcard.ts makes them (docs/virtual-card.md)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from api.timeutil import JST


@dataclass
class Phone:
    private: ec.EllipticCurvePrivateKey
    spki: str  # base64
    key_id: str

    @classmethod
    def new(cls) -> Phone:
        private = ec.generate_private_key(ec.SECP256R1())
        der = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(private=private, spki=base64.b64encode(der).decode(), key_id=hashlib.sha256(der).hexdigest())

    def code(
        self,
        *,
        technician_id: str,
        serial: str,
        site_id: str,
        at: datetime | None = None,
        step: int | None = None,
        key_prefix: str | None = None,
    ) -> str:
        step = step if step is not None else int((at or datetime.now(JST)).timestamp()) // 30
        text = f"OCVC1.{technician_id}.{serial}.{site_id}.{step}.{key_prefix or self.key_id[:16]}"
        r, s = decode_dss_signature(self.private.sign(text.encode(), ec.ECDSA(hashes.SHA256())))
        sig = base64.urlsafe_b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode().rstrip("=")
        return f"{text}.{sig}"


def read(key: str, code: str, *, at: datetime | None = None, direction: str | None = "in") -> dict:
    """One read as a kiosk uploads it."""
    out = {"idempotency_key": key, "code": code, "device_time": (at or datetime.now(JST)).isoformat()}
    if direction:
        out["direction"] = direction
    return out
