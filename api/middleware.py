"""ASGI middleware around the whole application: trusted proxy headers, browser security headers, the access log.

Pure ASGI (no BaseHTTPMiddleware): they only look at the scope and add headers to `http.response.start`, so
streaming responses and the lifespan pass through untouched.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.settings import Settings

access_log = logging.getLogger("openccus.access")

# The PWA (pwa/dist) runs with nothing inline and nothing from other origins: scripts, styles and the service worker
# from 'self'; photos and previews as blob: URLs; icons may be data: URLs. Payment happens on the provider's own page
# (a top-level navigation, which CSP does not restrict). tests/pwa fails on any CSP violation the browser reports.
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def docs_csp(inline_script: str) -> str:
    """The Swagger UI page: its one inline script by hash; Swagger UI sets inline styles and data: images itself."""
    digest = base64.b64encode(hashlib.sha256(inline_script.encode()).digest()).decode()
    return (
        f"default-src 'self'; script-src 'self' 'sha256-{digest}'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, settings: Settings, docs_csp: str):
        self.app = app
        self.docs_csp = docs_csp.encode()
        self.hsts = f"max-age={settings.hsts_seconds}; includeSubDomains".encode() if settings.hsts_seconds else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = self.docs_csp if scope["path"] == "/api/v1/docs" else APP_CSP.encode()
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [
                    (b"content-security-policy", csp),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=(), payment=()"),
                ]
                if https and self.hsts:
                    extra.append((b"strict-transport-security", self.hsts))
                headers += [(k, v) for k, v in extra if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessLog:
    """One line per request: method, path, status, duration. Never the query string (search terms, names, dates of
    birth…) nor any header: uvicorn's own access log, which prints the query string, is switched off (api/logs.py)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            access_log.info(
                '"%s %s" %s %.1fms',
                scope["method"],
                scope["path"],
                status["code"],
                (time.perf_counter() - started) * 1000,
            )


def middleware(settings: Settings, *, docs_inline_script: str) -> list[Any]:
    """Outermost first: proxy headers for the configured proxies only (so everything inside sees the real client and
    scheme), the access log, the security headers."""
    from starlette.middleware import Middleware

    stack = []
    proxies = settings.trusted_proxy_list()
    if proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        # X-Forwarded-For / -Proto are believed only from these peers; anyone else's are ignored.
        stack.append(Middleware(ProxyHeadersMiddleware, trusted_hosts=proxies))
    stack.append(Middleware(AccessLog))
    stack.append(Middleware(SecurityHeaders, settings=settings, docs_csp=docs_csp(docs_inline_script)))
    return stack
