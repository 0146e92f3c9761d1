from datetime import datetime

from pydantic import BaseModel, StringConstraints
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
