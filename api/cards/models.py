"""Cards and the revocation list readers download (docs/card-profile.md)."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class CardStatus(str, Enum):
    active = "active"
    lost = "lost"
    revoked = "revoked"


class Card(Model):
    id = fields.BigIntField(primary_key=True)
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="cards", on_delete=fields.CASCADE
    )
    serial = fields.CharField(max_length=16, unique=True)  # 8 bytes hex (card profile)
    issued_on = fields.DateField()
    valid_until = fields.DateField()
    status = fields.CharEnumField(CardStatus, max_length=10, default=CardStatus.active)
    key_version = fields.SmallIntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "card"


class Revocation(Model):
    """Every revoked card serial, in order: the id is the revocation version readers sync against."""

    id = fields.BigIntField(primary_key=True)
    card_serial = fields.CharField(max_length=16, unique=True)
    reason = fields.CharField(max_length=20)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "revocation"
