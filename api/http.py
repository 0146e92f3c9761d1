"""Endpoint declaration shared by every domain: one decorator gives a route its auth, parsing, transaction and docs.

Routes stay thin: `@router.get/post/...` declares who may call it and which pydantic models it takes and returns;
the wrapper authenticates, parses and validates, runs a write in one transaction (so a failed request leaves nothing
half-written), enqueues the jobs the transaction deferred only after it committed, and renders the response.
The same declarations build the OpenAPI 3.1 document (`api/openapi.py`).

The types come from the handler's signature: `body: SomeIn` is the JSON (or multipart form) body, `query: SomeQuery`
the query string, any other parameter a path parameter of the same name (`pk: int` for `{pk:int}`), and the return
annotation the response model. A returned value is validated against that model and serialised through pydantic, so a
handler that returns a dict for a typed response is checked too; a mismatch is our bug (`ResponseContractError`,
logged, 500 — and raised through to the test client, so a test fails loudly). The `body=`, `query=` and `response=`
keywords of the decorator still work for routes not yet converted (`infra/dev/convert_routes.py` converts them).
"""

from __future__ import annotations

import inspect
import logging
import types
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message

from api import db, guard
from api.accounts.credentials import csrf_token
from api.accounts.models import Account, Role
from api.auth import CSRF_COOKIE, SESSION_COOKIE, authenticate
from api.errors import BadRequest, Forbidden, PayloadTooLarge, Unauthorized, Unprocessable, validation_fields

if TYPE_CHECKING:
    from api.media.service import ImageCheck

log = logging.getLogger("openccus.http")

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
    def photo_check(self) -> ImageCheck | None:
        """The upload-time check of a face photo (api/face/service.photo_checker, put on the app's state by
        api/app.py so that registration's routes use it without importing the face domain above them)."""
        return self.state.photo_checker(self.state.face, self.settings)

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


Handler = Callable[..., Awaitable[Any]]
H = TypeVar("H", bound=Handler)


class ResponseContractError(Exception):
    """A handler returned something its declared response model does not accept: a server bug, never the client's."""


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
    # The OpenAPI operationId, when not `<domain>_<handler>`: an operation that moved to another domain keeps its id
    # (generated clients name their methods by it).
    operation_id: str | None = None
    # Path parameters the handler takes as arguments (name → annotated type), and whether it takes body / query.
    path_args: dict[str, Any] = field(default_factory=dict)
    body_arg: bool = False
    query_arg: bool = False
    _adapter: TypeAdapter[Any] | None = field(default=None, repr=False)

    @property
    def adapter(self) -> TypeAdapter[Any] | None:
        """The response model's validator, built once (None: nothing to check — no model, or not a JSON response)."""
        if self._adapter is None and self.response is not None:
            self._adapter = TypeAdapter(self.response)
        return self._adapter


_NO_MODEL = (None, type(None), Any, inspect.Signature.empty)


def _response_type(annotation: Any) -> Any:
    """The JSON model in a return annotation: `X`, `list[X]`…; `Response` (and `X | Response`) leave the Response out."""
    if annotation in _NO_MODEL:
        return None
    if isinstance(annotation, type) and issubclass(annotation, Response):
        return None
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [
            a
            for a in typing.get_args(annotation)
            if a is not type(None) and not (isinstance(a, type) and issubclass(a, Response))
        ]
        if len(rest) == 1:
            return rest[0]
        return typing.Union[tuple(rest)] if rest else None  # noqa: UP007 (a runtime union of a computed tuple)
    return annotation


def _from_signature(fn: Handler, path: str, kw: dict[str, Any]) -> None:
    """Fill `body`, `query`, `response` and the path arguments from the handler's annotations (into `kw`)."""
    try:
        hints = typing.get_type_hints(fn)
    except NameError as exc:
        raise TypeError(f"{fn.__module__}.{fn.__name__}: an annotation cannot be resolved ({exc})") from None
    for i, (name, param) in enumerate(inspect.signature(fn).parameters.items()):
        if i == 0:
            assert name == "ctx", f"{fn.__name__}: a handler's first parameter is `ctx: Ctx`"
            continue
        tp = hints.get(name, str)
        if name in ("body", "query"):
            assert kw.get(name) in (None, tp), f"{fn.__name__}: `{name}=` and the signature disagree"
            kw[name] = tp
            kw[f"{name}_arg"] = True
        else:
            assert "{" + name + "}" in path or "{" + name + ":" in path, f"{fn.__name__}: `{name}` is not in {path}"
            assert param.default is inspect.Parameter.empty, f"{fn.__name__}: a path parameter has no default"
            kw.setdefault("path_args", {})[name] = tp
            if typing.get_origin(tp) is typing.Literal:  # a fixed set of values (a batch name): an enum in the docs
                kw.setdefault("path_values", {}).setdefault(name, [str(v) for v in typing.get_args(tp)])
    if "return" in hints and "response" not in kw:
        kw["response"] = _response_type(hints["return"])


class Router:
    def __init__(self, prefix: str = "/api/v1"):
        self.prefix = prefix
        self.endpoints: list[Endpoint] = []

    def _add(self, method: str, path: str, **kw: Any) -> Callable[[H], H]:
        def deco(fn: H) -> H:
            _from_signature(fn, path, kw)
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

    def get(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self._add("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self._add("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self._add("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self._add("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[H], H]:
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
        _limit_body(request, ep)
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
        args = _arguments(ep, ctx)
        if ep.transactional and ep.method != "GET":
            result = await db.run_in_unit_of_work(request.app.state, lambda: ep.handler(ctx, **args))
        elif ep.replica:
            token = db.replica_reads()
            try:
                result = await ep.handler(ctx, **args)
            finally:
                db.primary_reads(token)
        else:
            result = await ep.handler(ctx, **args)
        response = _render(_checked(ep, result), ep.status)
        for name, value, opts in ctx.cookies:
            response.set_cookie(name, value, **opts)
        return response

    return endpoint


def _arguments(ep: Endpoint, ctx: Ctx) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for name, tp in ep.path_args.items():
        value = ctx.path[name]  # Starlette's `:int` convertor already made an int of an int segment
        args[name] = int(value) if tp is int and not isinstance(value, int) else value
    if ep.body_arg:
        args["body"] = ctx.body
    if ep.query_arg:
        args["query"] = ctx.query
    return args


def _checked(ep: Endpoint, result: Any) -> Any:
    """The result validated against the declared response model (a dict becomes the model; a model stays itself)."""
    adapter = ep.adapter
    if adapter is None or result is None or isinstance(result, Response):
        return result
    try:
        return adapter.validate_python(result)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False))
        log.error("%s %s returned a response its model refuses: %s", ep.method, ep.path, problems)
        raise ResponseContractError(f"{ep.method} {ep.path}: {problems}") from None


def _limit_body(request: Request, ep: Endpoint) -> None:
    """Bound what the request body may be, also while it arrives: a declared Content-Length over the limit is refused
    at once, and a body without one (chunked) is counted as it is received and refused as soon as it passes the limit —
    nothing unbounded is read into memory or spooled to disk, for any operation (the webhook reads its raw body too).
    The limit: one upload per declared file (face check-in frames included) plus room for the form's fields."""
    settings = request.app.state.settings
    files = len(ep.uploads) + len(ep.optional_uploads)
    limit = settings.max_upload_bytes * max(1, files) + 65536

    def too_large() -> PayloadTooLarge:
        if files:
            return PayloadTooLarge("The upload is too large.", code="upload_too_large")
        return PayloadTooLarge("The request body is too large.", code="body_too_large")

    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise too_large()
    receive = request.receive
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        received = await receive()
        if received["type"] == "http.request":
            seen += len(received.get("body", b""))
            if seen > limit:
                raise too_large()
        return received

    request._receive = counted


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
    files = len(ep.uploads) + len(ep.optional_uploads)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Unprocessable.field("body", "send the file as multipart/form-data", code="multipart_required")
    try:
        form = await request.form(max_files=files, max_fields=20, max_part_size=settings.max_upload_bytes + 1)
    except PayloadTooLarge:  # the body passed its limit while the form was being read (_limit_body)
        raise
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
    if isinstance(result, dict):  # dict[str, Model] and the like: pydantic makes JSON of the values
        return JSONResponse(TypeAdapter(dict[str, Any]).dump_python(result, mode="json"), status_code=status)
    return JSONResponse(result, status_code=status)


def pdf_response(data: bytes, name: str) -> Response:
    """A PDF shown inline (an invoice, a receipt), never cached: `name` without `.pdf`."""
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"', "Cache-Control": "no-store"},
    )
