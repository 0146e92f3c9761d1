"""Request and response models of the card operations (a card itself answers as api.registration.schemas.CardOut,
the way a technician's record shows it)."""

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


class PersonalisationOut(BaseModel):
    """What the card bureau writes onto a new card (docs/card-profile.md §7); hand it over encrypted and destroy it
    once the card works."""

    technician_id: str = Field(description="the holder's 14-digit 技能者ID")
    card_serial: str = Field(description="the card's serial, 16 hex digits")
    issued: date
    expires: date
    key_version: int = Field(description="the master-key version the card key derives from")
    card_key: str = Field(description="the card's own key (hex), derived from the master key and the serial")
    ef_card: str = Field(description="the EF.CARD file's bytes (hex)")


class ReissueIn(Strict):
    reason: Literal["lost", "damaged", "rewrite"] = Field(description="紛失 / 破損 / 券面書換")


class ReissueOut(BaseModel):
    card_serial: str
    valid_until: date
    revoked_serial: str
    fee_yen: int
