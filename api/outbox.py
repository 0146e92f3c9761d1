"""The job outbox: jobs written in the same transaction as the data they act on (see api.db.defer_job)."""

from tortoise import fields
from tortoise.models import Model


class JobOutbox(Model):
    id = fields.BigIntField(primary_key=True)
    job_id = fields.CharField(max_length=200, unique=True)
    name = fields.CharField(max_length=100)
    args = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "job_outbox"
