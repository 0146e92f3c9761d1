from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, Json, StringConstraints, ValidationInfo, field_validator, model_validator

from api.businesses.schemas import BusinessOut
from api.common import (
    CcusId,
    GivenOnly,
    Email,
    Kana,
    LongText,
    Name,
    Password,
    Phone,
    PostalCode,
    SocialInsurance,
    Strict,
    Text,
    invalid,
)
from api.registration.masters import qualifications, trades

Nationality = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
RequestKey = Annotated[
    str | None,
    StringConstraints(pattern=r"^[A-Za-z0-9_-]{16,64}$"),
    Field(
        default=None,
        description="a random key the client makes once per registration (16–64 of A–Z a–z 0–9 _ -): the same "
        "registration sent again with it (its answer was lost) gets the account the first send made, not a second "
        "one; with other data, 409 idempotency_key_reused",
    ),
]


class RetirementAid(Strict):
    kentaikyo: bool = Field(description="建退共 member")
    chutaikyo: bool = Field(default=False, description="中退共 member")


# A change application's payload is checked against the masters when submitted; read back later (its answer, its
# approval) it is validated with this context, so a code since withdrawn from a data file neither breaks the
# application's GET nor blocks applying what was valid when applied for.
STORED = {"stored": True}


def _stored(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("stored"))


def stored_payload(change_type: str, payload: object) -> BaseModel:
    """A stored change payload, read with the model of its type (master-code checks left to submission time)."""
    return PAYLOADS[change_type].model_validate(payload, context=STORED)


def _check_trades(v: list[str], info: ValidationInfo | None = None) -> list[str]:
    unknown = [c for c in v if c not in trades() and not (info and _stored(info))]
    if unknown:
        raise invalid("unknown_trade_code", "unknown trade code(s): {codes}", codes=", ".join(unknown))
    if len(set(v)) != len(v):
        raise invalid("trade_listed_twice", "a trade is listed twice")
    return v


class IdentityFields(Strict):
    """簡略型 data, shared by self-registration, proxy registration and edits."""

    family_name: Name
    given_name: Name
    family_name_kana: Kana
    given_name_kana: Kana
    birth_date: date
    sex: Literal["male", "female", "other"]
    nationality: Nationality = "JP"
    postal_code: PostalCode
    address: Text
    phone: Phone
    email: Email | None = None
    trades: list[str] = Field(min_length=1, max_length=4, description="1–4 職種 codes")
    experience_text: LongText | None = None
    social_insurance: SocialInsurance
    retirement_aid: RetirementAid
    residence_status: Annotated[str, StringConstraints(min_length=1, max_length=60)] | None = None
    residence_expiry: date | None = None
    has_identity_document: bool = True

    @field_validator("trades")
    @classmethod
    def _trades(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _check_trades(v, info)

    @field_validator("birth_date")
    @classmethod
    def _age(cls, v: date) -> date:
        if not (date(1900, 1, 1) <= v <= date.today().replace(year=date.today().year - 15)):
            raise invalid("too_young", "birth date must make the technician at least 15 years old")
        return v

    @model_validator(mode="after")
    def _residence(self):
        if self.nationality != "JP" and (self.residence_status is None or self.residence_expiry is None):
            raise invalid(
                "residence_required",
                "a foreign technician needs residence_status and residence_expiry (在留資格・在留期間)",
            )
        if self.nationality == "JP" and (self.residence_status or self.residence_expiry):
            raise invalid("residence_foreign_only", "residence status applies to foreign technicians only")
        return self


def _residence_valid_today(expiry: date | None) -> date | None:
    from api.timeutil import today_jst

    if expiry is not None and expiry < today_jst():
        raise invalid("residence_expired", "the residence period (在留期間) has already expired")
    return expiry


class TechnicianSelfRegisterIn(IdentityFields):
    """No login name: the system assigns the login ID (the answer's `login_id`), so registering tells nobody which
    names exist (docs/security.md)."""

    password: Password
    request_key: RequestKey
    employer_business_id: CcusId | None = Field(default=None, description="the employer's 14-digit 事業者ID")

    _residence_expiry = field_validator("residence_expiry")(_residence_valid_today)


class TechnicianProxyRegisterIn(IdentityFields):
    """代行申請 by the employer: needs the technician's consent, recorded with its date. The system assigns the login
    ID (the answer's `login_id`), which the employer hands over with the password they chose."""

    password: Password
    request_key: RequestKey
    consent_obtained: Literal[True] = Field(description="the technician agreed to the proxy application")
    consent_on: date

    _residence_expiry = field_validator("residence_expiry")(_residence_valid_today)


class TechnicianPatch(Strict, GivenOnly):
    """The fields to change: an absent field is unchanged (not null), so a patch serialised (a change application's
    payload in a response, its audit record) keeps exactly the fields given."""

    family_name: Name | None = None
    given_name: Name | None = None
    family_name_kana: Kana | None = None
    given_name_kana: Kana | None = None
    birth_date: date | None = None
    sex: Literal["male", "female", "other"] | None = None
    nationality: Nationality | None = None
    postal_code: PostalCode | None = None
    address: Text | None = None
    phone: Phone | None = None
    email: Email | None = None
    trades: list[str] | None = Field(default=None, min_length=1, max_length=4)
    experience_text: LongText | None = None
    social_insurance: SocialInsurance | None = None
    retirement_aid: RetirementAid | None = None
    residence_status: Annotated[str, StringConstraints(min_length=1, max_length=60)] | None = None
    residence_expiry: date | None = None
    has_identity_document: bool | None = None

    @field_validator("trades")
    @classmethod
    def _trades(cls, v: list[str] | None, info: ValidationInfo) -> list[str] | None:
        return None if v is None else _check_trades(v, info)


class CorrectionIn(Strict):
    changes: TechnicianPatch
    # Required in substance: without one (or a blank one) the service refuses with reason_required, as for the
    # other corrections (api/registration/corrections.py).
    reason: Annotated[str, StringConstraints(min_length=3, max_length=1000)] | None = None


class DatedItem(Strict):
    name: Text
    on: date


class Education(Strict):
    school: Text
    department: Text | None = None
    graduated_on: date | None = None


class DetailedIn(Strict):
    """詳細型 additions (qualifications are added one by one with their certificates)."""

    labour_insurance_special: bool = Field(description="労災保険特別加入")
    health_checks: list[DatedItem] = Field(default_factory=list, max_length=50)
    education: list[Education] = Field(default_factory=list, max_length=10)
    trainings: list[DatedItem] = Field(default_factory=list, max_length=100)
    awards: list[DatedItem] = Field(default_factory=list, max_length=50)


class QualificationIn(Strict):
    code: Annotated[str, StringConstraints(min_length=1, max_length=10)]
    acquired_on: date
    expires_on: date | None = None

    @field_validator("code")
    @classmethod
    def _known(cls, v: str, info: ValidationInfo) -> str:
        if v not in qualifications() and not _stored(info):
            raise invalid("unknown_qualification", "unknown qualification code")
        return v

    @model_validator(mode="after")
    def _dates(self):
        if self.acquired_on > date.today():
            raise invalid("acquired_in_future", "acquired_on is in the future")
        if self.expires_on is not None and self.expires_on <= self.acquired_on:
            raise invalid("expiry_before_acquired", "expires_on must be after acquired_on")
        return self


class DisclosureIn(Strict):
    # Shown unless the worker opts out: 作業員名簿 item 6 (保有資格) may be left out only when the worker does not want it
    # shown (規則第14条の2), and the roster prints it for a technician who never chose (api/reports/service.py). The
    # API, the PWA's checkbox and the roster say the same. Showing levels to the public is opt-in.
    show_qualifications_to_sites: bool = True
    show_levels_publicly: bool = False


# --- 変更申請: the data of each type of change (api/registration/changes.py) ------------------------------------------
# Defined here, beside the models they reuse, because ApplicationOut answers with them (its `payload`);
# api/registration/change_schemas.py re-exports them with the other change-application bodies.


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
    def _trade(cls, v: str, info: ValidationInfo) -> str:
        if v not in trades() and not _stored(info):
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


class BusinessPatch(GivenOnly):
    model_config = {"extra": "forbid"}  # as TechnicianPatch: the fields given, nothing else
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
ChangePayload = QualificationChange | DataChange | PriorExperienceChange | KaitaiChange | BusinessDataChange


class QualificationOut(BaseModel):
    id: int
    code: str
    name: str = Field(description="the master's name; the code itself when the code has left the masters")
    category: str = Field(description="the master's category (keishin, training, …); withdrawn: no longer in them")
    acquired_on: date
    expires_on: date | None
    has_certificate: bool
    approved: bool = True  # False until the application that carries it is approved: it counts nowhere before


class ReturnReason(Strict):
    field: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class ApplicationOut(BaseModel):
    id: int
    subject_type: str
    technician_pk: int | None
    business_pk: int | None
    kind: str
    proxy: bool
    status: str
    return_reasons: list[ReturnReason] = Field(description="the operator's reasons, field by field, when returned")
    submitted_at: datetime
    decided_at: datetime | None
    change_type: str | None = None  # 変更申請: qualification / data / prior_experience / kaitai / business_data
    payload: ChangePayload | None = Field(
        default=None,
        description="A change application's data, by change_type: qualification → QualificationChange, data → "
        "DataChange, prior_experience → PriorExperienceChange, kaitai → KaitaiChange, business_data → "
        "BusinessDataChange (a data change lists only the fields it changes); null for other applications",
    )
    has_document: bool = False
    priced_on: date | None = Field(
        default=None,
        description="The fee is priced on this Japan date: the first "
        "submission (a resubmission after a return keeps it)",
    )
    fee_yen: int | None = Field(default=None, description="The fee charged on approval (tax included); null: none")

    @model_validator(mode="before")
    @classmethod
    def _payload_by_type(cls, data):
        # The stored payload is JSON: its model is named by change_type beside it (a data change and a business-data
        # change can look alike), so it is read with that model rather than guessed by the union.
        if isinstance(data, dict) and isinstance(data.get("payload"), dict) and data.get("change_type") in PAYLOADS:
            data = {**data, "payload": stored_payload(data["change_type"], data["payload"])}
        return data


# A technician's card as their record shows it: here, not in api/cards, because the record includes it and
# registration sits below the cards domain. The card operations (api/cards/routes.py) answer it too.
class CardOut(BaseModel):
    serial: str
    issued_on: date
    valid_until: date
    status: str
    key_version: int


class TechnicianOut(BaseModel):
    id: int
    technician_id: str | None
    employer_pk: int | None
    tier: str
    status: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: date
    sex: str
    nationality: str
    postal_code: str
    address: str
    phone: str
    email: str | None
    trades: list[str]
    experience_text: str | None
    social_insurance: SocialInsurance
    retirement_aid: RetirementAid
    residence_status: str | None
    residence_expiry: date | None
    has_identity_document: bool
    has_photo: bool
    has_id_document: bool
    detailed: DetailedIn | None = Field(description="詳細型 data (PUT …/detailed); null until it is entered")
    disclosure: DisclosureIn = Field(description="what the technician shows beyond the defaults (all off until set)")
    proxy: bool
    qualifications: list[QualificationOut]
    card: CardOut | None
    registration_expires_on: date | None = Field(
        default=None,
        description="The registration is valid to this day (its newest card's expiry); renew it, a reissue keeps it",
    )
    renewal_opens_on: date | None = Field(
        default=None, description="登録更新 may be applied for from this day (6 months before expiry)"
    )
    open_renewal_pk: int | None = Field(default=None, description="The renewal application still open, if any")


class TechnicianSummaryOut(BaseModel):
    id: int
    technician_id: str | None
    name: str
    tier: str
    status: str
    card_status: str | None
    residence_expiry: date | None
    employed_since: date | None = None
    login_id: str | None = Field(
        default=None,
        description="the technician's ログインID, for the employer to tell them again (a login the employer or an agent "
        "registered is a known way to lose one)",
    )


LOGIN_ID_DESCRIPTION = "the ログインID the system assigned: 12 digits; the person logs in with it and this password"


class RegisteredTechnicianOut(BaseModel):
    technician: TechnicianOut
    login_id: str = Field(description=LOGIN_ID_DESCRIPTION)
    token: str | None = None


class ReturnIn(Strict):
    reasons: list[ReturnReason] = Field(min_length=1, max_length=50)


class ApplicationIn(Strict):
    kind: Literal["new", "upgrade", "renewal"] = Field(
        description="new registration, 簡略型→詳細型 upgrade, or renewal (登録更新, from 6 months before expiry)"
    )


class ReviewQuery(BaseModel):
    status: Literal["submitted", "returned", "approved"] = "submitted"
    subject_type: Literal["technician", "business"] | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)
    q: str | None = Field(
        default=None, max_length=100, description="Words matched against the applicant's names (kanji, kana) and IDs"
    )


class FiledByOut(BaseModel):
    """Who filed an application for its applicant: a registration agent (api/agents)."""

    agent_pk: int
    agent_name: str
    filing_pk: int
    channel: str = Field(description="counter, or paper (its pages scanned)")
    consent_on: date = Field(description="the date on the applicant's signed consent form")


class ReviewItemOut(BaseModel):
    application: ApplicationOut
    filed_by: FiledByOut | None = Field(default=None, description="the registration agent that filed it, if any")
    technician: TechnicianOut | None = None
    business: BusinessOut | None = None


class ReviewPageOut(BaseModel):
    """One page of the review queue and how many applications match in all."""

    items: list[ReviewItemOut]
    total: int
    limit: int
    offset: int


class SelfRegistrationForm(BaseModel):
    """The multipart form of a whole self-registration: `data` is the JSON of TechnicianSelfRegisterIn, beside the
    files `photo` (required) and `id_document`."""

    data: Json[TechnicianSelfRegisterIn]


class ProxyRegistrationForm(BaseModel):
    """The multipart form of a whole 代行申請: `data` is the JSON of TechnicianProxyRegisterIn, beside the files."""

    data: Json[TechnicianProxyRegisterIn]


class ProxyRegisteredOut(TechnicianOut):
    """A technician registered by proxy, with the login ID the employer hands over."""

    login_id: str = Field(description=LOGIN_ID_DESCRIPTION)


class WholeRegistrationOut(BaseModel):
    technician: TechnicianOut
    application: ApplicationOut
    login_id: str = Field(description=LOGIN_ID_DESCRIPTION)
    token: str | None = Field(
        default=None,
        description="self-registration by an API client: its bearer token (the PWA gets a session cookie instead)",
    )
