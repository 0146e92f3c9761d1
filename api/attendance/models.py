from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class TapMethod(str, Enum):
    card = "card"
    face = "face"
    phone = "phone"
    api = "api"  # pushed by a private attendance system (API連携)
    direct = "direct"  # 直接入力, approved by the prime's site manager
    virtual_card = (
        "virtual_card"  # the rotating signed code on the technician's phone, read by a kiosk (docs/virtual-card.md)
    )


class TapStatus(str, Enum):
    accepted = "accepted"
    pending = "pending"  # the employer is not (yet) in the site's contract tree
    rejected = "rejected"


class Tap(Model):
    """An immutable attendance event. Stored even when rejected, with the reason, so nothing is silently dropped.

    `source_key` is the device's or API client's own idempotency key, namespaced by its sender, so a retry is stored
    once; `fingerprint` is a digest of what the tap says (card, challenge, response, time, direction…), so a re-sent
    key is only taken for the stored tap when it is the same tap. (card_serial, challenge) is unique, which is what
    refuses a replayed card response.

    On PostgreSQL the table is partitioned by month of work_date (migration 0022, docs/partitions.md): those two
    unique keys are kept whole across the partitions by key tables (tap_source_key, tap_challenge) that a trigger
    claims; the Meta below is what SQLite has. No foreign key may point at this table (its key is (id, work_date))."""

    id = fields.BigIntField(primary_key=True)
    source_key = fields.CharField(max_length=100, unique=True)
    site: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Site", related_name="taps", on_delete=fields.RESTRICT
    )
    device: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Device", related_name="taps", null=True, on_delete=fields.RESTRICT
    )
    api_client_id = fields.BigIntField(null=True)
    technician: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Technician", related_name="taps", null=True, on_delete=fields.RESTRICT
    )
    technician_code = fields.CharField(max_length=14)  # as sent, even when it matches nobody
    employer_id = fields.BigIntField(null=True)
    method = fields.CharEnumField(TapMethod, max_length=12)
    direction = fields.CharField(max_length=3, null=True)  # in / out, when the sender knows
    card_serial = fields.CharField(max_length=16, null=True)
    challenge = fields.CharField(max_length=32, null=True)
    device_time = fields.DatetimeField()
    device_seq = fields.BigIntField(null=True)
    received_at = fields.DatetimeField()
    work_date = fields.DateField()  # the Japan-time date of device_time (the record it joins may be the day before)
    status = fields.CharEnumField(TapStatus, max_length=10)
    reject_reason = fields.CharField(max_length=40, null=True)
    trade = fields.CharField(max_length=10, null=True)
    position = fields.CharField(max_length=12, null=True)
    work_content = fields.CharField(max_length=200, null=True)
    fingerprint = fields.CharField(max_length=64, null=True)  # sha256 of the tap's content (null: stored before 0009)

    class Meta:
        table = "tap"
        unique_together = (("card_serial", "challenge"),)
        indexes = (("site_id", "work_date"), ("technician_id", "work_date"), ("site_id", "status"))
