"""Stored images: normalised, encrypted at rest, owned by a technician (face photo, identity document,
certificate, extra face photos)."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class ImageKind(str, Enum):
    face_photo = "face_photo"
    id_document = "id_document"
    certificate = "certificate"
    face_extra = "face_extra"  # extra photos for face check-in (up to 3), enrolled with the registration photo


class StoredImage(Model):
    """A normalised JPEG, encrypted at rest (api.crypto.Vault). Personal data: never served without a check.

    A technician's current face photo / identity document is their newest image of that kind, and a replaced one is
    deleted. (No photo foreign key on Technician: it would make a cycle the migrations cannot order.)"""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(ImageKind, max_length=20)
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="images", on_delete=fields.CASCADE
    )
    content_type = fields.CharField(max_length=40)
    width = fields.IntField()
    height = fields.IntField()
    sha256 = fields.CharField(max_length=64)  # of the normalised plaintext: lets a job notice a changed photo
    sealed = fields.BinaryField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stored_image"
