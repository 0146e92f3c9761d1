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


_PRINCIPAL = """
SELECT t.id AS token_pk, a.* FROM access_token t JOIN account a ON a.id = t.account_id
WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > ?
"""


async def authenticate(request: Request):
    """The active account behind the request's bearer token, or None.

    Every authenticated request runs this, so it is one hand-written join rather than an ORM query: building the
    ORM's select_related query took about a millisecond of CPU, a sixth of a card tap's whole cost (bench/tap_ingest.py).
    """
    from tortoise import connections

    from api import sql
    from api.accounts.models import Account

    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    rows = await sql.fetch(connections.get("default"), _PRINCIPAL, [token_digest(token.strip()), now()])
    if not rows:
        return None
    row = dict(rows[0])
    request.state.token_pk = row.pop("token_pk")
    account = Account._init_from_db(**row)
    return account if account.is_active else None
