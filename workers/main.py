"""Run the arq worker from `openccus worker`."""

from __future__ import annotations

import logging

from arq.worker import run_worker

from api.settings import Settings
from workers.settings import WorkerSettings, redis_settings


def run(settings: Settings, *, burst: bool) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    run_worker(WorkerSettings, redis_settings=redis_settings(settings), burst=burst, ctx={"settings": settings})
    return 0
