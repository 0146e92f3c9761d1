"""Request and response models of the card operations."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from api.common import Strict


class RevocationsQuery(BaseModel):
    since: int = Field(default=0, ge=0)
    # Long-poll: hold the answer up to this many seconds until the list changes from `since` (0: answer at once).
    wait: int = Field(default=0, ge=0, le=30)


class RevocationsOut(BaseModel):
    version: int
    full: bool
    revoked: list[str]


class RevokeCardIn(Strict):
    reason: Literal["lost", "replaced", "withdrawn"]


class CardOut(BaseModel):
    serial: str
    issued_on: date
    valid_until: date
    status: str
    key_version: int
