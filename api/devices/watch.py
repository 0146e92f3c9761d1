"""Revocation-list changes pushed to readers within a second: the long-poll behind
``GET /devices/revocations?since=N&wait=S`` (docs/card-profile.md §9).

The revocation version lives in the database (the newest ``revocation.id``), so a revocation made through any API
process — or the CLI — is seen by all of them. Each process runs one poller while readers wait: a primary-key
``max(id)`` every half second, whatever the number of waiting readers, and wakes every waiter when it changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("openccus.devices")

POLL_INTERVAL_S = 0.5
IDLE_STOP_S = 60.0  # the poller stops after this long without a waiter, and starts again with the next one


class RevocationWatch:
    def __init__(self, read_version: Callable[[], Awaitable[int]], *, interval: float = POLL_INTERVAL_S):
        self.read_version, self.interval = read_version, interval
        self.version: int | None = None
        self.changed = asyncio.Event()
        self.waiters = 0
        self.task: asyncio.Task[None] | None = None

    async def wait_for_change(self, *, since: int, timeout: float) -> int:
        """The current version once it differs from `since`, or after `timeout` seconds (then possibly `since`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self.waiters += 1
        try:
            if self.task is None or self.task.done():
                self.task = asyncio.create_task(self._poll())
            while self.version is None or self.version == since:
                left = deadline - loop.time()
                if left <= 0:
                    break
                event = self.changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), left)
            return since if self.version is None else self.version
        finally:
            self.waiters -= 1

    async def _poll(self) -> None:
        idle_since = None
        loop = asyncio.get_running_loop()
        while True:
            try:
                version = await self.read_version()
            except Exception:  # a database hiccup: waiters time out and readers fall back to polling
                log.exception("revocation watch: reading the version failed")
            else:
                if version != self.version:
                    self.version = version
                    # Wake everyone waiting on this event; later waiters wait on a fresh one.
                    event, self.changed = self.changed, asyncio.Event()
                    event.set()
            if self.waiters:
                idle_since = None
            elif idle_since is None:
                idle_since = loop.time()
            elif loop.time() - idle_since > IDLE_STOP_S:
                self.version = None  # stale once nobody refreshes it; the next waiter starts a fresh poll
                return
            await asyncio.sleep(self.interval)

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
