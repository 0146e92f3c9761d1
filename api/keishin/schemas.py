from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, RootModel, StringConstraints

from api.common import PastDate, Strict, Text
from api.keishin.completed_works import Amounts, ExcludedContract, FiscalYear
from api.keishin.reasons import KeishinReason
from api.keishin.roster_models import Roster
from api.keishin.skills import SkillRises


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


# --- responses: the engines' results as the JSON operations return them (the engines' dataclasses, documented) ---


class KeishinRosterOut(RootModel[Roster]):
    """別紙二 技術職員名簿: each technician's groups and points, the industry totals, who is left out and why."""


class KeishinSkillsOut(RootModel[SkillRises]):
    """W1⑧: 技能者数, 技能レベル向上者数, 控除対象者数, the 技能者 value and, with 技術者数, the 評点."""


class Form1RowOut(BaseModel):
    """A row of 別紙一 with the form's derived columns: `prior` (前, or 前 + 前々 on a 3-year basis) and `average`
    (the yearly average over the basis, 千円未満切り捨て)."""

    item_no: int
    code: str = Field(description='3-digit completed-works code; "" for その他 and 合計')
    name: str
    kind: str = Field(description="industry / breakdown / transitional / other / total")
    years: list[Amounts] = Field(description="newest first: 審査対象事業年度, 前, (前々)")
    prior: Amounts
    average: Amounts


class CompletedWorksOut(BaseModel):
    """別紙一 工事種類別完成工事高."""

    application_date: date
    fiscal_years: list[FiscalYear]
    averaging_years: int
    applied_industries: list[str]
    rows: list[Form1RowOut]
    excluded: list[ExcludedContract]


class W1Out(BaseModel):
    """W1⑩ (CCUS 活用: every 元請 work registered with a reader, kiosk or private system in use) and, beside it,
    W1⑧ (`skills`): the two W1 items CCUS data feeds."""

    points: int
    reasons: list[KeishinReason]
    considered: int = Field(description="sites left after the exemptions")
    provisional: bool = Field(description="the base date falls where an announced but unpublished revision may apply")
    skills: SkillRises
