from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class FiscalYearQuery(BaseModel):
    fiscal_year: int = Field(default=2020, ge=2019, le=2100, description="年度 (April–March)")


class QuarterAmount(BaseModel):
    quarter: int
    actual_yen: int


class RevenueCategoryOut(BaseModel):
    code: str
    label_ja: str
    fee_types: list[str]
    plan_yen: int | None
    accrued_yen: int = Field(description="charges whose event date falls in the year (invoiced or carried)")
    credited_yen: int = Field(description="credit notes issued in the year, attributed by their lines' fee type")
    net_yen: int
    achievement: float | None = Field(description="net / plan")
    quarters: list[QuarterAmount]
    plan_cite: str | None


class RevenueOut(BaseModel):
    fiscal_year: int
    plan_source: str | None
    categories: list[RevenueCategoryOut]
    unattributed_credits_yen: int
    plan_total_yen: int | None
    net_total_yen: int


class Measure(BaseModel):
    quarter: int = Field(description="in this quarter")
    year_to_date: int
    year_to_date_target: int | None = Field(default=None, description="annual target × quarters elapsed / 4")
    all_time: int | None = Field(default=None, description="registered up to the quarter's end (累計)")
    all_time_target: int | None = Field(default=None, description="previous year's 累計 + the year's growth pro rata")


class SegmentRow(BaseModel):
    key: str
    technicians: int
    businesses: int
    work_records: int


class QuarterOut(BaseModel):
    quarter: int
    first_day: date
    last_day: date
    technicians: Measure
    businesses: Measure
    work_records: Measure
    segments: dict[str, list[SegmentRow]]


class RegistrationsOut(BaseModel):
    fiscal_year: int
    target_source: str
    quarters: list[QuarterOut]
