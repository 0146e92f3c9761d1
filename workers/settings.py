"""The arq worker: `arq workers.settings.WorkerSettings` (long-lived) or with `--burst` (drain and exit).

Job functions live in api/<domain>/jobs.py; this module only wires them to Redis with their resources.
"""

from __future__ import annotations

from typing import Any

from datetime import timedelta
from datetime import timezone as tz

from arq import cron
from arq.connections import RedisSettings

from api import db
from api.face.runtime import FaceRuntime
from api.job_registry import job_functions
from api.queue import job_context
from api.schedule import SCHEDULE
from api.settings import Settings


async def startup(ctx: dict[str, Any]) -> None:
    settings = ctx.get("settings") or Settings()
    if not ctx.get("db_ready"):  # a test that drives a Worker in its own process has already initialised the ORM
        await db.init(settings)
        ctx["owns_db"] = True
    ctx.update(job_context(settings))
    if "face" not in ctx:  # started on the first enrolment job, not here: most workers never see a face
        ctx["face"] = FaceRuntime(settings)
        ctx["owns_face"] = True


async def shutdown(ctx: dict[str, Any]) -> None:
    if ctx.pop("owns_face", False):
        await ctx.pop("face").close()
    if ctx.get("owns_db"):
        await db.close()


def redis_settings(settings: Settings) -> RedisSettings:
    if not settings.redis_url:
        raise SystemExit("REDIS_URL is not set: the embedded default runs jobs in-process and needs no worker.")
    return RedisSettings.from_dsn(settings.redis_url)


def cron_jobs() -> list:
    by_name = {f.__name__: f for f in job_functions()}
    return [
        cron(
            by_name[s.job],
            name=s.job,
            minute=set(s.minute) if s.minute else None,
            hour=set(s.hour) if s.hour else None,
            day=set(s.day) if s.day else None,
            unique=True,
        )
        for s in SCHEDULE
    ]


class WorkerSettings:
    functions = job_functions()
    cron_jobs = cron_jobs()
    timezone = tz(timedelta(hours=9), "JST")  # the schedule is in Japan time, whatever the host's zone
    on_startup = startup
    on_shutdown = shutdown
    max_tries = 5
    keep_result = 3600  # keeps a finished job's id, so the same deterministic id is not run again within the hour
    # Read when arq imports this class; `openccus worker` passes the same value from Settings explicitly.
    redis_settings = RedisSettings.from_dsn(Settings().redis_url or "redis://127.0.0.1:6379")
