from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class WorkRecord(Model):
    """就業履歴: one per technician × site × work day, folded from accepted taps (or an approved direct input).

    On PostgreSQL partitioned by month of work_date (migration 0022, docs/partitions.md); the unique key includes the
    date, so it holds on the partitioned table as it is. No foreign key may point at it (its key is (id, work_date)):
    charged_work_record.work_record_id is a plain column."""

    id = fields.BigIntField(primary_key=True)
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="work_records", on_delete=fields.RESTRICT
    )
    site: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Site", related_name="work_records", on_delete=fields.RESTRICT
    )
    work_date = fields.DateField()
    first_in = fields.DatetimeField(null=True)
    last_out = fields.DatetimeField(null=True)  # never invented: missing exits are flagged by the nightly close
    employer_id = fields.BigIntField(null=True)
    tier = fields.SmallIntField(null=True)  # the employer's tier in the contract tree (0 = prime)
    trade = fields.CharField(max_length=10, null=True)
    position = fields.CharField(max_length=12, null=True)
    work_content = fields.CharField(max_length=200, null=True)
    method = fields.CharField(max_length=12)  # card / face / api / phone / virtual_card / direct / kentaikyo / mixed
    taps = fields.IntField(default=0)
    missing_exit = fields.BooleanField(default=False)
    folded_at = fields.DatetimeField()

    class Meta:
        table = "work_record"
        unique_together = (("technician", "site", "work_date"),)
        indexes = (("site_id", "work_date"), ("employer_id", "work_date"))


class DirectInputStatus(str, Enum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class DirectInput(Model):
    """直接入力: a missing day entered by the technician or the employer, approved by the prime's site manager."""

    id = fields.BigIntField(primary_key=True)
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="direct_inputs", on_delete=fields.RESTRICT
    )
    site: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Site", related_name="direct_inputs", on_delete=fields.RESTRICT
    )
    work_date = fields.DateField()
    start_at = fields.DatetimeField()
    end_at = fields.DatetimeField(null=True)
    reason = fields.CharField(max_length=500)
    entered_by_id = fields.BigIntField()
    status = fields.CharEnumField(DirectInputStatus, max_length=10, default=DirectInputStatus.pending)
    decided_by_id = fields.BigIntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decision_note = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "direct_input"
        indexes = (("site_id", "status"),)


class LoneExit(Model):
    """An exit tap with no open entry (on the same site, within the site's shift length) and no record on its own
    date: kept and shown to the site, never made into a work day of its own (docs/workrecords.md). Rewritten by
    every fold of its days."""

    tap_id = fields.BigIntField(primary_key=True, generated=False)
    technician_id = fields.BigIntField()
    site_id = fields.BigIntField()
    work_date = fields.DateField()  # the Japan date of the exit
    at = fields.DatetimeField()

    class Meta:
        table = "lone_exit"
        indexes = (("site_id", "work_date"),)


class FoldDirty(Model):
    """A (site, date) whose taps changed since it was last folded. The transaction that stores accepted taps upserts
    the mark (version + 1); the fold deletes a mark only if its version is still the one it read, so a tap
    committed while a fold runs keeps its mark and is folded by the next run."""

    id = fields.BigIntField(primary_key=True)
    site_id = fields.BigIntField()
    work_date = fields.DateField()
    version = fields.BigIntField(db_default=1, default=1)

    class Meta:
        table = "fold_dirty"
        unique_together = (("site_id", "work_date"),)
