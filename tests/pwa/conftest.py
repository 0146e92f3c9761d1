"""The PWA in a real browser: Debian's Chromium driven by Playwright against the API on the embedded default.

Session fixtures build the PWA (pwa/build.sh), start the API with uvicorn on a free port over a throwaway SQLite
database with the demo data (never PostgreSQL or Redis: DATABASE_URL and REDIS_URL are removed from its
environment), and launch Chromium once. Screenshots go to test-artifacts/pwa/ (gitignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.pwa.helpers import PASSWORD, PHONE, WAIT_MS

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "pwa"
CHROMIUM = Path(os.environ.get("OPENCCUS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def _run(cmd: list[str], *, env: dict | None = None, timeout: float) -> None:
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pwa_dist() -> Path:
    _run(["bash", str(ROOT / "pwa" / "build.sh")], timeout=900)
    dist = ROOT / "pwa" / "dist"
    assert (dist / "index.html").is_file() and (dist / "sw.js").is_file()
    return dist


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if shutil.which("apt-get") and os.geteuid() == 0:
            _run(["apt-get", "install", "-y", "-qq", "chromium"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                 timeout=900)
        if not CHROMIUM.exists():
            pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return CHROMIUM


@pytest.fixture(scope="session")
def stripe():
    """The payment provider is the one thing faked, at the HTTP boundary: the API's official Stripe SDK talks to the
    local fake of tests/payments, and the tests deliver its webhooks signed with Stripe's real scheme."""
    from tests.payments.fake_stripe import FakeStripe, Server

    fake = FakeStripe()
    with Server(fake) as srv:
        yield fake, srv.url


@pytest.fixture(scope="session")
def pwa_var(tmp_path_factory) -> Path:
    """The server's var/ folder: its SQLite database and generated secrets."""
    return tmp_path_factory.mktemp("pwa-var")


@pytest.fixture(scope="session")
def server(pwa_dist: Path, stripe, pwa_var: Path) -> Iterator[str]:
    from tests.payments.fake_stripe import API_KEY, WEBHOOK_SECRET

    var = pwa_var
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(OPENCCUS_VAR_DIR=str(var), OPENCCUS_PWA_DIST=str(pwa_dist), PYTHONUNBUFFERED="1",
               OPENCCUS_STRIPE_API_KEY=API_KEY, OPENCCUS_STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
               OPENCCUS_STRIPE_API_BASE=stripe[1], OPENCCUS_PUBLIC_URL=base)
    # The provider's hosted page sends the payer back to OPENCCUS_PUBLIC_URL and reports payments to the webhook.
    stripe[0].webhook_url = f"{base}/api/v1/payments/stripe/webhook"
    cli = [sys.executable, "-m", "api.cli"]
    _run([*cli, "migrate"], env=env, timeout=120)
    _run([*cli, "demo-data"], env=env, timeout=120)
    log = open(var / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError(f"the API did not start:\n{(var / 'server.log').read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


# Package scope, not session: Playwright's sync API keeps an event loop running in the main thread while it lives,
# and pytest-asyncio cannot run the async tests of the directories collected after tests/pwa (tests/security…).
@pytest.fixture(scope="package")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(chromium: Path, playwright_driver):
    b = playwright_driver.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, timeout=30_000)
    yield b
    b.close()


@pytest.fixture
def camera_context(chromium: Path, playwright_driver, server: str, csp_violations):
    """camera_context(video.y4m, viewport) -> a context of a Chromium launched with that file as its camera (the file
    is per launch) and the camera permission granted, as on a kiosk tablet. Closed after the test."""
    launched = []

    def make(video: Path, viewport: dict):
        args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}"]
        b = playwright_driver.chromium.launch(executable_path=str(chromium), args=args, timeout=30_000)
        launched.append(b)
        ctx = b.new_context(viewport=viewport, base_url=server, locale="ja-JP", timezone_id="Asia/Tokyo",
                            permissions=["camera"])
        ctx.set_default_timeout(WAIT_MS)
        ctx.set_default_navigation_timeout(WAIT_MS)
        watch_csp(ctx, csp_violations)
        return ctx

    yield make
    for b in launched:
        b.close()


@pytest.fixture(scope="session")
def photos() -> dict[str, Path]:
    """Real face photos (tests/face/photos.py fetches them from registry packages into var/test-photos; never
    committed): the API checks that a registration photo shows one face, and the kiosk must recognise it."""
    from tests.face.photos import fetch

    return fetch(("face_recognition",))


@pytest.fixture(scope="session")
def face_photo(photos) -> dict:
    """A real face photo as a phone camera hands it to the file input."""
    return {"name": "face.jpg", "mimeType": "image/jpeg", "buffer": photos["obama.jpg"].read_bytes()}


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class Api:
    """A small API client for arranging and checking what the browser did."""

    def __init__(self, base: str):
        self.base = base
        self.tokens: dict[str, str] = {}

    def token(self, login: str) -> str:
        if login not in self.tokens:
            r = httpx.post(f"{self.base}/api/v1/auth/login", json={"login": login, "password": PASSWORD}, timeout=10)
            r.raise_for_status()
            self.tokens[login] = r.json()["token"]
        return self.tokens[login]

    def get(self, login: str, path: str):
        r = httpx.get(f"{self.base}/api/v1{path}", headers={"Authorization": f"Bearer {self.token(login)}"}, timeout=10)
        r.raise_for_status()
        return r.json()

    def call(self, method: str, login: str | None, path: str, **kw) -> httpx.Response:
        """Any request (login None: without a token, as a device enrolling); the caller checks the status."""
        headers = {"Authorization": f"Bearer {self.token(login)}"} if login else {}
        headers.update(kw.pop("headers", {}))
        return httpx.request(method, f"{self.base}/api/v1{path}", headers=headers, timeout=15, **kw)

    def ok(self, method: str, login: str | None, path: str, **kw):
        r = self.call(method, login, path, **kw)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None


@pytest.fixture(scope="session")
def api(server: str) -> Api:
    return Api(server)


def watch_csp(ctx, violations: list[str]) -> None:
    """Collect what the browser refuses under the API's Content-Security-Policy (api/middleware.py): Chromium reports
    each refusal on the console. A test whose pages broke the policy fails at teardown."""
    ctx.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)


@pytest.fixture
def csp_violations():
    found: list[str] = []
    yield found
    assert not found, f"the PWA broke its Content-Security-Policy: {found}"


@pytest.fixture
def open_context(browser, server: str, csp_violations):
    """open_context(viewport) -> a fresh browser context (own storage, own service worker) on the API's origin."""
    contexts = []

    def make(viewport: dict = PHONE, **kw):
        ctx = browser.new_context(viewport=viewport, base_url=server, locale="ja-JP", timezone_id="Asia/Tokyo", **kw)
        ctx.set_default_timeout(WAIT_MS)
        ctx.set_default_navigation_timeout(WAIT_MS)
        watch_csp(ctx, csp_violations)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="session")
def month_passes(server: str, pwa_var: Path):
    """month_passes() -> the month to close ("YYYY-MM"). Only an ended month can be closed (close_month_not_ended), so
    a month goes by: the pending fees of this month (registrations, admin IDs) are counted in last month, as
    tests/billing/world.month_passes does through the ORM."""

    def run() -> str:
        last = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
        with closing(sqlite3.connect(pwa_var / "openccus.sqlite3", timeout=30)) as db, db:
            db.execute("UPDATE charge SET counted_in = ? WHERE invoice_id IS NULL AND counted_in > ?",
                       [last.isoformat(), last.isoformat()])
        return last.strftime("%Y-%m")

    return run
