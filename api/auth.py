"""Passwords (argon2), bearer tokens and the principal of a request.

Tokens are opaque random strings; only their SHA-256 is stored, so a database leak does not leak sessions. The PWA
sends them in the Authorization header (no cookies, hence no CSRF surface).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from starlette.requests import Request
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


async def issue_token(account, *, ttl: timedelta) -> tuple[str, object]:
    from api.accounts.models import AccessToken

    token = "oc_" + secrets.token_urlsafe(32)
    row = await AccessToken.create(account=account, token_hash=token_digest(token), expires_at=now() + ttl)
    return token, row


async def authenticate(request: Request):
    """The active account behind the request's bearer token, or None."""
    from api.accounts.models import AccessToken

    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    row = (
        await AccessToken.filter(token_hash=token_digest(token.strip()), revoked_at=None, expires_at__gt=now())
        .select_related("account")
        .first()
    )
    if row is None or not row.account.is_active:
        return None
    request.state.token_row = row
    return row.account
