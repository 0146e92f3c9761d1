"""Database configuration and the unit of work every write request runs in."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tortoise import Tortoise, connections
from tortoise.transactions import in_transaction

from api.settings import Settings

MODEL_MODULES = [
    "api.outbox",
    "api.accounts.models",
    "api.audit.models",
    "api.businesses.models",
    "api.media.models",  # stored images
    "api.registration.models",
    "api.cards.models",  # cards and the revocation list
    "api.notifications.models",
    "api.sites.models",
    "api.devices.models",
    "api.attendance.models",
    "api.workrecords.models",
    "api.levels.models",
    "api.face.models",
    "api.phone.models",
    "api.licence.models",
    "api.keishin.models",
    "api.billing.models",  # billing
    "api.payments.models",  # payments
    "api.batches.models",  # batch runs
    "api.kentaikyo.models",  # 建退共 months, adjustments, imports, candidates
    "api.mail.models",  # outgoing e-mail
    "api.agents.models",  # registration agents, their staff and filings
]

T = TypeVar("T")


def tortoise_config(settings: Settings) -> dict[str, Any]:
    if settings.embedded:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    connections_conf: dict[str, Any] = {"default": _connection(settings.db_url(), pooler=settings.database_pooler)}
    config: dict[str, Any] = {
        "connections": connections_conf,
        "apps": {
            "models": {"models": MODEL_MODULES, "migrations": "api.migrations", "default_connection": "default"},
        },
        # UTC in the database on both back ends; Japan time is applied where a work day or a date is shown.
        "use_tz": True,
        "timezone": "UTC",
    }
    replica = settings.replica_url()
    if replica:
        connections_conf[REPLICA] = _connection(replica, pooler=settings.database_pooler)
        config["routers"] = [ReplicaRouter]
    return config


PLAN_CACHE_MODE = "force_custom_plan"


def _connection(url: str, *, pooler: str = "none") -> str | dict[str, Any]:
    if not url.startswith("asyncpg://"):
        return url
    from tortoise.backends.base.config_generator import expand_db_url

    conf = expand_db_url(url)
    if pooler == "transaction":
        # Behind PgBouncer in transaction mode a server connection changes hands between transactions, so a named
        # prepared statement may be missing on the next one ("prepared statement … does not exist"): asyncpg's
        # statement cache is off and it uses the unnamed statement, planned afresh at each bind. PgBouncer 1.18
        # (Debian bookworm) refuses unknown startup parameters, so plan_cache_mode comes from the database's own
        # setting (`ALTER DATABASE … SET plan_cache_mode`, done by `openccus migrate`; docs/deploy.md).
        conf["credentials"]["statement_cache_size"] = 0
        return conf
    # asyncpg prepares every statement and PostgreSQL switches a prepared statement to a generic plan after five runs.
    # A generic plan made while a table was still small (a new deployment, a new month's partition) stays a sequential
    # scan as the table grows: tap ingest fell from 4,600 to 900 taps/s that way (bench/tap_ingest.py from empty).
    # The statements here are short and their IN lists vary, so planning each run costs little and keeps index scans.
    conf["credentials"]["server_settings"] = {"plan_cache_mode": PLAN_CACHE_MODE}
    return conf


# Reads that may lag: a request declared `replica=True` (api/http.py) reads through the replica, everything else
# (every write, every read inside a write, authentication) from the primary. A context variable, so it holds for the
# one request's task only.
REPLICA = "replica"
_reads_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("reads_from_replica", default=False)


class ReplicaRouter:
    """tortoise's router hook: ORM reads of a replica-declared request go to the replica."""

    def db_for_read(self, model: type) -> str | None:
        return REPLICA if _reads_from_replica.get() else None

    def db_for_write(self, model: type) -> str | None:
        return None


def replica_reads() -> contextvars.Token[bool]:
    return _reads_from_replica.set(True)


def primary_reads(token: contextvars.Token[bool]) -> None:
    _reads_from_replica.reset(token)


def read_connection() -> Any:
    """The connection raw read-only SQL should use: the replica inside a replica-declared request (when one is
    configured), else the primary."""
    if _reads_from_replica.get():
        try:
            return connections.get(REPLICA)
        except Exception:  # no replica configured
            pass
    return connections.get("default")


async def init(settings: Settings) -> None:
    # Tortoise caches each model's INSERT statement per connection *name* ("default"), not per back end: a process
    # that ran on SQLite before (the tests run both back ends in one process) would send SQLite's `?` placeholders
    # to PostgreSQL. A new init starts from an empty cache.
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    EXECUTOR_CACHE.clear()
    # The lifespan runs in its own task while requests run in others: the ORM context must be process-global.
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    from api import wiring  # the domains' hook receivers (api/hooks.py), like the models above

    wiring.connect()


async def close() -> None:
    await Tortoise.close_connections()


async def migrate(settings: Settings) -> None:
    from tortoise.migrations.api import migrate as run_migrations

    config = tortoise_config(settings)
    config["connections"].pop(REPLICA, None)  # a replica is read-only: migrations run on the primary only
    config.pop("routers", None)
    await run_migrations(config=config)
    if settings.database_url:
        # The planner setting for connections that can't send it at start (behind PgBouncer): the database's own.
        conn = connections.get("default")
        name = (await conn.execute_query_dict("SELECT current_database() AS d"))[0]["d"]
        try:
            await conn.execute_script(f'ALTER DATABASE "{name}" SET plan_cache_mode = {PLAN_CACHE_MODE}')
        except Exception as exc:  # a role that does not own the database: the deployment sets it (docs/deploy.md)
            logging.getLogger("openccus").warning("could not set plan_cache_mode on the database: %s", exc)
    await connections.close_all()


def dialect() -> str:
    return connections.get("default").capabilities.dialect


# Jobs a transaction wants to run; they are written to the outbox table inside the transaction and pushed to the
# queue only after it commits, so a job never sees uncommitted data and a rolled-back request enqueues nothing.
_deferred: contextvars.ContextVar[list[tuple[str, tuple[Any, ...], str]] | None] = contextvars.ContextVar(
    "deferred_jobs", default=None
)


async def defer_job(name: str, *args: Any, job_id: str) -> None:
    from api.outbox import JobOutbox

    await JobOutbox.get_or_create(job_id=job_id, defaults={"name": name, "args": list(args)})
    pending = _deferred.get()
    if pending is not None:
        pending.append((name, args, job_id))
    # Outside a request (CLI, demo data) the row waits for the outbox sweeper.


async def run_in_unit_of_work(state: Any, fn: Callable[[], Awaitable[T]]) -> T:
    token = _deferred.set([])
    try:
        async with in_transaction("default"):
            result = await fn()
        pending = _deferred.get() or []
    finally:
        _deferred.reset(token)
    if pending:
        await state.queue.push_outbox([job_id for _, _, job_id in pending])
    return result


# Any constant: the key of the PostgreSQL advisory lock that serialises billing closes across processes
# (api/billing/close.py), also taken by the fold when it moves a charged record's charge (api/workrecords/fold.py).
CLOSE_LOCK_KEY = 0x0CC05_B111
