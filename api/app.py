"""The ASGI application: `create_app(settings)` with one lifespan that owns every resource."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
from collections.abc import AsyncIterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from api import db
from api.billing.issuer import warn_at_start as issuer_warning
from api.cards.revocation import revocations_version
from api.crypto import Vault
from api.devices.service import DeviceCache
from api.devices.watch import RevocationWatch
from api.error_handlers import exception_handlers
from api.errors import NotFound
from api.face.pool import FacePool
from api.face.runtime import FaceRuntime
from api.face.service import photo_checker
from api.http import Endpoint, Router
from api.middleware import middleware
from api.openapi import DOCS_HTML, DOCS_SCRIPT, build_openapi, swagger_static_dir
from api.queue import open_queue
from api.ratelimit import Limits
from api.settings import Settings

log = logging.getLogger("openccus")


def routers() -> list[Router]:
    from api.accounts.routes import router as accounts
    from api.attendance.routes import router as attendance
    from api.agents.routes import router as agents  # registration agents (認定登録機関, 建設業協会)
    from api.attendance.virtual_routes import router as virtual_cards  # virtual card reads (issue 20.4)
    from api.audit.routes import router as audit
    from api.batches.routes import router as batches
    from api.billing.routes import router as billing
    from api.businesses.routes import router as businesses
    from api.cards.routes import router as cards  # issue, revoke, reissue, personalise (issue 16)
    from api.devices.routes import router as devices
    from api.face.routes import router as face
    from api.keishin.routes import router as keishin
    from api.kentaikyo.routes import router as kentaikyo
    from api.kpi.routes import router as kpi
    from api.levels.judged_routes import router as judged  # applications, assessment bodies, judged levels
    from api.levels.routes import router as levels
    from api.licence.routes import router as licence
    from api.mail.routes import router as mail  # outgoing e-mail (operator console)
    from api.masters.routes import router as masters
    from api.notifications.routes import router as notifications
    from api.payments.routes import router as payments
    from api.phone.routes import router as phone
    from api.recovery.routes import router as recovery  # password reset by e-mail, password change
    from api.registration.change_routes import router as changes  # 変更申請 and corrections (issue 18)
    from api.registration.review_routes import router as review
    from api.registration.routes import router as registration
    from api.reports.routes import router as reports
    from api.sites.routes import router as sites
    from api.workrecords.routes import router as workrecords

    return [
        accounts,
        businesses,
        registration,
        review,
        cards,
        sites,
        devices,
        attendance,
        virtual_cards,
        workrecords,
        batches,
        levels,
        reports,
        keishin,
        face,
        phone,
        licence,
        billing,
        payments,
        kpi,
        audit,
        notifications,
        changes,
        judged,
        masters,
        kentaikyo,
        mail,
        recovery,
        agents,
    ]


def app_version() -> str:
    try:
        return version("openccus")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(settings: Settings | None = None, *, face_pool: FacePool | None = None) -> Starlette:
    """`face_pool`: an already started pool to use (and not close), e.g. one shared by a test session; by default the
    app starts its own on the first face photo or check-in."""
    settings = settings or Settings()
    endpoints: list[Endpoint] = [ep for r in routers() for ep in r.endpoints]
    openapi = build_openapi(endpoints, version=app_version())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await db.init(settings)
        issuer_warning(settings)
        app.state.settings = settings
        app.state.vault = Vault(settings.secret("data_key"))
        settings.card_keys()  # a misconfigured card key table stops the start, not the first tap (card_keys.py)
        app.state.limits = Limits(settings.redis_url)  # login, OCR and registration limits, shared by all processes
        app.state.device_cache = DeviceCache()
        app.state.revocation_watch = RevocationWatch(revocations_version)  # long-polls of readers (api/devices)
        app.state.face = FaceRuntime(settings, pool=face_pool)
        # The upload-time face-photo check, for routes of domains below face (registration): Ctx.photo_check.
        app.state.photo_checker = photo_checker
        app.state.queue = await open_queue(settings, resources={"face": app.state.face})
        tasks = [asyncio.create_task(_sweep_outbox(app))]
        if settings.embedded and settings.run_schedule:
            tasks.append(asyncio.create_task(app.state.queue.run_schedule()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await app.state.revocation_watch.close()
            await app.state.queue.close()
            await app.state.limits.close()
            await app.state.face.close()
            await db.close()

    async def openapi_json(_: Request) -> Response:
        return JSONResponse(openapi)

    async def docs(_: Request) -> Response:
        return HTMLResponse(DOCS_HTML)

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "version": app_version(), "embedded": settings.embedded})

    routes: list[Route | Mount] = [r for router in routers() for r in router.routes()]
    routes += [
        Route("/api/v1/openapi.json", openapi_json),
        Route("/api/v1/docs", docs),
        Mount("/api/v1/docs/static", StaticFiles(directory=swagger_static_dir())),
        Route("/api/v1/health", health),
    ]
    routes += _pwa_routes(settings)
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=exception_handlers(),
        middleware=middleware(settings, docs_inline_script=DOCS_SCRIPT),
    )


def _pwa_routes(settings: Settings) -> list[Route | Mount]:
    """Serve the built PWA: real files as they are, every other path falls back to the app shell (deep links).
    The shell and the service worker are never cached, so a new release reaches users on their next visit."""
    dist = settings.pwa_dist
    no_cache = {"Cache-Control": "no-cache"}

    async def shell(request: Request) -> Response:
        path = request.path_params.get("path", "")
        if path == "api" or path.startswith("api/"):
            raise NotFound("No such endpoint.", code="no_such_endpoint")  # an API typo gets JSON, never the app shell
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and dist.resolve() in candidate.parents:
            headers = (
                no_cache
                if candidate.name in {"sw.js", "manifest.webmanifest", "index.html"}
                else {"Cache-Control": "public, max-age=31536000, immutable"}
                if "/assets/" in f"/{path}"
                else {}
            )
            return _static(request, candidate, headers)
        index = dist / "index.html"
        if not index.is_file():
            return HTMLResponse(
                "<h1>OpenCCUS</h1><p>The PWA is not built. The API is at <a href='/api/v1/docs'>/api/v1/docs</a>.</p>",
                headers=no_cache,
            )
        return _static(request, index, no_cache)

    async def no_endpoint(request: Request) -> Response:
        from starlette.exceptions import HTTPException
        from starlette.routing import Match

        # A path that an endpoint has with another method keeps its 405.
        for route in request.app.router.routes:
            if (
                isinstance(route, Route)
                and route.endpoint is not no_endpoint
                and route.path.startswith("/api/")
                and route.matches(request.scope)[0] is Match.PARTIAL
            ):
                raise HTTPException(405, "Method Not Allowed")
        raise NotFound("No such endpoint.", code="no_such_endpoint")

    # Any method on a path under /api that no route matched (an id that is not a number…) is a JSON 404, never the
    # shell's 405.
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return [Route("/", shell), Route("/api/{rest:path}", no_endpoint, methods=methods), Route("/{path:path}", shell)]


# The build writes file.br and file.gz beside every text file (pwa/vite.config.ts): sent as they are, so a
# technician's first load transfers the compressed bytes without compressing on every request.
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
mimetypes.add_type("application/manifest+json", ".webmanifest")


def _static(request: Request, file: Path, headers: dict[str, str]) -> FileResponse:
    accepted = {part.split(";")[0].strip() for part in request.headers.get("accept-encoding", "").split(",")}
    media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    for encoding, suffix in _ENCODINGS:
        packed = file.with_name(file.name + suffix)
        if encoding in accepted and packed.is_file():
            return FileResponse(
                packed,
                media_type=media_type,
                headers={**headers, "Content-Encoding": encoding, "Vary": "Accept-Encoding"},
            )
    return FileResponse(file, media_type=media_type, headers={**headers, "Vary": "Accept-Encoding"})


async def _sweep_outbox(app: Starlette) -> None:
    """Relay what the outbox still holds: every 10 s, jobs older than 5 s (a request relays its own jobs at once;
    these are the ones a crash or a Redis outage left). Every API process sweeps; arq's job ids make that harmless."""
    from datetime import timedelta

    from api.queue import QUEUE_DOWN

    while True:
        try:
            await app.state.queue.sweep(older_than=timedelta(seconds=5))
        except QUEUE_DOWN as exc:
            log.warning("outbox sweep: queue unreachable (%s); retrying", type(exc).__name__)
        except Exception as exc:  # a database hiccup must not kill the sweeper; the next round retries
            log.error("outbox sweep failed: %s", type(exc).__name__)
        await asyncio.sleep(10)
