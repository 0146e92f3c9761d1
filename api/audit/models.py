from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    """Append-only: a database trigger (migration 0002) refuses UPDATE and DELETE on this table."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    # Kept as plain values, not a foreign key, so the trail outlives any change to the accounts it names.
    actor_id = fields.BigIntField(null=True)
    actor_login = fields.CharField(max_length=64, null=True)
    actor_role = fields.CharField(max_length=20, null=True)
    action = fields.CharField(max_length=64)
    entity_type = fields.CharField(max_length=40)
    entity_id = fields.CharField(max_length=40)
    before = fields.JSONField(null=True)
    after = fields.JSONField(null=True)
    reason = fields.TextField(null=True)

    class Meta:
        table = "audit_entry"
        indexes = (("entity_type", "entity_id"),)
