"""Typed errors that carry their HTTP status; the web layer renders them as JSON in one place (api/error_handlers.py).

Services raise these without depending on the web framework: this module imports no starlette.

Every refusal names a stable, specific `code` (`site_not_found`, `not_own_business`…): clients translate by code, so
`code` is a required keyword of every AppError, and each code is listed once in the catalogue api/data/error_codes.csv
(HTTP status, Japanese and English text; tests/api/test_error_codes.py keeps raises and catalogue in step). The
generic codes (`validation_error`, `not_found`, `method_not_allowed`, `http_error`, `write_conflict`,
`internal_error`; api/error_codes.FRAMEWORK) are produced only by the framework handlers in api/error_handlers.py: request-schema
validation, HTTP errors of paths no route serves, a unique constraint that caught a race, our own failure."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class AppError(Exception):
    status = 400

    def __init__(self, message: str, *, code: str, fields: list[dict[str, Any]] | None = None):
        # `message` is English for developers and logs; users read the catalogue's text for `code`.
        super().__init__(message)
        self.message = message
        self.code = code
        # A field item names what went wrong by `type` (like pydantic's); the error's own code when it says no more.
        self.fields = [f if "type" in f else {**f, "type": code} for f in fields or []]


class BadRequest(AppError):
    status = 400


class Unauthorized(AppError):
    status = 401


class Forbidden(AppError):
    status = 403


class NotFound(AppError):
    status = 404


class Conflict(AppError):
    status = 409


class PayloadTooLarge(AppError):
    status = 413


class Unprocessable(AppError):
    status = 422

    @classmethod
    def field(cls, field: str, message: str, *, code: str) -> Unprocessable:
        # The field item carries the code as its `type` (AppError adds it), like pydantic's items.
        return cls(message, code=code, fields=[{"field": field, "message": message}])


class TooManyRequests(AppError):
    status = 429


def error_body(code: str, message: str, fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "fields": fields or []}


def _plain(value: Any) -> Any:
    # ctx holds what the message quotes (a length, a bound, the allowed values); anything else becomes its text.
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) <= 2**53 else str(value)  # a bigint bound read exactly by JavaScript too
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    return str(value)


def validation_fields(exc: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors as `{field, message, type, ctx}`: `type` is pydantic's stable error type (`missing`,
    `string_too_long`, `greater_than_equal`… or one of our PydanticCustomError types, see api/common.py) and `ctx` the
    values its message quotes (`max_length`, `ge`…), so a client words the message itself."""
    out = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"] if p != "body")
        kind, ctx = err["type"], {k: _plain(v) for k, v in (err.get("ctx") or {}).items()}
        if kind in ("too_long", "too_short") and isinstance(err.get("input"), str):
            # A length constraint placed after a BeforeValidator reaches pydantic as a generic one ("items"); for
            # text it is a number of characters, so say so.
            kind = "string_" + kind
            ctx = {k: v for k, v in ctx.items() if k in ("max_length", "min_length")}
        item: dict[str, Any] = {"field": loc or "body", "message": err["msg"], "type": kind}
        if ctx:
            item["ctx"] = ctx
        out.append(item)
    return out
