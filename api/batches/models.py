"""One run of an operator batch: queued → running → done / failed, with its counts.

At most one run per key (the batch name, and the month for a month-scoped batch) is queued or running at a time:
a partial unique index (migration 0010) makes it so on PostgreSQL and SQLite, and asking again while one is queued or
running returns that run."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class RunStatus(str, Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


ACTIVE = (RunStatus.queued.value, RunStatus.running.value)


class BatchRun(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=40)
    run_key = fields.CharField(max_length=80)  # name, or name:YYYY-MM: what "the same batch" means
    period = fields.CharField(max_length=7, null=True)
    status = fields.CharEnumField(RunStatus, max_length=10, default=RunStatus.queued)
    counts = fields.JSONField(default=dict)
    error = fields.CharField(max_length=500, null=True)
    requested_by_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "batch_run"
        indexes = (("name", "created_at"),)
