from datetime import datetime

from pydantic import BaseModel, Field, StringConstraints
from typing import Annotated

from api.common import Strict


class LoginIn(Strict):
    login: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"login": "operator", "password": "…"}]}}


class MeOut(BaseModel):
    id: int
    login: str
    role: str
    display_name: str
    admin_tier: int | None
    business_pk: int | None
    technician_pk: int | None
    must_change_password: bool = False  # someone else chose the password: the PWA shows the change form first


class TokenOut(BaseModel):
    token: str | None = None  # None when the session was set as a cookie (the PWA)
    expires_at: datetime
    account: MeOut


class LogoutAllOut(BaseModel):
    revoked: int


class PasswordResetIn(Strict):
    login: Annotated[str, StringConstraints(min_length=1, max_length=254)] = Field(
        description="the login name or the e-mail address of the account")

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"login": "tanaka"}]}}


class PasswordResetOut(BaseModel):
    message: str


class PasswordResetConfirmIn(Strict):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="the token of the link in the reset mail")
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PasswordChangeIn(Strict):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    new_password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PasswordChangeOut(BaseModel):
    revoked: int = Field(description="other sessions of the account that were logged out")
