"""Endpoint declaration shared by every domain: one decorator gives a route its auth, parsing, transaction and docs.

Routes stay thin: `@router.get/post/...` declares who may call it and which pydantic models it takes and returns;
the wrapper authenticates, parses and validates, runs a write in one transaction (so a failed request leaves nothing
half-written), enqueues the jobs the transaction deferred only after it committed, and renders the response.
The same declarations build the OpenAPI 3.1 document (`api/openapi.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api import db, guard
from api.accounts.models import Account, Role
from api.auth import authenticate
from api.errors import BadRequest, Forbidden, PayloadTooLarge, Unauthorized, Unprocessable, validation_fields

PUBLIC: frozenset[Role] = frozenset()


@dataclass
class Ctx:
    """What a handler gets: never the raw Request, so handlers stay testable and services never see HTTP."""

    request: Request
    principal: Account | None
    path: dict[str, str]
    body: Any = None
    query: Any = None
    files: dict[str, bytes] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)

    @property
    def settings(self):
        return self.request.app.state.settings

    @property
    def state(self):
        return self.request.app.state

    @property
    def user(self) -> Account:
        assert self.principal is not None  # guaranteed by the route's roles
        return self.principal


Handler = Callable[[Ctx], Awaitable[Any]]


@dataclass
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    tags: list[str]
    roles: frozenset[Role] | None  # None = public
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    uploads: tuple[str, ...] = ()  # required files of a multipart request (its other fields validate against `body`)
    optional_uploads: tuple[str, ...] = ()
    transactional: bool = True
    examples: dict[str, Any] | None = None
    errors: tuple[int, ...] = ()


class Router:
    def __init__(self, prefix: str = "/api/v1"):
        self.prefix = prefix
        self.endpoints: list[Endpoint] = []

    def _add(self, method: str, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            roles = kw.pop("roles", PUBLIC)
            self.endpoints.append(
                Endpoint(method=method, path=self.prefix + path, handler=fn, roles=None if roles is PUBLIC else frozenset(roles), **kw)
            )
            return fn

        return deco

    def get(self, path: str, **kw: Any):
        return self._add("GET", path, **kw)

    def post(self, path: str, **kw: Any):
        return self._add("POST", path, **kw)

    def put(self, path: str, **kw: Any):
        return self._add("PUT", path, **kw)

    def patch(self, path: str, **kw: Any):
        return self._add("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any):
        return self._add("DELETE", path, **kw)

    def routes(self) -> list[Route]:
        return [Route(ep.path, _wrap(ep), methods=[ep.method], name=ep.handler.__name__) for ep in self.endpoints]


def _wrap(ep: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        principal = None
        if ep.roles is not None:
            principal = await authenticate(request)
            if principal is None:
                raise Unauthorized("Log in first: a valid bearer token is required.")
            if ep.roles and principal.role not in ep.roles:
                raise Forbidden(f"This action is not available to the {principal.role.value} role.")
        guard.check_path(request.path_params)
        ctx = Ctx(request=request, principal=principal, path=dict(request.path_params))
        if ep.query is not None:
            guard.check_query(request.query_params)
            try:
                ctx.query = ep.query.model_validate(dict(request.query_params))
            except ValidationError as exc:
                raise Unprocessable("The query is not valid.", fields=validation_fields(exc)) from None
            guard.check_values(ctx.query.model_dump(), root="query")
        if ep.uploads or ep.optional_uploads:
            await _read_form(request, ctx, ep)
        elif ep.body is not None:
            ctx.body = await _read_json(request, ep.body)
        if ep.transactional and ep.method != "GET":
            result = await db.run_in_unit_of_work(request.app.state, lambda: ep.handler(ctx))
        else:
            result = await ep.handler(ctx)
        return _render(result, ep.status)

    return endpoint


async def _read_json(request: Request, model: type[BaseModel]) -> BaseModel:
    raw = await request.body()
    if len(raw) > request.app.state.settings.max_upload_bytes:
        raise PayloadTooLarge("The request body is too large.")
    data = guard.parse_json(raw) if raw else {}  # an empty body is an empty object: fine for all-optional models
    if not isinstance(data, dict):
        raise Unprocessable.field("body", "expected a JSON object", code="json_object_required")
    try:
        body = model.model_validate(data)
    except ValidationError as exc:
        raise Unprocessable("The request is not valid.", fields=validation_fields(exc)) from None
    guard.check_values(body.model_dump(), root="body")  # what lax parsing made of strings: big ints, far dates
    return body


async def _read_form(request: Request, ctx: Ctx, ep: Endpoint) -> None:
    settings = request.app.state.settings
    length = request.headers.get("content-length")
    files = len(ep.uploads) + len(ep.optional_uploads)
    if length and length.isdigit() and int(length) > settings.max_upload_bytes * max(1, files) + 65536:
        raise PayloadTooLarge("The upload is too large.")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Unprocessable.field("body", "send the file as multipart/form-data", code="multipart_required")
    try:
        form = await request.form(max_files=files, max_fields=20, max_part_size=settings.max_upload_bytes + 1)
    except Exception as exc:  # python-multipart raises several types for malformed or oversized parts
        raise BadRequest(f"The upload could not be read: {exc}", code="invalid_multipart") from None
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if name in ep.uploads or name in ep.optional_uploads:
                ctx.files[name] = await value.read()
                if len(ctx.files[name]) > settings.max_upload_bytes:  # each file, face check-in frames included
                    raise PayloadTooLarge(f"{name}: the file is larger than {settings.max_upload_bytes // 2**20} MB")
        else:
            guard.check_values({name: value}, root="form")
            ctx.form[name] = value
    missing = [n for n in ep.uploads if n not in ctx.files]
    if missing:
        raise Unprocessable.field(missing[0], "a file is required", code="file_required")
    if ep.body is not None:
        try:
            ctx.body = ep.body.model_validate(ctx.form)
        except ValidationError as exc:
            raise Unprocessable("The request is not valid.", fields=validation_fields(exc)) from None
        guard.check_values(ctx.body.model_dump(), root="form")


def _render(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status_code=204)
    if isinstance(result, BaseModel):
        return JSONResponse(result.model_dump(mode="json"), status_code=status)
    if isinstance(result, list):
        return JSONResponse([r.model_dump(mode="json") if isinstance(r, BaseModel) else r for r in result], status)
    return JSONResponse(result, status_code=status)
