"""Request bodies of change applications (変更申請) and operator corrections of qualifications and business data."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

# The change payloads live beside ApplicationOut, which answers with them; re-exported here with the other bodies.
from api.registration.schemas import (
    PAYLOADS as PAYLOADS,
    BusinessDataChange as BusinessDataChange,
    BusinessPatch as BusinessPatch,
    DataChange as DataChange,
    KaitaiChange as KaitaiChange,
    PriorExperienceChange as PriorExperienceChange,
    QualificationChange as QualificationChange,
    TechnicianPatch,
)

ChangeType = Literal["qualification", "data", "prior_experience", "kaitai", "business_data"]
TECHNICIAN_TYPES = frozenset({"qualification", "data", "prior_experience", "kaitai"})
# Types whose change is proven by a document image (a certificate, a 経歴証明書, a 講習修了証): required.
DOCUMENTED = frozenset({"qualification", "prior_experience", "kaitai"})
Reason = Annotated[str, StringConstraints(min_length=3, max_length=1000)] | None


class ChangeForm(BaseModel):
    """The multipart fields: `type`, `payload` (JSON of the type's data) and `file` (the document image)."""

    type: ChangeType
    payload: Annotated[str, StringConstraints(min_length=2, max_length=20_000)]


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
