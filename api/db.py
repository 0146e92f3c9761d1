"""Database configuration and the unit of work every write request runs in."""

from __future__ import annotations

import contextvars
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
    "api.registration.models",
    "api.notifications.models",
    "api.sites.models",
    "api.devices.models",
    "api.attendance.models",
    "api.workrecords.models",
    "api.levels.models",
    "api.face.models",
    "api.licence.models",
    "api.keishin.models",
    "api.billing.models",  # billing
    "api.payments.models",  # payments
    "api.batches.models",  # batch runs
    "api.mail.models",  # outgoing e-mail
]

T = TypeVar("T")


def tortoise_config(settings: Settings) -> dict[str, Any]:
    if settings.embedded:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    return {
        "connections": {"default": _connection(settings.db_url())},
        "apps": {
            "models": {"models": MODEL_MODULES, "migrations": "api.migrations", "default_connection": "default"},
        },
        # UTC in the database on both back ends; Japan time is applied where a work day or a date is shown.
        "use_tz": True,
        "timezone": "UTC",
    }


def _connection(url: str) -> str | dict[str, Any]:
    if not url.startswith("asyncpg://"):
        return url
    from tortoise.backends.base.config_generator import expand_db_url

    conf = expand_db_url(url)
    # asyncpg prepares every statement and PostgreSQL switches a prepared statement to a generic plan after five runs.
    # A generic plan made while a table was still small (a new deployment, a new month's partition) stays a sequential
    # scan as the table grows: tap ingest fell from 4,600 to 900 taps/s that way (bench/tap_ingest.py from empty).
    # The statements here are short and their IN lists vary, so planning each run costs little and keeps index scans.
    conf["credentials"]["server_settings"] = {"plan_cache_mode": "force_custom_plan"}
    return conf


async def init(settings: Settings) -> None:
    # The lifespan runs in its own task while requests run in others: the ORM context must be process-global.
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close() -> None:
    await Tortoise.close_connections()


async def migrate(settings: Settings) -> None:
    from tortoise.migrations.api import migrate as run_migrations

    await run_migrations(config=tortoise_config(settings))
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
        async with in_transaction():
            result = await fn()
        pending = _deferred.get() or []
    finally:
        _deferred.reset(token)
    if pending:
        await state.queue.push_outbox([job_id for _, _, job_id in pending])
    return result
