"""Encryption at rest for personal data (face photos, identity documents, licence data).

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`, keyed from settings; the key never leaves the process.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken


class Vault:
    def __init__(self, key: bytes):
        if len(key) != 32:
            raise ValueError("the data key must be 32 bytes")
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def open(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:  # wrong key or tampered row: never hand back garbage
            raise ValueError("stored data could not be decrypted with the configured key") from exc
