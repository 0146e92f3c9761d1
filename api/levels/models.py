from tortoise import fields
from tortoise.models import Model


class LevelRecord(Model):
    """A technician's level per trade, as history: one row per change (first, up, down, or new criteria)."""

    id = fields.BigIntField(primary_key=True)
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="levels", on_delete=fields.CASCADE
    )
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


class AssessmentBody(Model):
    """能力評価実施団体: the trade body that judges levels in its own trades (one body, several trade codes)."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    trades = fields.JSONField(default=list)  # 職種 codes this body judges
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "assessment_body"


class LevelApplication(Model):
    """能力評価の申請: a technician (or the employer for them) asks the trade's body to judge a level.

    The engine's estimate and its evidence are kept as they stood when applied for; the decision is made once
    (a conditional update from `submitted`), and `open_key` lets one application per technician × trade be open
    (unique; NULL once decided)."""

    id = fields.BigIntField(primary_key=True)
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="level_applications", on_delete=fields.CASCADE
    )
    trade = fields.CharField(max_length=10)
    body: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.AssessmentBody", related_name="applications", on_delete=fields.RESTRICT
    )
    applied_by_id = fields.BigIntField()
    proxy = fields.BooleanField(default=False)  # applied for by the employer
    status = fields.CharField(max_length=12, default="submitted")  # submitted / judged / rejected
    estimate_level = fields.SmallIntField()
    criteria_version = fields.CharField(max_length=40)
    evidence = fields.JSONField()
    open_key = fields.CharField(max_length=40, null=True, unique=True)  # "technician:trade" while submitted
    judged_level = fields.SmallIntField(null=True)
    reason = fields.TextField(null=True)
    decided_by_id = fields.BigIntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    submitted_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "level_application"
        indexes = (("body_id", "status"),)


class JudgedLevel(Model):
    """An official level: one row per judgement that raised it (never lower than the one before), as history.

    The newest row per technician × trade is the official level; reports and 経審 read only these rows."""

    id = fields.BigIntField(primary_key=True)
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="judged_levels", on_delete=fields.CASCADE
    )
    trade = fields.CharField(max_length=10)
    level = fields.SmallIntField()
    from_level = fields.SmallIntField(null=True)
    criteria_version = fields.CharField(max_length=40)
    colour = fields.CharField(max_length=10)  # level card colour: white / blue / silver / gold
    body: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.AssessmentBody", related_name="judgements", on_delete=fields.RESTRICT
    )
    application: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.LevelApplication", related_name=False, unique=True, on_delete=fields.RESTRICT
    )
    evidence = fields.JSONField()
    judged_on = fields.DateField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "judged_level"
        unique_together = (("technician", "trade", "level"),)
