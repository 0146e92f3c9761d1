from tortoise import fields
from tortoise.models import Model


class RegistrationDraft(Model):
    """A 簡略型 registration draft filled from a driver's licence (IC chip or card-face photo). The licence number is
    stored masked, and the raw read is kept (encrypted) only when the person consented."""

    id = fields.BigIntField(primary_key=True)
    owner_account_id = fields.BigIntField()
    source = fields.CharField(max_length=10)  # ic / ocr
    fields_json = fields.JSONField()  # suggested values with a confidence each
    licence_number_masked = fields.CharField(max_length=20, null=True)
    raw_sealed = fields.BinaryField(null=True)
    consent_raw = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "registration_draft"
