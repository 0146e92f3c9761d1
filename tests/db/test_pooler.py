"""Behind PgBouncer in transaction mode (issue 22 item 3), Debian's pgbouncer in front of the test PostgreSQL.

In transaction mode a client's next transaction may run on another server connection, so named prepared statements
break and startup parameters are refused. `OPENCCUS_DB_POOLER=transaction` turns asyncpg's statement cache off and
takes plan_cache_mode from the database's own setting (written by `openccus migrate`)."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from tortoise import connections

from api import db
from api.app import create_app
from api.settings import Settings
from tests.api.helpers import approved_business, auth, login, operator_token, submitted_technician
from tests.conftest import PG_URL, TEST_ISSUER_NUMBER, TEST_KEY, _recreate_pg_database
from tests.db import pgcluster

SERVER, _, _TEST_DB = PG_URL.rpartition("/")
DB = f"{_TEST_DB}_pooler"
PORT = int(SERVER.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
async def bouncer(tmp_path_factory):
    await _recreate_pg_database(f"{SERVER}/{DB}")
    # As a deployment does it: `openccus migrate` straight to PostgreSQL (it also sets the database's
    # plan_cache_mode, which every server connection PgBouncer opens afterwards takes), then the pooler starts.
    await db.migrate(_settings(f"{SERVER}/{DB}", tmp_path_factory.mktemp("migrate"), "none"))
    b = pgcluster.start_pgbouncer(server_port=PORT, database=DB, pool_size=2)
    try:
        yield b
    finally:
        b.stop()


def _settings(url: str, tmp_path, pooler: str) -> Settings:
    return Settings(
        DATABASE_URL=url,
        REDIS_URL=None,
        OPENCCUS_DB_POOLER=pooler,
        OPENCCUS_DATA_KEY=TEST_KEY,
        OPENCCUS_CARD_MASTER_KEY=TEST_KEY,
        OPENCCUS_VAR_DIR=tmp_path,
        OPENCCUS_RUN_SCHEDULE=False,
        OPENCCUS_FACE_CHECK_UPLOADS=False,
        OPENCCUS_INVOICE_ISSUER_NUMBER=TEST_ISSUER_NUMBER,
    )


async def test_the_service_runs_through_pgbouncer_in_transaction_mode(bouncer, tmp_path):
    settings = _settings(bouncer.url(DB), tmp_path, "transaction")
    app = create_app(settings)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        # The planner setting arrives although no startup parameter can: the database's own.
        rows = await connections.get("default").execute_query_dict("SHOW plan_cache_mode")
        assert rows[0]["plan_cache_mode"] == db.PLAN_CACHE_MODE
        op = await operator_token(client)
        biz = await approved_business(client, op)
        # Many concurrent requests over two server connections, each statement run well past the five executions
        # after which PostgreSQL would switch a named prepared statement to a generic plan.
        techs = await asyncio.gather(
            *(submitted_technician(client, employer_business_id=biz["business"]["business_id"]) for _ in range(8))
        )
        results = await asyncio.gather(
            *(
                client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
                for t in techs
            )
        )
        assert [r.status_code for r in results] == [200] * 8, [r.text for r in results]
        tokens = await asyncio.gather(*(login(client, "op") for _ in range(12)))
        me = await asyncio.gather(*(client.get("/api/v1/auth/me", headers=auth(t)) for t in tokens))
        assert {r.status_code for r in me} == {200}
    conn = await asyncpg.connect(f"{SERVER}/{DB}")
    try:
        assert await conn.fetchval("SELECT count(*) FROM technician WHERE status = 'approved'") == 8
    finally:
        await conn.close()


async def test_without_pooler_mode_pgbouncer_refuses_the_connection(bouncer, tmp_path):
    """The setting is what makes it work: asyncpg's default start-up (plan_cache_mode as a startup parameter) is
    refused by PgBouncer, so a deployment that forgets OPENCCUS_DB_POOLER fails at start, not later."""
    settings = _settings(bouncer.url(DB), tmp_path, "none")
    await db.init(settings)
    try:
        with pytest.raises(Exception, match="plan_cache_mode"):
            await connections.get("default").execute_query_dict("SELECT 1")
    finally:
        await db.close()
