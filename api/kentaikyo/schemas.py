from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.common import CcusId, Month, Strict


class MonthQuery(BaseModel):
    month: Month = Field(description="YYYY-MM")


class ExportQuery(MonthQuery):
    encoding: Literal["utf-8", "shift_jis"] = "utf-8"


class MonthIn(Strict):
    month: Month = Field(description="YYYY-MM")


class AdjustmentIn(Strict):
    technician_id: CcusId
    site_id: CcusId
    work_date: date
    worked: bool = Field(description="true: the day was worked (added); false: it was not (removed)")
    # Required in substance: a blank reason is refused by the service with adjustment_reason_required.
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class MonthRowOut(BaseModel):
    technician_pk: int
    technician_id: str
    name: str
    technician_number: str
    site_pk: int
    site_id: str
    site_name: str
    employer_number: str
    days: list[int]
    total: int


class AdjustmentOut(BaseModel):
    technician_pk: int
    technician_id: str
    site_pk: int
    site_id: str
    work_date: date
    worked: bool
    reason: str
    at: datetime


class MonthOut(BaseModel):
    month: str
    business_id: str
    business_name: str
    status: Literal["open", "confirmed"]
    confirmed_at: datetime | None
    rows: list[MonthRowOut]
    total_days: int
    adjustments: list[AdjustmentOut]
    warnings: list[str]


class ImportOut(BaseModel):
    id: int
    rows: int = Field(description="rows in the file")
    days: int = Field(description="technician × site × day cells reported")
    already_recorded: int = Field(description="of which OpenCCUS already has a work record")
    candidates: int = Field(description="of which new candidates for the prime's site manager")


class CandidateQuery(BaseModel):
    status: Literal["pending", "approved", "rejected"] | None = None


class CandidateOut(BaseModel):
    id: int
    technician_pk: int
    technician_id: str
    technician_name: str
    employer_pk: int
    employer_name: str
    work_date: date
    status: str
    note: str | None
    decided_at: datetime | None


class DecisionIn(Strict):
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


# The official format of the numbers is not public (docs/kentaikyo.md §4): digits, with hyphens as printed.
KentaikyoNumber = Annotated[str, StringConstraints(pattern=r"^[0-9][0-9-]{0,18}[0-9]$")]


class MemberNumberIn(Strict):
    technician_id: CcusId
    number: KentaikyoNumber | None = Field(description="被共済者番号; null removes it")


class NumbersIn(Strict):
    contract_number: KentaikyoNumber | None = Field(
        default=None, description="共済契約者番号 of the employer; omitted: unchanged"
    )
    members: list[MemberNumberIn] = Field(default_factory=list, max_length=500)


class MemberNumberOut(BaseModel):
    technician_id: str
    name: str
    number: str | None


class NumbersOut(BaseModel):
    contract_number: str | None
    members: list[MemberNumberOut] = Field(description="the employer's technicians, with their 被共済者番号")
