from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class DeviceKind(str, Enum):
    reader = "reader"  # PC/SC card reader (edge_reader)
    kiosk = "kiosk"  # face check-in tablet


class Device(Model):
    """A reader or kiosk on one site. It acts through its own account (role device) and that account's token,
    so rotating or revoking the secret is revoking tokens, with the same machinery as any login."""

    id = fields.BigIntField(primary_key=True)
    site: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Site", related_name="devices", on_delete=fields.CASCADE
    )
    account: fields.OneToOneRelation = fields.OneToOneField(
        "models.Account", related_name="device", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(DeviceKind, max_length=10)
    name = fields.CharField(max_length=100)
    enrolment_code_hash = fields.CharField(max_length=64, null=True, unique=True)
    enrolment_expires_at = fields.DatetimeField(null=True)
    enrolled_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    last_seen_at = fields.DatetimeField(null=True)
    software_version = fields.CharField(max_length=40, null=True)
    outbox_depth = fields.IntField(null=True)
    reader_name = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "device"
