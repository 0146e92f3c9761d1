"""How errors become HTTP responses: the web layer's half of api/errors.py, installed by `create_app`.

One JSON shape for every refusal, `{"error": code, "message": …, "fields": […]}` (`error_body`): our typed errors
with their status, the pure engines' errors as 422, request-schema failures, HTTP errors of paths no route serves, a
unique constraint that caught a race (409), and our own failures (500, logged)."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise.exceptions import IntegrityError

from api.domain_errors import DomainError
from api.errors import AppError, error_body, validation_fields
from api.face.errors import BUSY, ENGINE_UNAVAILABLE, FaceError
from api.logs import safe_description

log = logging.getLogger("openccus")


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(error_body(exc.code, exc.message, exc.fields), status_code=exc.status)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValidationError)
    return JSONResponse(error_body("validation_error", "The request is not valid.", validation_fields(exc)), 422)


async def _integrity_error(_: Request, exc: Exception) -> JSONResponse:
    # Services check uniqueness first; this catches the race where two requests pass the check together.
    log.info("integrity error rendered as 409: %s", safe_description(exc))  # never the values it quotes
    return JSONResponse(error_body("write_conflict", "This conflicts with existing data."), status_code=409)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    return JSONResponse(
        error_body(codes.get(exc.status_code, "http_error"), str(exc.detail)),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse(error_body("internal_error", "Something went wrong on our side."), status_code=500)


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    # The pure engines (reports, levels, 経審, tariffs) raise their own errors with a machine code: bad input → 422.
    code, message = getattr(exc, "code", "invalid"), getattr(exc, "message", str(exc))
    field = getattr(exc, "field", None)
    return JSONResponse(
        error_body(code, message, [{"field": field, "message": message, "type": code}] if field else []), 422
    )


async def _face_error(_: Request, exc: Exception) -> JSONResponse:
    # The face engine's refusals (no face, several faces, too small…) are the client's to fix: 422 with the sentence
    # for the person at the kiosk. A busy or restarting engine is ours: 503, worth one retry after a second.
    code, message = getattr(exc, "code", "face_error"), getattr(exc, "message", str(exc))
    if code in (BUSY, ENGINE_UNAVAILABLE):
        return JSONResponse(error_body(code, message), status_code=503, headers={"Retry-After": "1"})
    return JSONResponse(error_body(code, message), status_code=422)


def exception_handlers() -> dict[Any, Any]:

    return {
        AppError: _app_error,
        DomainError: _domain_error,
        FaceError: _face_error,
        ValidationError: _validation_error,
        IntegrityError: _integrity_error,
        HTTPException: _http_error,
        Exception: _unhandled,
    }
