"""Shared fixtures: the API on real PostgreSQL + Redis, and once more on the embedded SQLite default.

PostgreSQL and Redis come from OPENCCUS_TEST_DATABASE_URL / OPENCCUS_TEST_REDIS_URL (infra/test.sh sets them, starting
throwaway servers when none run). The test database is built from the committed migrations, never from the models.
Each test starts from empty tables (TRUNCATE on PostgreSQL, a fresh copy of a migrated file on SQLite).
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from api import db
from api.app import create_app
from api.settings import Settings

PG_URL = os.environ.get("OPENCCUS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/openccus_test")
REDIS_URL = os.environ.get("OPENCCUS_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
TEST_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
BACKENDS = ["postgres", "sqlite"]


async def _recreate_pg_database(url: str) -> None:
    base, _, name = url.rpartition("/")
    conn = await asyncpg.connect(base + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


TEST_ISSUER_NUMBER = "T7123456789012"


@pytest.fixture(scope="session")
async def migrated(tmp_path_factory) -> dict[str, Settings]:
    """Both back ends migrated once per session from the committed migrations."""
    await _recreate_pg_database(PG_URL)
    pg = Settings(
        DATABASE_URL=PG_URL,
        REDIS_URL=REDIS_URL,
        OPENCCUS_DATA_KEY=TEST_KEY,
        OPENCCUS_CARD_MASTER_KEY=TEST_KEY,
        OPENCCUS_VAR_DIR=tmp_path_factory.mktemp("pgvar"),
        OPENCCUS_RUN_SCHEDULE=False,
        OPENCCUS_FACE_CHECK_UPLOADS=False,
        # On PostgreSQL the service refuses to finalise invoices with the placeholder 登録番号: a made-up
        # number whose 法人番号 check digit is valid.
        OPENCCUS_INVOICE_ISSUER_NUMBER=TEST_ISSUER_NUMBER,
    )
    await db.migrate(pg)
    template = tmp_path_factory.mktemp("sqlite-template")
    sqlite = Settings(DATABASE_URL=None, REDIS_URL=None, OPENCCUS_VAR_DIR=template)
    await db.migrate(sqlite)
    return {"postgres": pg, "sqlite": sqlite}


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
async def settings(backend: str, migrated: dict[str, Settings], tmp_path: Path) -> Settings:
    if backend == "postgres":
        return migrated["postgres"].model_copy(update={"var_dir": tmp_path})
    # A fresh copy of the migrated template: the embedded default exactly as `openccus migrate` leaves it.
    shutil.copy(migrated["sqlite"].sqlite_path, tmp_path / "openccus.sqlite3")
    # No in-process cron in tests: they run each batch explicitly and check its result. Most API tests upload drawn
    # photos, which the face check would refuse; tests/face turns it on and uploads real ones.
    return Settings(
        DATABASE_URL=None,
        REDIS_URL=None,
        OPENCCUS_VAR_DIR=tmp_path,
        OPENCCUS_RUN_SCHEDULE=False,
        OPENCCUS_FACE_CHECK_UPLOADS=False,
    )


async def _empty_postgres() -> None:
    from tortoise import connections

    conn = connections.get("default")
    rows = await conn.execute_query_dict(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'tortoise%'"
    )
    tables = ", ".join(f'"{r["tablename"]}"' for r in rows)
    await conn.execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


async def _flush_redis(url: str) -> None:
    from redis.asyncio import Redis

    r = Redis.from_url(url)
    try:
        await r.flushdb()
    finally:
        await r.aclose()


@pytest.fixture
def app_face_pool():
    """A started FacePool for the app to share (tests/face gives its session pool); None: the app's own, lazily."""
    return None


@pytest.fixture
async def app(settings: Settings, app_face_pool):
    application = create_app(settings, face_pool=app_face_pool)
    # The lifespan keeps its resources on app.state (not the lifespan state dict), so the app itself is served.
    async with LifespanManager(application):
        if not settings.embedded:
            await _empty_postgres()
            await _flush_redis(settings.redis_url)
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


@pytest.fixture
def drain(app, settings: Settings) -> Callable[[], Awaitable[int]]:
    """Run every queued job to completion: a burst arq worker on real Redis, or the in-process queue.

    Returns how many jobs the arq worker completed (0 for in-process)."""

    async def run() -> int:
        if settings.embedded:
            await app.state.queue.drain()
            return 0
        from arq.worker import Worker

        from api.job_registry import job_functions
        from workers.settings import redis_settings, shutdown, startup

        worker = Worker(
            functions=job_functions(),
            redis_settings=redis_settings(settings),
            burst=True,
            handle_signals=False,
            poll_delay=0.01,
            on_startup=startup,
            on_shutdown=shutdown,
            ctx={"settings": settings, "db_ready": True, "face": app.state.face},
        )
        try:
            await worker.main()
            failed = worker.jobs_failed
            assert failed == 0, f"{failed} job(s) failed in the burst worker"
            return worker.jobs_complete
        finally:
            await worker.close()

    return run
