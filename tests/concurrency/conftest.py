"""A real OpenCCUS server for concurrency tests: `openccus serve --workers 2` on real PostgreSQL and Redis, in a
database of its own per test module, so that races cross processes and connections as they do in production.

Tests fire real concurrent HTTP requests at it (`race`) and assert the invariant after each round, reading the database
directly (`live.fetch`). Tests in one module share the server and its data: make every entity unique (the builders in
tests/api/helpers.py number theirs).
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.api.helpers import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("OPENCCUS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/openccus_test")
REDIS_URL = os.environ.get("OPENCCUS_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The API as a subprocess with `workers` processes. `url`, `env` (what it runs with), `fetch`/`fetchval` (SQL on
    its database), `drain()` (a burst arq worker), `cli(...)` (the console script against the same database)."""

    def __init__(self, tmp: Path, name: str, *, workers: int = 2, extra_env: dict[str, str] | None = None) -> None:
        base, _, db = PG_URL.rpartition("/")
        self.db_url = f"{base}/{db}_{name}"[:200]
        self._admin_url = f"{base}/postgres"
        key = DATA_KEY  # the template's rows (the operator) were written with it
        card_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
        self.env = dict(os.environ)
        self.env.update(
            DATABASE_URL=self.db_url,
            REDIS_URL=REDIS_URL,
            OPENCCUS_DATA_KEY=key,
            OPENCCUS_CARD_MASTER_KEY=card_key,
            OPENCCUS_VAR_DIR=str(tmp),
            OPENCCUS_RUN_SCHEDULE="false",
            OPENCCUS_OPERATOR_PASSWORD=PASSWORD,
            PYTHONPATH=str(ROOT),
            OPENCCUS_FACE_CHECK_UPLOADS="false",  # the builders upload drawn photos
            OPENCCUS_INVOICE_ISSUER_NUMBER="T7123456789012",
        )  # not the placeholder: invoices finalise
        self.env.update(extra_env or {})
        self.card_master_key = base64.urlsafe_b64decode(card_key)
        self.workers = workers
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "api.log"
        self.proc: subprocess.Popen | None = None

    def _cli(self) -> list[str]:
        return [sys.executable, "-m", "api.cli"]

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self._cli(), *args], env=self.env, cwd=ROOT, capture_output=True, text=True, check=check, timeout=300
        )

    def start(self) -> None:
        async def recreate() -> None:
            db = self.db_url.rpartition("/")[2]
            conn = await asyncpg.connect(self._admin_url)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
            finally:
                await conn.close()
            from redis.asyncio import Redis

            r = Redis.from_url(REDIS_URL)
            try:
                await r.flushdb()
            finally:
                await r.aclose()

        template = _template_database(self)
        asyncio.run(recreate())
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [*self._cli(), "serve", "--port", str(self.port), "--workers", str(self.workers)],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("the API did not start: " + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.db_url)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    async def fetchval(self, query: str, *args: Any) -> Any:
        conn = await asyncpg.connect(self.db_url)
        try:
            return await conn.fetchval(query, *args)
        finally:
            await conn.close()

    def drain(self) -> str:
        """Run every queued job with a burst arq worker (a separate process, as in production)."""
        return self.cli("worker", "--burst").stdout

    def client(self, **kw: Any) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        return httpx.AsyncClient(base_url=self.url, timeout=60, limits=limits, **kw)


DATA_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()
_template: str | None = None


def _template_database(server: LiveServer) -> str:
    """A database migrated once per test process, with the operator `op`, that each live server's database is copied
    from: `CREATE DATABASE … TEMPLATE` takes well under a second where `openccus migrate` took 15–40 s, and the suite
    starts about twenty live servers."""
    global _template
    if _template is None:
        base, _, db = PG_URL.rpartition("/")
        name = f"{db}_live_template"

        async def recreate() -> None:
            conn = await asyncpg.connect(f"{base}/postgres")
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()

        asyncio.run(recreate())
        env = {
            k: server.env[k]
            for k in server.env
            if k not in {"REDIS_URL", "OPENCCUS_CARD_MASTER_KEY_FILE"}  # a server's own settings, not the schema's
        }
        env["DATABASE_URL"] = f"{base}/{name}"
        for args in (("migrate",), ("create-operator", "--login", "op")):
            subprocess.run([*server._cli(), *args], env=env, cwd=ROOT, capture_output=True, check=True, timeout=300)
        _template = name
    return _template


def start_live(tmp: Path, name: str, **kw: Any) -> LiveServer:
    server = LiveServer(tmp, name, **kw)
    server.start()
    return server


@pytest.fixture(scope="module")
def live(tmp_path_factory, request) -> Iterator[LiveServer]:
    """A fresh server and database for this test module."""
    name = request.module.__name__.rpartition(".")[2].removeprefix("test_")
    server = start_live(tmp_path_factory.mktemp(f"live-{name}"), name)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def orm(live: LiveServer, tmp_path: Path) -> AsyncIterator[Any]:
    """This process's ORM on the live server's database, with its settings: builders write rows here, and a race test
    holds one side open here (a transaction after its writes) while the other arrives at the server."""
    from api import db
    from api.settings import Settings

    settings = Settings(
        DATABASE_URL=live.db_url,
        REDIS_URL=live.env["REDIS_URL"],
        OPENCCUS_VAR_DIR=tmp_path,
        OPENCCUS_INVOICE_ISSUER_NUMBER=live.env["OPENCCUS_INVOICE_ISSUER_NUMBER"],
    )
    await db.init(settings)
    try:
        yield settings
    finally:
        await db.close()


@pytest.fixture
async def http(live: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with live.client() as c:
        yield c


async def race(*calls: Callable[[], Awaitable[Any]]) -> list[Any]:
    """Start every call at the same moment (each waits on one gate) and return their results in order; an exception
    is returned, not raised, so one round's losers can be inspected."""
    gate = asyncio.Event()

    async def run(call: Callable[[], Awaitable[Any]]) -> Any:
        await gate.wait()
        return await call()

    tasks = [asyncio.create_task(run(c)) for c in calls]
    await asyncio.sleep(0)
    gate.set()
    return list(await asyncio.gather(*tasks, return_exceptions=True))
