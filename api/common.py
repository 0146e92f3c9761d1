"""Field types shared by the request schemas of every domain."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    model_serializer,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError


def invalid(kind: str, message: str, **ctx: Any) -> PydanticCustomError:
    """A validation error with its own stable `type` (instead of pydantic's catch-all `value_error`): clients word
    field messages by type from api/data/field_errors.csv, with `ctx` filling its placeholders."""
    return PydanticCustomError(kind, message, ctx or None)


def _no_bool(value: Any) -> Any:
    # pydantic's lax mode turns true/false into 1/0; an integer field should refuse them (strict mode would also
    # refuse 392.0, which the JSON schema allows).
    if isinstance(value, bool):
        raise invalid("number_not_boolean", "expected a number, not a boolean")
    return value


Int = Annotated[int, BeforeValidator(_no_bool), Field(ge=-(2**63), le=2**63 - 1)]  # a bigint column
Int32 = Annotated[int, BeforeValidator(_no_bool), Field(ge=-(2**31), le=2**31 - 1)]  # an integer column
Yen = Annotated[int, BeforeValidator(_no_bool), Field(ge=0, le=10**15, description="integer yen")]

_KANA = re.compile(r"^[\u30A0-\u30FF\u3000 ]+$")


def _kana(value: str) -> str:
    # NFKC turns half-width ｶﾀｶﾅ into full-width, which is how kana are stored and compared.
    value = unicodedata.normalize("NFKC", value).strip()
    if not _KANA.match(value):
        raise invalid("katakana_required", "must be written in katakana")
    return value


def _trim(value: str) -> str:
    # NFKC before any check: full-width digits and letters (１２３, ＡＢＣ) are the same value as their ASCII forms, so
    # they must validate, compare and be stored as one (a full-width 法人番号 once registered a firm twice).
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


# Lengths match the columns (a longer string is refused here, never truncated or failed by the database).
Kana = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(_kana)]
Text = Annotated[str, BeforeValidator(_trim), StringConstraints(min_length=1, max_length=200)]
Name = Annotated[str, BeforeValidator(_trim), StringConstraints(min_length=1, max_length=100)]  # person/device names
LongText = Annotated[str, BeforeValidator(_trim), StringConstraints(max_length=4000)]
# Digit fields: normalised first, then checked with [0-9] (a pattern's \d also matches full-width and other digits).
PostalCode = Annotated[str, BeforeValidator(_trim), StringConstraints(pattern=r"^[0-9]{3}-?[0-9]{4}$")]
Phone = Annotated[str, BeforeValidator(_trim), StringConstraints(pattern=r"^\+?[0-9][0-9\-]{8,18}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Login = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9._@-]{3,64}$"), AfterValidator(str.lower)]
# A new password: its policy (length 15–200, not common, not containing the login) is checked by
# api/accounts/passwords.py with a specific error code each; the schema documents the length.
Password = Annotated[
    str, StringConstraints(min_length=1, max_length=1000), Field(json_schema_extra={"minLength": 15, "maxLength": 200})
]
# The 14-digit 技能者ID / 事業者ID / 現場ID: the 14th digit is a Damm check digit over the first 13 (api/ids.py),
# checked where the ID is looked up (422 invalid_check_digit). The schema says so, for integrators.
CcusId = Annotated[
    str,
    BeforeValidator(_trim),
    StringConstraints(pattern=r"^[0-9]{14}$"),
    Field(
        json_schema_extra={
            "x-check-digit": "damm",
            "$comment": "14 digits; the 14th is a Damm check digit over the first 13",
        }
    ),
]
# 法人番号: 13 digits, the first a check digit (国税庁).
CorporateNumber = Annotated[
    str,
    BeforeValidator(_trim),
    StringConstraints(pattern=r"^[0-9]{13}$"),
    Field(json_schema_extra={"x-check-digit": "nta-corporate-number"}),
]
# A calendar month within the years the system can hold (`0000-01` and `9999-12` have no neighbouring month).
Month = Annotated[str, BeforeValidator(_trim), StringConstraints(pattern=r"^(19[0-9]{2}|20[0-9]{2})-(0[1-9]|1[0-2])$")]
# A site's accumulation window: CCUS sites run in this century, not in year 1 or 9999.
SiteDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31))]


def _not_future(value: date) -> date:
    from api.timeutil import today_jst

    if value > today_jst():
        raise invalid("date_in_future", "the date is in the future")
    return value


PastDate = Annotated[date, AfterValidator(_not_future)]


def _in_years(value: datetime) -> datetime:
    # Items of a batch (taps, attendance) are validated one by one, past the request guard: the same 1900–2100 bound
    # here keeps work-day arithmetic (an offset, a cutoff) from overflowing near year 1 or 9999.
    if not 1900 <= value.year <= 2100:
        raise invalid("time_out_of_range", "the time must lie between 1900 and 2100")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_in_years)]

InsuranceStatus = Literal["enrolled", "exempt", "not_enrolled"]


class Strict(BaseModel):
    """Requests refuse unknown fields, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class GivenOnly(BaseModel):
    """A model whose fields are each either given or absent (a patch, a job's counts): it serialises only the fields
    it was given (and any extra ones it allows), never an absent one as null, and its response schema says so (no
    defaults, so a generated client type has them optional)."""

    @model_serializer(mode="wrap")
    def _given_only(self, handler: Any):  # unannotated: a return type would replace the model's response schema
        given = self.model_fields_set | set(self.model_extra or {})
        return {k: v for k, v in handler(self).items() if k in given}

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        if handler.mode == "serialization":
            for prop in handler.resolve_ref_schema(schema).get("properties", {}).values():
                prop.pop("default", None)
        return schema


class SocialInsurance(Strict):
    health: InsuranceStatus
    pension: InsuranceStatus
    employment: InsuranceStatus
