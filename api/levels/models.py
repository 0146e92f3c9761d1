from tortoise import fields
from tortoise.models import Model


class LevelRecord(Model):
    """A technician's level per trade, as history: one row per change (first, up, down, or new criteria)."""

    id = fields.BigIntField(primary_key=True)
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField("models.Technician", related_name="levels",
                                                                   on_delete=fields.CASCADE)
    trade = fields.CharField(max_length=10)
    level = fields.SmallIntField()
    from_level = fields.SmallIntField(null=True)
    direction = fields.CharField(max_length=10)
    criteria_version = fields.CharField(max_length=40)
    evidence = fields.JSONField()
    on = fields.DateField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "level_record"
        indexes = (("technician_id", "trade"),)
