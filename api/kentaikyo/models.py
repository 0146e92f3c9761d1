from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class MonthStatus(str, Enum):
    open = "open"  # adjustments allowed
    confirmed = "confirmed"  # locked: the snapshot is what is exported, for ever


class KentaikyoMonth(Model):
    """One employer's 建退共 month. Created on the first adjustment or confirmation (INSERT … ON CONFLICT DO NOTHING),
    confirmed once (UPDATE … WHERE status = 'open'); the unique key makes "one lock per employer and month" hold
    whatever the code around it does."""

    id = fields.BigIntField(primary_key=True)
    business: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Business", related_name="kentaikyo_months", on_delete=fields.RESTRICT
    )
    month = fields.DateField()  # the first day of the month
    status = fields.CharEnumField(MonthStatus, max_length=10, default=MonthStatus.open)
    confirmed_by_id = fields.BigIntField(null=True)
    confirmed_at = fields.DatetimeField(null=True)
    # The confirmed calendar rows and warnings, frozen: later records (a late tap, an approved candidate) never
    # change what was reported to 建退共.
    snapshot: fields.Field = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "kentaikyo_month"
        unique_together = (("business", "month"),)


class KentaikyoAdjustment(Model):
    """The employer's change to one technician × site × day of an open month: worked (a day added) or not (a day
    removed), always with the reason. Writing the same cell again replaces it while the month is open."""

    id = fields.BigIntField(primary_key=True)
    month: fields.ForeignKeyRelation[KentaikyoMonth] = fields.ForeignKeyField(
        "models.KentaikyoMonth", related_name="adjustments", on_delete=fields.RESTRICT
    )
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="kentaikyo_adjustments", on_delete=fields.RESTRICT
    )
    site: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Site", related_name="kentaikyo_adjustments", on_delete=fields.RESTRICT
    )
    work_date = fields.DateField()
    worked = fields.BooleanField()
    reason = fields.CharField(max_length=500)
    by_id = fields.BigIntField()
    at = fields.DatetimeField()

    class Meta:
        table = "kentaikyo_adjustment"
        unique_together = (("month", "technician", "site", "work_date"),)


class KentaikyoImport(Model):
    """One accepted upload of the employer's 就労実績報告 (a refused file leaves no row)."""

    id = fields.BigIntField(primary_key=True)
    business: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Business", related_name="kentaikyo_imports", on_delete=fields.RESTRICT
    )
    filename = fields.CharField(max_length=200)
    rows = fields.IntField()
    days = fields.IntField()  # technician × site × day cells reported
    candidates = fields.IntField()  # of which missing in OpenCCUS and new as candidates
    created_by_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "kentaikyo_import"


class CandidateStatus(str, Enum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class KentaikyoCandidate(Model):
    """A day reported to 建退共 but missing in OpenCCUS: a work record once the prime's site manager approves it
    (method `kentaikyo`). At most one per technician × site × day, ever: a re-import does not ask again."""

    id = fields.BigIntField(primary_key=True)
    source: fields.ForeignKeyRelation[KentaikyoImport] = fields.ForeignKeyField(
        "models.KentaikyoImport", related_name="candidate_days", on_delete=fields.RESTRICT
    )
    business: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Business", related_name="kentaikyo_candidates", on_delete=fields.RESTRICT
    )
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="kentaikyo_candidates", on_delete=fields.RESTRICT
    )
    site: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Site", related_name="kentaikyo_candidates", on_delete=fields.RESTRICT
    )
    work_date = fields.DateField()
    status = fields.CharEnumField(CandidateStatus, max_length=10, default=CandidateStatus.pending)
    decided_by_id = fields.BigIntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    note = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "kentaikyo_candidate"
        unique_together = (("technician", "site", "work_date"),)
        indexes = (("site_id", "status"),)


class KentaikyoContract(Model):
    """The 共済契約者番号 of an employer (its 建退共 contract), entered by the employer and printed in the export."""

    id = fields.BigIntField(primary_key=True)
    business: fields.OneToOneRelation = fields.OneToOneField(
        "models.Business", related_name="kentaikyo_contract", on_delete=fields.CASCADE
    )
    number = fields.CharField(max_length=20)
    updated_by_id = fields.BigIntField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "kentaikyo_contract"


class KentaikyoMember(Model):
    """The 被共済者番号 of a technician (the number of the 建退共 手帳), entered by the employer that holds the contract."""

    id = fields.BigIntField(primary_key=True)
    technician: fields.OneToOneRelation = fields.OneToOneField(
        "models.Technician", related_name="kentaikyo_member", on_delete=fields.CASCADE
    )
    number = fields.CharField(max_length=20)
    updated_by_id = fields.BigIntField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "kentaikyo_member"
