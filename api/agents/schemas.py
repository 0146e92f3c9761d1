from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, Json, field_validator

from api.businesses.masters import PREFECTURES
from api.businesses.schemas import BusinessRegisterIn
from api.common import CcusId, CorporateNumber, Email, Login, Name, Strict, Text, invalid
from api.registration.schemas import ApplicationOut, IdentityFields, _residence_valid_today


class StaffIn(Strict):
    """A 代行登録担当者. No password: the person sets their own by the link mailed to `email`."""

    login: Login
    display_name: Name
    email: Email


class AgentIn(Strict):
    name: Text
    kind: Literal["certified", "association"] = Field(description="認定登録機関 or 建設業協会 / 団体")
    prefecture: str | None = Field(default=None, description="JIS X 0401 code, 01–47; omit for a nationwide agent")
    corporate_number: CorporateNumber | None = None
    staff: StaffIn = Field(description="the first 代行登録担当者")

    @field_validator("prefecture")
    @classmethod
    def _prefecture(cls, v: str | None) -> str | None:
        if v is not None and v not in PREFECTURES:
            raise invalid("unknown_prefecture", "unknown prefecture code (01–47)")
        return v


class AgentOut(BaseModel):
    id: int
    name: str
    kind: str
    prefecture: str | None
    corporate_number: str | None
    active: bool
    staff: int = Field(description="how many 代行登録担当者 it has")
    filings: int = Field(description="applications it has filed")


class StaffOut(BaseModel):
    id: int = Field(description="the account's id")
    login: str
    display_name: str
    email: str | None


class Filed(Strict):
    """What every filing carries besides the applicant's data."""

    consent_on: date = Field(description="the date on the applicant's signed consent form (同意書)")
    channel: Literal["counter", "paper"] = Field(
        default="counter", description="entered at the counter, or a paper application (its pages scanned)"
    )


class AgentTechnicianIn(IdentityFields, Filed):
    """A technician's new registration, filed by an agent. No password: the technician sets their own by the link
    mailed to `email` (required here), which also tells them the login ID the system assigned."""

    employer_business_id: CcusId | None = Field(default=None, description="the employer's 14-digit 事業者ID")

    _residence_expiry = field_validator("residence_expiry")(_residence_valid_today)


class AdminSetupIn(Strict):
    """The 事業者責任者 of a business an agent files: the system assigns the login ID, which the mailed link tells."""

    display_name: Name
    email: Email = Field(description="the first-password link goes here")


class AgentBusinessIn(BusinessRegisterIn, Filed):
    """A business registration filed by an agent: its 事業者責任者 sets their password by the mailed link."""

    admin: AdminSetupIn  # type: ignore[assignment]


class AgentTechnicianForm(BaseModel):
    """Multipart: `data` is the JSON of AgentTechnicianIn, beside the files `photo`, `id_document`, `consent` (the
    signed consent form, required) and `scan_1`–`scan_3` (pages of a paper application)."""

    data: Json[AgentTechnicianIn]


class AgentBusinessForm(BaseModel):
    """Multipart: `data` is the JSON of AgentBusinessIn, beside `consent` (required) and `scan_1`–`scan_3`."""

    data: Json[AgentBusinessIn]


class FilingQuery(BaseModel):
    status: Literal["submitted", "returned", "approved", "rejected"] | None = None
    limit: int = Field(default=100, ge=1, le=500)


class DocumentOut(BaseModel):
    id: int
    kind: str
    page: int


class FilingOut(BaseModel):
    id: int
    agent_pk: int
    channel: str
    consent_on: date
    created_at: datetime
    subject_name: str = Field(description="the technician's or business's name")
    login: str | None = Field(
        default=None, description="the applicant's ログインID, assigned by the system (12 digits)"
    )
    application: ApplicationOut
    documents: list[DocumentOut]
