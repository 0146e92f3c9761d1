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
from api.auth import CSRF_COOKIE, SESSION_COOKIE, authenticate, csrf_token
from api.errors import BadRequest, Forbidden, PayloadTooLarge, Unauthorized, Unprocessable, validation_fields

PUBLIC: frozenset[Role] = frozenset()
# What a token opens while its account must change a password someone else chose (Account.must_change_password).
PASSWORD_CHANGE_PATHS = frozenset(f"/api/v1/auth/{p}" for p in ("me", "password", "logout", "logout-all"))


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
    # Set-Cookie changes the handler asked for (the PWA's session), applied to whatever response it returns.
    cookies: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

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

    @property
    def client_address(self) -> str:
        """The client's address: the peer's, or from X-Forwarded-For when the peer is a trusted proxy (api/app.py
        installs the proxy-headers middleware only for the configured proxies)."""
        return self.request.client.host if self.request.client else "unknown"

    @property
    def wants_cookie_session(self) -> bool:
        """The PWA asks for its session as an HttpOnly cookie (`X-OpenCCUS-Session: cookie`) instead of a token."""
        return self.request.headers.get(SESSION_MODE_HEADER, "").lower() == "cookie"

    def issue_session(self, token: str, *, ttl_s: int) -> str | None:
        """Hand a new token to the client: as cookies to the PWA (then None is returned, never the token), else as is."""
        if not self.wants_cookie_session:
            return token
        opts = {"max_age": ttl_s, "path": "/", "samesite": "strict", "secure": _secure_cookie(self.request)}
        self.cookies.append((SESSION_COOKIE, token, {**opts, "httponly": True}))
        self.cookies.append((CSRF_COOKIE, csrf_token(token), {**opts, "httponly": False}))
        return None

    def end_session(self) -> None:
        for name in (SESSION_COOKIE, CSRF_COOKIE):
            self.cookies.append(
                (
                    name,
                    "",
                    {
                        "max_age": 0,
                        "path": "/",
                        "samesite": "strict",
                        "secure": _secure_cookie(self.request),
                        "httponly": name == SESSION_COOKIE,
                    },
                )
            )


SESSION_MODE_HEADER = "x-openccus-session"
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _secure_cookie(request: Request) -> bool:
    """Secure whenever the browser will still store it: over https, and on loopback http (the embedded default on
    http://127.0.0.1:8000), which Chromium and Firefox treat as a secure context. `OPENCCUS_COOKIE_SECURE=never` is
    for plain http on a LAN address, which browsers would refuse a Secure cookie from (docs/deploy.md)."""
    mode = request.app.state.settings.cookie_secure
    if mode != "auto":
        return mode == "always"
    return request.url.scheme == "https" or (request.url.hostname or "") in _LOOPBACK


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
    # A read that may lag behind the primary by the replica's delay (reports, KPIs, exports: docs/scale-out.md):
    # with DATABASE_REPLICA_URL set, its ORM reads and `db.read_connection()` go to the replica.
    replica: bool = False
    # A path parameter that takes one of a fixed set of values (a batch name, a code table): listed in the OpenAPI
    # document as an enum.
    path_values: dict[str, list[str]] = field(default_factory=dict)
    # What a response that is not a JSON model is: its media types (a JPEG, a CSV or PDF by `?format=`, …).
    media: tuple[str, ...] = ()


class Router:
    def __init__(self, prefix: str = "/api/v1"):
        self.prefix = prefix
        self.endpoints: list[Endpoint] = []

    def _add(self, method: str, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            roles = kw.pop("roles", PUBLIC)
            assert not kw.get("replica") or method == "GET", "only a read may be served from the replica"
            self.endpoints.append(
                Endpoint(
                    method=method,
                    path=self.prefix + path,
                    handler=fn,
                    roles=None if roles is PUBLIC else frozenset(roles),
                    **kw,
                )
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
                raise Unauthorized("Log in first: a valid bearer token is required.", code="login_required")
            if ep.roles and principal.role not in ep.roles:
                raise Forbidden(
                    f"This action is not available to the {principal.role.value} role.", code="role_not_allowed"
                )
            if principal.must_change_password and ep.path not in PASSWORD_CHANGE_PATHS:
                raise Forbidden(
                    "Choose your own password first: someone else set this account's password.",
                    code="password_change_required",
                )
        guard.check_path(request.path_params)
        ctx = Ctx(request=request, principal=principal, path=dict(request.path_params))
        if ep.query is not None:
            guard.check_query(request.query_params)
            try:
                ctx.query = ep.query.model_validate(dict(request.query_params))
            except ValidationError as exc:
                raise Unprocessable(
                    "The query is not valid.", fields=validation_fields(exc), code="validation_error"
                ) from None
            guard.check_values(ctx.query.model_dump(), root="query")
        if ep.uploads or ep.optional_uploads:
            await _read_form(request, ctx, ep)
        elif ep.body is not None:
            ctx.body = await _read_json(request, ep.body)
        if ep.transactional and ep.method != "GET":
            result = await db.run_in_unit_of_work(request.app.state, lambda: ep.handler(ctx))
        elif ep.replica:
            token = db.replica_reads()
            try:
                result = await ep.handler(ctx)
            finally:
                db.primary_reads(token)
        else:
            result = await ep.handler(ctx)
        response = _render(result, ep.status)
        for name, value, opts in ctx.cookies:
            response.set_cookie(name, value, **opts)
        return response

    return endpoint


async def _read_json(request: Request, model: type[BaseModel]) -> BaseModel:
    raw = await request.body()
    if len(raw) > request.app.state.settings.max_upload_bytes:
        raise PayloadTooLarge("The request body is too large.", code="body_too_large")
    data = guard.parse_json(raw) if raw else {}  # an empty body is an empty object: fine for all-optional models
    if not isinstance(data, dict):
        raise Unprocessable.field("body", "expected a JSON object", code="json_object_required")
    try:
        body = model.model_validate(data)
    except ValidationError as exc:
        raise Unprocessable(
            "The request is not valid.", fields=validation_fields(exc), code="validation_error"
        ) from None
    guard.check_values(body.model_dump(), root="body")  # what lax parsing made of strings: big ints, far dates
    return body


async def _read_form(request: Request, ctx: Ctx, ep: Endpoint) -> None:
    settings = request.app.state.settings
    length = request.headers.get("content-length")
    files = len(ep.uploads) + len(ep.optional_uploads)
    if length and length.isdigit() and int(length) > settings.max_upload_bytes * max(1, files) + 65536:
        raise PayloadTooLarge("The upload is too large.", code="upload_too_large")
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
                    raise PayloadTooLarge(
                        f"{name}: the file is larger than {settings.max_upload_bytes // 2**20} MB",
                        code="file_too_large",
                    )
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
            raise Unprocessable(
                "The request is not valid.", fields=validation_fields(exc), code="validation_error"
            ) from None
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
