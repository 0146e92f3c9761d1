from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.common import PastDate, Strict, Text


class ContractHistoryIn(Strict):
    customer: Text
    work_name: Text
    prime: bool
    location: Text
    amount_thousand_yen: int = Field(ge=0, le=10**12)
    started_on: date | None = None
    completed_on: date | None = None
    industry_code: Annotated[str, StringConstraints(pattern=r"^\d{2}$")] | None = Field(
        default=None, description="2-digit 業種コード; required (a row without one is refused)"
    )
    breakdown_code: Annotated[str, StringConstraints(pattern=r"^\d{3}$")] | None = None
    site_id: int | None = Field(default=None, description="W1⑩: the CCUS site (its pk) of this 元請 work")
    public: bool = Field(default=False, description="W1⑩: ordered by a public body (公共工事)")
    exemption: Literal["overseas", "minor", "disaster"] | None = Field(
        default=None, description="W1⑩: left out as 海外 / 軽微 / 災害応急"
    )


class ContractHistoryOut(ContractHistoryIn):
    id: int


class ContractCorrectionIn(ContractHistoryIn):
    reason: Annotated[str, StringConstraints(max_length=1000)] | None = Field(
        default=None, description="required: kept in the audit trail"
    )


class ReasonQuery(BaseModel):
    reason: Annotated[str, StringConstraints(max_length=1000)] | None = None


class SkillsQuery(BaseModel):
    base_date: date
    engineers: int | None = Field(
        default=None,
        ge=0,
        le=100_000,
        description="W1⑧: 技術者数 (監理・主任技術者の資格者と技士補), entered by the business",
    )
    engineer_value: int = Field(
        default=0, ge=0, le=10, description="W1⑧: A, the 技術者 value (0–10) from their CPD units"
    )


class KeishinQuery(BaseModel):
    base_date: date = Field(description="審査基準日")
    application_date: date | None = None
    industries: Annotated[str, StringConstraints(pattern=r"^\d{2}(,\d{2})*$")] = Field(
        description="comma-separated 業種コード applied for, e.g. 01,05,29"
    )
    format: Literal["json", "csv", "pdf"] = "json"
    encoding: Literal["utf-8", "shift_jis"] = "utf-8"

    @property
    def industry_list(self) -> list[str]:
        return self.industries.split(",")


class WorksQuery(KeishinQuery):
    averaging_years: int = Field(default=2, ge=2, le=3, description="2- or 3-year average")
    fiscal_year_end: date = Field(description="last day of the 審査対象事業年度")


class EmploymentIn(Strict):
    employed_since: PastDate


class W1Query(BaseModel):
    base_date: date
    fiscal_year_start: date
    pledge_submitted: bool = True
    engineers: int | None = Field(
        default=None,
        ge=0,
        le=100_000,
        description="W1⑧: 技術者数 (監理・主任技術者の資格者と技士補), entered by the business",
    )
    engineer_value: int = Field(
        default=0, ge=0, le=10, description="W1⑧: A, the 技術者 value (0–10) from their CPD units"
    )
