"""A registration sent again after its answer was lost (a phone offline at the wrong moment, the PWA's outbox resending)
must not make a second person: the client sends a random `request_key` once per registration, the account it made
keeps the key's digest (unique), and the same registration with the same key gets that account back.

Before login IDs were assigned, a resend was recognised by its chosen login name ("taken"); now the key does it, and a
key is honoured only for the same registration — the same identity data, and for self-registration the same password,
for 代行申請 the same employer — so a key cannot open somebody else's account. A key seen with other
content is `idempotency_key_reused`, as for taps.
"""

from __future__ import annotations

import hashlib
from datetime import date
from enum import Enum

from api.accounts.credentials import verify_password
from api.accounts.models import Account
from api.businesses.models import Business
from api.errors import Conflict
from api.registration.models import Application, Technician
from api.registration.schemas import IdentityFields


def key_digest(key: str | None) -> str | None:
    return None if key is None else hashlib.sha256(key.encode()).hexdigest()


async def replayed(
    *, key: str | None, data: IdentityFields, password: str | None = None, employer: Business | None = None
) -> tuple[Technician, Account] | None:
    """The technician and account an earlier send of this registration made, or None (a first send). `password`: a
    self-registration's; `employer`: a 代行申請's business."""
    digest = key_digest(key)
    if digest is None:
        return None
    account = await Account.get_or_none(request_key=digest)
    if account is None:
        return None
    tech = await Technician.get_or_none(id=account.technician_id)  # type: ignore[attr-defined]
    sent = data.model_dump(include=set(IdentityFields.model_fields), mode="json")
    same = tech is not None and all(_plain(getattr(tech, k)) == v for k, v in sent.items())
    if same and employer is not None:
        same = tech.proxy_registered_by_id == employer.id  # type: ignore[union-attr]
    if same and password is not None:
        same = await verify_password(account.password_hash, password)
    if not same:
        raise Conflict(
            "This request key was sent with a different registration; make a new key for a new registration.",
            code="idempotency_key_reused",
        )
    return tech, account  # type: ignore[return-value]


def _plain(value: object) -> object:
    """A stored value as the request's JSON has it (enums by value, dates as ISO text)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


async def application_of(tech: Technician) -> Application:
    """The new-registration application a replayed whole registration made."""
    app = await Application.filter(technician_id=tech.id).order_by("id").first()
    assert app is not None  # a whole registration makes its application in the same transaction as the account
    return app
