"""Run the arq worker from `openccus worker`.

A long-lived worker outlives Redis outages: when Redis goes away arq's worker raises out of its loop; this loop logs
it, waits (1 s, doubling up to 30 s) and starts a fresh worker, which reconnects and carries on with the queue. Jobs
enqueued by the API meanwhile wait in the transactional outbox (api/outbox.py) and are relayed when Redis is back.
A burst run (`--burst`, from a timer) exits non-zero instead: the timer's next run is the retry.
"""

from __future__ import annotations

import asyncio
import logging
import time

from arq.worker import create_worker

from api.logs import configure_logging
from api.queue import QUEUE_DOWN
from api.settings import Settings
from workers.settings import WorkerSettings, redis_settings, shutdown

log = logging.getLogger("openccus.worker")
MAX_BACKOFF_S = 30.0


def run(settings: Settings, *, burst: bool) -> int:
    configure_logging()
    delay = 1.0
    while True:
        ctx = {"settings": settings}
        rs = redis_settings(settings)
        worker = create_worker(WorkerSettings, redis_settings=rs, burst=burst, ctx=ctx)
        started = time.monotonic()
        try:
            worker.run()  # returns when stopped by SIGINT/SIGTERM, or when a burst run has drained the queue
            return 0
        except QUEUE_DOWN as exc:
            if burst:
                log.error("Redis unreachable (%s): burst run stopped", type(exc).__name__)
                return 1
            # close() may have stopped before on_shutdown: release the database before starting again.
            asyncio.get_event_loop().run_until_complete(_quiet_shutdown(ctx))
            if time.monotonic() - started > 60:
                delay = 1.0  # it ran fine for a while: a new outage starts the back-off afresh
            log.warning("Redis unreachable (%s): restarting the worker in %.0f s", type(exc).__name__, delay)
            time.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)


async def _quiet_shutdown(ctx: dict) -> None:
    try:
        await shutdown(ctx)
    except Exception as exc:
        log.warning("worker shutdown after an outage: %s", type(exc).__name__)
