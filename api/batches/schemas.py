from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.batches.registry import BatchName
from api.common import Month, Strict


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


class BatchRunOut(BaseModel):
    id: int
    name: BatchName
    period: str | None
    status: Literal["queued", "running", "done", "failed"]
    counts: dict[str, Any]
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
