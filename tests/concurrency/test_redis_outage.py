"""A Redis outage doesn't fail committed work (issue 13 item 6), with a real Redis that the test stops and starts.

Before: with Redis down, a write that enqueues a job answered 500 although it had committed, and `openccus worker`
exited. Now the write answers as usual, its job waits in the transactional outbox, the API relays it when Redis is
back, and the worker — which stayed up, retrying with back-off — runs it.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.helpers import PASSWORD, auth, business_payload
from tests.concurrency.conftest import ROOT, LiveServer, start_live

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayRedis:
    """redis-server on its own port, without persistence: stopping it loses whatever it held, as an outage may."""

    def __init__(self, workdir: Path):
        self.port = _free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def live(tmp_path_factory, redis_server) -> Iterator[LiveServer]:
    server = start_live(
        tmp_path_factory.mktemp("live-outage"), "redis_outage", extra_env={"REDIS_URL": redis_server.url}
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def worker(live: LiveServer, tmp_path) -> Iterator[subprocess.Popen]:
    log = open(tmp_path / "worker.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "worker"], env=live.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    proc.log_path = tmp_path / "worker.log"  # type: ignore[attr-defined]
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


async def _token(http: httpx.AsyncClient, login: str) -> str:
    r = await http.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["token"]


async def _notifications(http: httpx.AsyncClient, token: str) -> list[dict]:
    r = await http.get("/api/v1/notifications", headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()


async def _wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.5)
    return await predicate()


async def test_writes_succeed_while_redis_is_down_and_their_jobs_run_when_it_is_back(live, http, redis_server, worker):
    op = await _token(http, "op")
    # Three firms apply; each approval is a write that enqueues a notice job (notify_application_decision).
    firms = []
    for _ in range(3):
        data = business_payload()
        r = await http.post("/api/v1/businesses", json=data)
        assert r.status_code == 201, r.text
        firms.append((r.json()["application_id"], r.json()["login_id"]))
    r = await http.post(f"/api/v1/review/applications/{firms[0][0]}/approve", headers=auth(op))
    assert r.status_code == 200
    admin0 = await _token(http, firms[0][1])
    assert await _wait_for(lambda: _notifications(http, admin0), 60), "the worker ran nothing before the outage"

    redis_server.stop()
    for app_id, _ in firms[1:]:
        r = await http.post(f"/api/v1/review/applications/{app_id}/approve", headers=auth(op))
        assert r.status_code == 200, r.text  # committed, so answered as committed
    assert (
        await live.fetchval(
            "SELECT b.status FROM business b JOIN application a ON a.business_id = b.id WHERE a.id = $1", firms[1][0]
        )
        == "approved"
    )
    assert await live.fetchval("SELECT count(*) FROM job_outbox") == 2  # the jobs wait in the outbox
    # Logins go on too (the limits fall back to the database while Redis is away).
    admins = [await _token(http, login) for _, login in firms[1:]]
    await asyncio.sleep(3)  # long enough for the worker to have lost Redis
    assert worker.poll() is None, "the worker exited when Redis went away"

    redis_server.start()  # the same port, empty: whatever the queue held is gone, the outbox is not
    for token in admins:
        notes = await _wait_for(lambda token=token: _notifications(http, token), 90)
        assert notes and notes[0]["kind"], "the job never ran after Redis came back"
    assert await live.fetchval("SELECT count(*) FROM job_outbox") == 0
    assert worker.poll() is None
    assert "Redis unreachable" in Path(worker.log_path).read_text()  # it noticed, and carried on
