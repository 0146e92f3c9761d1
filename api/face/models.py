from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class FaceEmbedding(Model):
    """A face embedding (128 float32), encrypted at rest, computed by a job from a photo, recomputed when the photo
    changes (photo_sha256 tells) and deleted when the technician withdraws consent or leaves."""

    id = fields.BigIntField(primary_key=True)
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="face_embeddings", on_delete=fields.CASCADE
    )
    photo_sha256 = fields.CharField(max_length=64)
    model_version = fields.CharField(max_length=60)
    sealed = fields.BinaryField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "face_embedding"
        unique_together = (("technician", "photo_sha256", "model_version"),)


class CheckinOutcome(str, Enum):
    accepted = "accepted"
    review = "review"  # liveness risk too high for the site's policy: a site manager decides
    needs_card = "needs_card"
    not_recognised = "not_recognised"
    ambiguous = "ambiguous"


class FaceCheckin(Model):
    """One kiosk check-in attempt, with its evidence image (encrypted) kept until `evidence_expires_at`."""

    id = fields.BigIntField(primary_key=True)
    site: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Site", related_name="face_checkins", on_delete=fields.CASCADE
    )
    device: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Device", related_name="face_checkins", on_delete=fields.CASCADE
    )
    technician: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Technician", related_name="face_checkins", null=True, on_delete=fields.CASCADE
    )
    tap_id = fields.BigIntField(null=True)
    outcome = fields.CharEnumField(CheckinOutcome, max_length=16)
    distance = fields.FloatField(null=True)
    second_distance = fields.FloatField(null=True)
    liveness_risk = fields.FloatField()
    model_version = fields.CharField(max_length=60)
    evidence_sealed = fields.BinaryField(null=True)
    evidence_expires_at = fields.DatetimeField(null=True)
    device_time = fields.DatetimeField()
    idempotency_key = fields.CharField(max_length=100, unique=True)
    approved = fields.BooleanField(null=True)  # the site manager's decision on a review outcome
    reviewed_by_id = fields.BigIntField(null=True)
    reviewed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "face_checkin"
        indexes = (("site_id", "outcome"),)
