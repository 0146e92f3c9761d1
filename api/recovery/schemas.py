from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from api.common import Strict


class PasswordResetIn(Strict):
    login: Annotated[str, StringConstraints(min_length=1, max_length=254)] = Field(
        description="the login name or the e-mail address of the account"
    )

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"login": "tanaka"}]}}


class PasswordResetOut(BaseModel):
    message: str


class PasswordResetConfirmIn(Strict):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="the token of the link in the reset mail"
    )
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PasswordChangeIn(Strict):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    new_password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PasswordChangeOut(BaseModel):
    revoked: int = Field(description="other sessions of the account that were logged out")
