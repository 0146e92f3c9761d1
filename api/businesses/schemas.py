from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from api.businesses.masters import INDUSTRIES, PREFECTURES
from api.common import (
    invalid,
    CorporateNumber,
    Email,
    Kana,
    Name,
    Password,
    Phone,
    PostalCode,
    SocialInsurance,
    Strict,
    Text,
    Yen,
)


class AdminIn(Strict):
    """The 事業者責任者: the system assigns the login ID (the answer's `login_id`)."""

    password: Password
    display_name: Name
    email: Email | None = None


class BusinessRegisterIn(Strict):
    corporate_number: CorporateNumber | None = Field(
        default=None, description="法人番号 (13 digits with its check digit); omit for individual proprietors"
    )
    name: Text
    name_kana: Kana
    capital_yen: Yen | None = Field(default=None, description="資本金 in yen; omit for individual proprietors")
    sole_proprietor: bool = Field(default=False, description="一人親方")
    permit_number: Annotated[str, StringConstraints(max_length=40)] | None = None
    permitted_industries: list[str] = Field(default_factory=list, max_length=29)
    social_insurance: SocialInsurance
    postal_code: PostalCode
    prefecture: str = Field(description="JIS X 0401 code, 01–47")
    address: Text
    phone: Phone
    email: Email
    admin: AdminIn = Field(description="the 事業者責任者 account (管理者ID, tier 0)")

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "corporate_number": "7000012050002",
                    "name": "株式会社サンプル建設",
                    "name_kana": "サンプルケンセツ",
                    "capital_yen": 30000000,
                    "permitted_industries": ["01", "02"],
                    "social_insurance": {"health": "enrolled", "pension": "enrolled", "employment": "enrolled"},
                    "postal_code": "100-0001",
                    "prefecture": "13",
                    "address": "千代田区千代田1-1",
                    "phone": "03-1234-5678",
                    "email": "info@example.jp",
                    "admin": {
                        "password": "correct horse battery",
                        "display_name": "山田 太郎",
                    },
                }
            ]
        },
    }

    @field_validator("permitted_industries")
    @classmethod
    def _industries(cls, v: list[str]) -> list[str]:
        unknown = [c for c in v if c not in INDUSTRIES]
        if unknown:
            raise invalid("unknown_industry", "unknown industry code(s): {codes} (01–29)", codes=", ".join(unknown))
        if len(set(v)) != len(v):
            raise invalid("industry_listed_twice", "an industry code is listed twice")
        return sorted(v)

    @field_validator("prefecture")
    @classmethod
    def _prefecture(cls, v: str) -> str:
        if v not in PREFECTURES:
            raise invalid("unknown_prefecture", "unknown prefecture code (01–47)")
        return v

    @model_validator(mode="after")
    def _corporate(self) -> BusinessRegisterIn:
        if self.sole_proprietor and self.capital_yen is not None:
            raise invalid("sole_proprietor_no_capital", "a 一人親方 has no capital; omit capital_yen")
        if self.corporate_number is not None and self.capital_yen is None:
            raise invalid("capital_required", "a corporation must give capital_yen")
        return self


class FeeOut(BaseModel):
    band: str
    amount_yen: int
    on: str


class BusinessOut(BaseModel):
    id: int
    business_id: str
    corporate_number: str | None
    name: str
    name_kana: str
    capital_yen: int | None
    sole_proprietor: bool
    permit_number: str | None
    permitted_industries: list[str]
    social_insurance: SocialInsurance | None = Field(
        description="as registered; null for a firm a prime contractor entered as a placeholder (none declared)"
    )
    postal_code: str
    prefecture: str
    address: str
    phone: str
    email: str
    status: str
    created_at: datetime
    registration_fee: FeeOut


class BusinessPublicOut(BaseModel):
    business_id: str
    name: str
    status: str


class RegisteredBusinessOut(BaseModel):
    business: BusinessOut
    login_id: str = Field(description="the 事業者責任者's ログインID, assigned by the system: 12 digits")
    token: str | None = None  # None when the session was set as a cookie (the PWA)
    application_id: int


class SubAccountIn(Strict):
    """The system assigns the login ID (AccountOut.login), which the creating admin hands over with the password."""

    password: Password
    display_name: Name
    email: Email | None = None
    tier: int | None = Field(default=None, ge=1, le=3, description="管理者ID tier 1–3 (business admins only)")


class AccountOut(BaseModel):
    id: int
    login: str
    role: str
    display_name: str
    admin_tier: int | None
    business_pk: int | None


class EmployeeQuery(BaseModel):
    q: str | None = Field(
        default=None, max_length=100, description="Words of the name (kanji or kana) or the technician ID"
    )
    status: Literal["draft", "submitted", "returned", "approved"] | None = None
    residence_within_days: int | None = Field(
        default=None,
        ge=0,
        le=3650,
        description="Only those whose residence permit (在留期間) ends within this many days",
    )
