from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class PhoneSettings(Model):
    """A site's phone check-in settings (docs/phone.md). The circle fence is the site's own geofence columns, a
    polygon, when set, replaces it. No row: phone check-in is off on the site."""

    id = fields.BigIntField(primary_key=True)
    site: fields.OneToOneRelation = fields.OneToOneField(
        "models.Site", related_name="phone_settings", on_delete=fields.CASCADE
    )
    polygon: fields.JSONField[list | None] = fields.JSONField(null=True)  # [[lat, lon], …], at least 3 points
    max_accuracy_m = fields.IntField(default=50)
    policy: fields.JSONField[dict] = fields.JSONField()  # check → "review" | "refuse"
    selfie_required = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "phone_settings"


class PhoneOutcome(str, Enum):
    accepted = "accepted"  # passed every check: its tap is stored at once
    review = "review"  # a check failed and the site's policy sends it to the site manager


class PhoneCheckin(Model):
    """A check-in from the technician's own phone. A refused one is never stored (the answer names the reason), a
    kept one becomes a tap with method `phone` through the attendance ingest, at once or when its review approves."""

    id = fields.BigIntField(primary_key=True)
    idempotency_key = fields.CharField(max_length=100, unique=True)  # "p{account}:{client key}"
    fingerprint = fields.CharField(max_length=64)
    site: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Site", related_name="phone_checkins", on_delete=fields.CASCADE
    )
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="phone_checkins", on_delete=fields.CASCADE
    )
    direction = fields.CharField(max_length=3)
    client_time = fields.DatetimeField()
    received_at = fields.DatetimeField()
    lat = fields.FloatField()
    lon = fields.FloatField()
    accuracy_m = fields.FloatField()
    distance_m = fields.FloatField()  # to the fence; 0 inside
    via_qr = fields.BooleanField(default=False)
    signed_by_id = fields.BigIntField(null=True)  # the PhoneDeviceKey of an offline (signed) check-in
    nonce = fields.CharField(max_length=64, null=True)
    reasons: fields.JSONField[list] = fields.JSONField()  # [{"code": …, "detail": …}]
    outcome = fields.CharEnumField(PhoneOutcome, max_length=10)
    tap_id = fields.BigIntField(null=True)
    approved = fields.BooleanField(null=True)
    reviewed_by_id = fields.BigIntField(null=True)
    reviewed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "phone_checkin"
        # One use per device nonce: a replayed signed check-in is refused by the database, not by a prior read.
        unique_together = (("signed_by_id", "nonce"),)
        indexes = (("site_id", "outcome"), ("technician_id", "client_time"))


class PhoneQrUse(Model):
    """A day's gate code proves presence once per technician and direction: a second use is `qr_replayed`."""

    id = fields.BigIntField(primary_key=True)
    site_id = fields.BigIntField()
    technician_id = fields.BigIntField()
    day = fields.DateField()
    direction = fields.CharField(max_length=3)

    class Meta:
        table = "phone_qr_use"
        unique_together = (("site_id", "technician_id", "day", "direction"),)


class PhoneDeviceKey(Model):
    """A phone's ECDSA P-256 public key, enrolled at login: its private key never leaves the phone."""

    id = fields.BigIntField(primary_key=True)
    account_id = fields.BigIntField()
    key_id = fields.CharField(max_length=64, unique=True)  # sha256 of the SPKI, hex
    public_key = fields.TextField()  # SPKI, base64
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "phone_device_key"
