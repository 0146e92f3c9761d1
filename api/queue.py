"""The job queue: arq on Redis in production, the same job functions in-process on the embedded default.

Only this module and `workers/` import arq. Jobs take ids, reload what they need and are safe to run twice; each is
enqueued with a deterministic job id, so a retry or a second enqueuer never doubles work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from api.outbox import JobOutbox
from api.settings import Settings

log = logging.getLogger("openccus.queue")


def _queue_down_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError

    return (OSError, asyncio.TimeoutError, RedisConnectionError, RedisTimeoutError)


# What an unreachable Redis raises (redis-py's errors are not OSErrors).
QUEUE_DOWN = _queue_down_errors()


def job_context(settings: Settings) -> dict[str, Any]:
    """The resources every job finds in ctx, in a worker and in-process alike."""
    return {"settings": settings}


class BaseQueue:
    async def _enqueue(self, name: str, args: list[Any], job_id: str) -> None:
        raise NotImplementedError

    async def push_outbox(self, job_ids: Iterable[str]) -> bool:
        """Relay these committed outbox rows to the queue. The request that wrote them has committed, so a queue that
        is unreachable (Redis down) must not fail it: the rows stay and the sweeper relays them later. False then."""
        try:
            for row in await JobOutbox.filter(job_id__in=list(job_ids)):
                await self._enqueue(row.name, row.args, row.job_id)
                await row.delete()
        except QUEUE_DOWN as exc:
            log.warning("queue unreachable (%s): jobs wait in the outbox", type(exc).__name__)
            return False
        return True

    async def sweep(self, *, older_than: timedelta = timedelta(seconds=30)) -> int:
        """Relay outbox rows that a crashed process or a queue outage left behind (committed, never enqueued).
        Raises while the queue is unreachable; the rows stay for the next sweep."""
        from tortoise.timezone import now

        rows = await JobOutbox.filter(created_at__lt=now() - older_than).order_by("id").limit(500)
        for row in rows:
            await self._enqueue(row.name, row.args, row.job_id)
            await row.delete()
        return len(rows)

    async def drain(self) -> None:
        """Wait for in-process jobs (a no-op with arq, whose workers run elsewhere)."""

    async def close(self) -> None:
        pass


class ArqQueue(BaseQueue):
    """arq on Redis. The pool is made on first use and again after an outage, so an API process starts, and keeps
    answering, while Redis is down (jobs wait in the outbox meanwhile)."""

    def __init__(self, redis_url: str):
        self.redis_url = redis_url
        self.pool: Any = None

    @classmethod
    async def connect(cls, redis_url: str) -> ArqQueue:
        queue = cls(redis_url)
        try:
            await queue._pool()
        except QUEUE_DOWN as exc:
            log.warning("Redis unreachable at start (%s): jobs wait in the outbox until it answers", type(exc).__name__)
        return queue

    async def _pool(self) -> Any:
        if self.pool is None:
            from arq import create_pool
            from arq.connections import RedisSettings

            settings = RedisSettings.from_dsn(self.redis_url)
            settings.conn_retries = 0  # no waiting inside a request: the outbox keeps the job
            self.pool = await create_pool(settings)
        return self.pool

    async def _enqueue(self, name: str, args: list[Any], job_id: str) -> None:
        pool = await self._pool()
        try:
            # arq returns None when a job with this id is queued, running or has a kept result: that is the dedupe.
            await pool.enqueue_job(name, *args, _job_id=job_id)
        except QUEUE_DOWN:
            self.pool = None
            with contextlib.suppress(Exception):
                await pool.aclose()
            raise

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.aclose()


class InProcessQueue(BaseQueue):
    """Runs the job functions as tasks in the API process (the embedded default has no Redis)."""

    def __init__(self, functions: list[Callable[..., Any]], ctx: dict[str, Any], *, max_tries: int = 3):
        self.functions = {f.__name__: f for f in functions}
        self.ctx = ctx
        self.max_tries = max_tries
        self.tasks: dict[str, asyncio.Task[None]] = {}

    async def _enqueue(self, name: str, args: list[Any], job_id: str) -> None:
        running = self.tasks.get(job_id)
        if running is not None and not running.done():
            return
        self.tasks[job_id] = asyncio.create_task(self._run(name, args, job_id))

    async def _run(self, name: str, args: list[Any], job_id: str) -> None:
        fn = self.functions[name]
        for attempt in range(1, self.max_tries + 1):
            try:
                await fn({**self.ctx, "job_id": job_id, "job_try": attempt}, *args)
                return
            except Exception:
                log.exception("in-process job %s failed (try %d)", job_id, attempt)
                await asyncio.sleep(0.2 * attempt)

    async def run_schedule(self) -> None:
        """The embedded default's cron: once a minute, enqueue what api.schedule says is due (Japan time), with a
        job id per job and minute so a double tick enqueues nothing twice."""
        from api.schedule import SCHEDULE
        from api.timeutil import now_jst

        last = None
        while True:
            at = now_jst().replace(second=0, microsecond=0)
            if at != last:
                for item in SCHEDULE:
                    if item.due(at):
                        await self._enqueue(item.job, [], f"cron:{item.job}:{at:%Y%m%dT%H%M}")
                last = at
            await asyncio.sleep(20)

    async def drain(self) -> None:
        while pending := [t for t in self.tasks.values() if not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self) -> None:
        await self.drain()


async def enqueue_due(settings: Settings) -> list[str]:
    """For the serverless batch layer: put this minute's scheduled jobs on Redis (ids per job and minute, so a timer
    that fires twice enqueues once); a burst worker then drains them."""
    from api.schedule import SCHEDULE
    from api.timeutil import now_jst

    at = now_jst().replace(second=0, microsecond=0)
    queue = await ArqQueue.connect(settings.redis_url or "")
    try:
        due = [item.job for item in SCHEDULE if item.due(at)]
        for job in due:
            await queue._enqueue(job, [], f"cron:{job}:{at:%Y%m%dT%H%M}")
        return due
    finally:
        await queue.close()


async def open_queue(settings: Settings, *, resources: dict[str, Any] | None = None) -> BaseQueue:
    """`resources`: what in-process jobs share with the API process (its face engine); an arq worker makes its own."""
    from api.job_registry import job_functions

    if settings.redis_url:
        return await ArqQueue.connect(settings.redis_url)
    return InProcessQueue(job_functions(), {**job_context(settings), **(resources or {})})
