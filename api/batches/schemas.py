from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.batches.registry import BatchName
from api.common import GivenOnly, Month, Strict


class BatchRunIn(Strict):
    period: Month | None = Field(
        default=None,  # Month: 0000-01 / 9999-12 have no neighbouring month
        description="for a month-scoped batch (billing-close): the month, YYYY-MM; by default "
        "the previous month (Japan time)",
    )


class BatchOut(BaseModel):
    name: BatchName
    summary: str
    takes_period: bool


class BatchCounts(GivenOnly):
    """What a run's job returned (api/batches/service.py): a job returning a number gives `count`; billing-close,
    lump-sum-settle and mail return their own keys. Empty while queued or running and when the run failed. Keys a
    job may add later are kept as they are (extra allowed), so no run stored before or after reads as an error.
    Only the keys the job returned are answered: an absent count is not a null one."""

    model_config = ConfigDict(extra="allow")
    count: int | None = Field(default=None, description="fold, close, monthly-close, alerts, levels, face, partitions…")
    period: str | None = Field(default=None, description="billing-close: the month closed (YYYY-MM-01)")
    invoices: int | None = None
    invoiced_yen: int | None = None
    usage_charges: int | None = None
    renewal_charges: int | None = None
    carried_businesses: int | None = None
    settled: int | None = Field(default=None, description="lump-sum-settle: sites settled")
    excess_yen: int | None = None
    sent: int | None = Field(default=None, description="mail: mails sent")
    failed: int | None = Field(default=None, description="mail: sends that failed (retried by the next run)")


class BatchRunOut(BaseModel):
    id: int
    name: BatchName
    period: str | None
    status: Literal["queued", "running", "done", "failed"]
    counts: BatchCounts
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    job_id: str = Field(description="the queue's job id of this run")
    already_running: bool = Field(
        default=False,
        description="true when this request found the run already queued or running and started nothing new",
    )


class RunQuery(BaseModel):
    name: BatchName | None = None
    limit: int = Field(default=50, ge=1, le=500)
