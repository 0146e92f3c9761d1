"""Request bodies of change applications (変更申請) and operator corrections of qualifications and business data."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from api.common import Text, invalid
from api.registration.masters import trades
from api.registration.schemas import QualificationIn, TechnicianPatch

ChangeType = Literal["qualification", "data", "prior_experience", "kaitai", "business_data"]
TECHNICIAN_TYPES = frozenset({"qualification", "data", "prior_experience", "kaitai"})
# Types whose change is proven by a document image (a certificate, a 経歴証明書, a 講習修了証): required.
DOCUMENTED = frozenset({"qualification", "prior_experience", "kaitai"})
Reason = Annotated[str, StringConstraints(min_length=3, max_length=1000)] | None


class ChangeForm(BaseModel):
    """The multipart fields: `type`, `payload` (JSON of the type's data) and `file` (the document image)."""

    type: ChangeType
    payload: Annotated[str, StringConstraints(min_length=2, max_length=20_000)]


class QualificationChange(QualificationIn):
    """A new qualification, or a changed one (same code: new dates or a renewed certificate)."""


class DataChange(BaseModel):
    model_config = {"extra": "forbid"}
    changes: TechnicianPatch


class PriorExperienceChange(BaseModel):
    """経歴証明書: the employer certifies work days in a trade before CCUS registration."""

    model_config = {"extra": "forbid"}
    trade: str
    days: int = Field(ge=1, le=20_000, description="work days the certificate states")
    period_from: date
    period_to: date
    certifier: Text = Field(description="the employer that issued the 経歴証明書")

    @field_validator("trade")
    @classmethod
    def _trade(cls, v: str) -> str:
        if v not in trades():
            raise invalid("unknown_trade_code", "unknown trade code(s): {codes}", codes=v)
        return v

    @model_validator(mode="after")
    def _period(self):
        if self.period_to < self.period_from:
            raise invalid("period_end_before_start", "period_to is before period_from")
        return self


class KaitaiChange(BaseModel):
    """解体 condition of 経審: 1 year of 解体 experience (experience) or the 登録解体工事講習 (course)."""

    model_config = {"extra": "forbid"}
    kind: Literal["experience", "course"]
    completed_on: date


class BusinessPatch(BaseModel):
    model_config = {"extra": "forbid"}
    name: Text | None = None
    name_kana: Text | None = None
    capital_yen: int | None = Field(default=None, ge=0)
    permit_number: Annotated[str, StringConstraints(max_length=40)] | None = None
    permitted_industries: list[Annotated[str, StringConstraints(pattern=r"^(0[1-9]|1\d|2\d)$")]] | None = Field(
        default=None, max_length=29
    )
    postal_code: Text | None = None
    address: Text | None = None
    phone: Text | None = None

    @field_validator("permitted_industries")
    @classmethod
    def _unique(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(set(v)) != len(v):
            raise invalid("industry_listed_twice", "an industry is listed twice")
        return v


class BusinessDataChange(BaseModel):
    """A change of the business's reviewed registration data (capital, permit and its industries, name, address)."""

    model_config = {"extra": "forbid"}
    changes: BusinessPatch


PAYLOADS: dict[str, type[BaseModel]] = {
    "qualification": QualificationChange,
    "data": DataChange,
    "prior_experience": PriorExperienceChange,
    "kaitai": KaitaiChange,
    "business_data": BusinessDataChange,
}
# Fields an operator may name when returning a change application of each type.
RETURNABLE: dict[str, frozenset[str]] = {
    "qualification": frozenset({"code", "acquired_on", "expires_on", "document"}),
    "data": frozenset(TechnicianPatch.model_fields),
    "prior_experience": frozenset({"trade", "days", "period_from", "period_to", "certifier", "document"}),
    "kaitai": frozenset({"kind", "completed_on", "document"}),
    "business_data": frozenset(BusinessPatch.model_fields),
}


class QualificationCorrectionIn(BaseModel):
    """An operator's correction of an approved qualification (seed No.71): change its dates, or delete it."""

    model_config = {"extra": "forbid"}
    action: Literal["change", "delete"]
    acquired_on: date | None = None
    expires_on: date | None = None
    reason: Reason = None


class BusinessCorrectionIn(BaseModel):
    model_config = {"extra": "forbid"}
    changes: BusinessPatch
    reason: Reason = None
