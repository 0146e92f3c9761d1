from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from api.common import CcusId, Month, Strict


class WorkRecordOut(BaseModel):
    id: int
    technician_pk: int
    technician_name: str | None = None
    site_pk: int
    site_id: str | None = Field(default=None, description="the 14-digit 現場ID")
    site_name: str | None = None
    work_date: date
    first_in: datetime | None
    last_out: datetime | None
    employer_pk: int | None
    tier: int | None
    trade: str | None
    position: str | None
    work_content: str | None
    method: str
    taps: int
    missing_exit: bool
    training: bool = Field(default=False, description="a day at a CCUS登録教育訓練機関 (counts as a work day)")


class MonthQuery(BaseModel):
    month: Month = Field(description="YYYY-MM")


class DayQuery(BaseModel):
    work_date: date


class DirectInputIn(Strict):
    technician_id: CcusId
    start_at: AwareDatetime
    end_at: AwareDatetime | None = None
    reason: Annotated[str, StringConstraints(min_length=2, max_length=500)]


class DecisionIn(Strict):
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class DirectInputOut(BaseModel):
    id: int
    technician_pk: int
    technician_name: str | None = None
    site_pk: int
    site_id: str | None = None
    site_name: str | None = None
    work_date: date
    start_at: datetime
    end_at: datetime | None
    reason: str
    status: str
    deadline: date
    decision_note: str | None


class DirectInputQuery(BaseModel):
    status: Literal["pending", "approved", "rejected"] | None = "pending"


class MyDirectInputQuery(BaseModel):
    status: Literal["pending", "approved", "rejected"] | None = None
    limit: int = Field(default=100, ge=1, le=500)


class TechnicianSiteOut(BaseModel):
    """A roster entry seen from the technician: where they are (or were) registered to work."""

    site_pk: int
    site_id: str
    site_name: str
    site_address: str
    window_start: date
    window_end: date
    employer_pk: int
    trade: str
    position: str
    work_content: str | None
    active: bool


class LoneExitOut(BaseModel):
    """An exit with no open entry (docs/workrecords.md): kept and shown here, never a work day of its own. A direct
    input (直接入力) for the day fixes it."""

    tap_pk: int
    technician_pk: int
    work_date: date
    at: datetime
