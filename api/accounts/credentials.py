"""Credentials apart from the web layer: password hashes (argon2) and access tokens (opaque, stored as SHA-256).

Services hash, verify and issue here; `api/auth.py` only reads a request's credential (bearer header or session
cookie with its CSRF check) and finds the account behind it. So no service imports the HTTP layer."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from tortoise.timezone import now

_hasher = PasswordHasher()
# Verifying against this when the login is unknown keeps the timing the same as for a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, InvalidHashError):
        return False


# argon2 takes ~100 ms of CPU on purpose; on the event loop it would stall every other request for that long.
# argon2-cffi releases the GIL, so a worker thread keeps the loop answering.
async def hash_password_off_loop(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(_verify, password_hash, password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    """The CSRF value of a session: derived one-way from its token, so knowing it does not give the session."""
    return hashlib.sha256(b"openccus-csrf\0" + session_token.encode()).hexdigest()[:40]


async def issue_token(account, *, ttl: timedelta) -> tuple[str, object]:
    from api.accounts.models import AccessToken

    token = "oc_" + secrets.token_urlsafe(32)
    row = await AccessToken.create(account=account, token_hash=token_digest(token), expires_at=now() + ttl)
    return token, row
