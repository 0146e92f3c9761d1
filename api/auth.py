"""The principal of a request: its token (bearer header, or the session cookie with its CSRF check) and account.

Tokens are opaque random strings; only their SHA-256 is stored, so a database leak does not leak sessions. API clients,
devices and scripts send them as bearer tokens (`Authorization: Bearer …`). The PWA never sees its token: the API
sets it as an `HttpOnly; SameSite=Strict` cookie (Secure on https and loopback), so script injected into the page
cannot read it. A cookie is sent by the browser on its own, so every state-changing request authenticated by the
cookie must also carry `X-CSRF-Token`, a value derived from the session token that the API sets as a second,
script-readable cookie (double submit, bound to the session): another site can neither read it nor add the header.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from tortoise.timezone import now

# Password hashing and token digests live in api/accounts/credentials.py, which services use without the web layer.
from api.accounts.credentials import csrf_token, token_digest
from api.errors import Forbidden

SESSION_COOKIE = "oc_session"
CSRF_COOKIE = "oc_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def request_token(request: Request) -> str | None:
    """The bearer token, or the session cookie's token after its CSRF check (state-changing methods only)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), csrf_token(cookie).encode()):
            raise Forbidden(
                "The request lacks the X-CSRF-Token header of this session; reload the page.", code="csrf_token_invalid"
            )
    return cookie


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

    token = request_token(request)
    if token is None:
        return None
    rows = await sql.fetch(connections.get("default"), _PRINCIPAL, [token_digest(token), now()])
    if not rows:
        return None
    row = dict(rows[0])
    request.state.token_pk = row.pop("token_pk")
    account = Account._init_from_db(**row)
    return account if account.is_active else None
