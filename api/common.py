"""Field types shared by the request schemas of every domain."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints


def _no_bool(value: Any) -> Any:
    # pydantic's lax mode turns true/false into 1/0; an integer field should refuse them (strict mode would also
    # refuse 392.0, which the JSON schema allows).
    if isinstance(value, bool):
        raise ValueError("expected a number, not a boolean")
    return value


Int = Annotated[int, BeforeValidator(_no_bool)]
Yen = Annotated[int, BeforeValidator(_no_bool), Field(ge=0, le=10**15, description="integer yen")]

_KANA = re.compile(r"^[\u30A0-\u30FF\u3000 ]+$")


def _kana(value: str) -> str:
    # NFKC turns half-width ｶﾀｶﾅ into full-width, which is how kana are stored and compared.
    value = unicodedata.normalize("NFKC", value).strip()
    if not _KANA.match(value):
        raise ValueError("must be written in katakana")
    return value


def _trim(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


Kana = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_kana)]
Text = Annotated[str, BeforeValidator(_trim), StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[str, BeforeValidator(_trim), StringConstraints(max_length=4000)]
PostalCode = Annotated[str, StringConstraints(pattern=r"^\d{3}-?\d{4}$")]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9\-]{8,18}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Login = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9._@-]{3,64}$"), AfterValidator(str.lower)]
# A new password: its policy (length 15–200, not common, not containing the login) is checked by
# api/accounts/passwords.py with a specific error code each; the schema documents the length.
Password = Annotated[str, StringConstraints(min_length=1, max_length=1000),
                     Field(json_schema_extra={"minLength": 15, "maxLength": 200})]
CcusId = Annotated[str, StringConstraints(pattern=r"^\d{14}$")]

InsuranceStatus = Literal["enrolled", "exempt", "not_enrolled"]


class Strict(BaseModel):
    """Requests refuse unknown fields, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class SocialInsurance(Strict):
    health: InsuranceStatus
    pension: InsuranceStatus
    employment: InsuranceStatus
