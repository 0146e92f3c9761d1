"""The licence auto-fill's request and response bodies: the edge reader's IC read, the draft (api/licence/draft.py
builds it as a dict; these models are its contract) and the user's confirmation."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from api.common import Strict


class LicenceCategory(BaseModel):
    model_config = ConfigDict(extra="allow")
    key: str | None = None
    name: str = Field(description="the category as printed (普通, 大型…)")
    since: date | None = None


class LicenceRead(BaseModel):
    """What `edge_reader read-licence` prints (edge_reader/licence/model.py `LicenceData.to_dict`). The fields the
    draft reads are typed; the rest of the record passes through as it came (extra allowed): it is kept, sealed, only
    with the person's consent, and a reader of another version may send fields this one does not know."""

    model_config = ConfigDict(extra="allow")
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(description="氏名 as on the chip")
    name_kana: Annotated[str, StringConstraints(max_length=200)] | None = None
    birth_date: date
    address: Annotated[str, StringConstraints(max_length=400)]
    licence_number: Annotated[str, StringConstraints(max_length=20)] | None = Field(
        default=None, description="the full number: stored only masked and as a keyed fingerprint"
    )
    licence_number_masked: str | None = Field(default=None, description="when the reader sends the masked form only")
    licence_number_check_ok: bool | None = None
    expires: date | None = None
    commission: str | None = None
    categories: list[LicenceCategory] = Field(default_factory=list, max_length=30)
    needs_review: list[str] = Field(default_factory=list, max_length=30, description="fields with 外字/欠字 doubts")
    warnings: list[str] = Field(default_factory=list, max_length=30)


class IcReadIn(Strict):
    licence: LicenceRead = Field(description="the JSON `edge_reader read-licence` prints")
    consent_raw: bool = False


class ConfirmIn(Strict):
    confirmed: list[str] = Field(default_factory=list, max_length=20, description="field names accepted as shown")
    edits: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=40)],
        Annotated[str, StringConstraints(max_length=400)],
    ] = Field(
        default_factory=dict,
        max_length=20,
        description="field name → the value typed instead (counts as confirmed); `licence_number` in full (stored "
        "masked), `expiry_date` as YYYY-MM-DD",
    )


def _text(value: Any) -> Any:
    # Before edits were typed as text a draft could keep any JSON value from one; such a value reads as its text.
    return value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False)


ShownText = Annotated[str, BeforeValidator(_text)]


class DraftField(BaseModel):
    value: ShownText | None = Field(description="null: not read (e.g. no given name found)")
    confidence: float = Field(description="0–1; the IC chip 1.0 unless the reader flagged a doubt")
    source: str = Field(description="ic_chip, card_photo, or user (typed as an edit)")
    prefill: bool = Field(description="put into the form without asking (sure readings and confirmed ones)")
    confirmed: bool
    note: str | None = None


class IdentityDocument(BaseModel):
    kind: str = Field(description="drivers_licence")
    source: str
    number_masked: str | None = Field(description="the licence number with all but its last 4 digits masked")
    number_check_digit_ok: bool | None
    number_fingerprint: str | None = Field(default=None, description="keyed, for finding the same licence twice")
    expires: str | None
    expired: bool | None
    commission: str | None = None
    categories: list[str] = Field(default_factory=list, description="IC reads: the categories held")


class Retake(BaseModel):
    code: str
    message: str
    message_en: str


class LicenceDraft(BaseModel):
    """The draft (api/licence/draft.py). Built as a dict there; the raw read it may hold is never part of a response
    (unlisted keys are left out, so it could not leak even if a caller forgot to take it out)."""

    tier: str
    source: str = Field(description="ic_chip or card_photo")
    fields: dict[str, DraftField] = Field(description="by IdentityFields name (plus licence_number, expiry_date)")
    identity: dict[str, ShownText] = Field(description="the values to put into the registration form")
    identity_document: IdentityDocument
    missing: list[str] = Field(description="registration fields still to fill in")
    needs_confirmation: list[str]
    warnings: list[str] = Field(description="licence_expired, retake:<code>, changes_unreadable…")
    raw_kept: bool
    retake: list[Retake] = Field(default_factory=list, description="card photos: what to photograph again")


class DraftOut(BaseModel):
    id: int | None = Field(description="the stored draft (a logged-in person's), to confirm; null when not stored")
    draft: LicenceDraft
