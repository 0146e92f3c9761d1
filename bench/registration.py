"""Technician self-registration throughput through the HTTP API (uvicorn, real PostgreSQL).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/openccus_bench .venv/bin/python bench/registration.py [N]

Creates (and drops) the database named in DATABASE_URL. Prints registrations/s, p50/p99 latency and, measured in the
same run, how long one argon2 hash takes, so the ratio shows how much of a registration is the password hash.
"""

from __future__ import annotations

import asyncio
import base64
import os
import statistics
import subprocess
import sys
import time

import asyncpg
import httpx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from api.auth import hash_password
from tests.api.helpers import technician_payload

URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/openccus_bench")
PORT = 8097


async def recreate() -> None:
    base, _, name = URL.rpartition("/")
    conn = await asyncpg.connect(base + "/postgres")
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()


async def main(n: int, concurrency: int = 8) -> None:
    await recreate()
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    env = {**os.environ, "DATABASE_URL": URL, "OPENCCUS_DATA_KEY": key, "OPENCCUS_CARD_MASTER_KEY": key}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "api.cli", "migrate"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(PORT)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            for _ in range(100):
                try:
                    if (await client.get("/api/v1/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            latencies: list[float] = []
            sem = asyncio.Semaphore(concurrency)

            async def one() -> None:
                async with sem:
                    t0 = time.perf_counter()
                    r = await client.post("/api/v1/technicians", json=technician_payload())
                    latencies.append(time.perf_counter() - t0)
                    assert r.status_code == 201, r.text

            t0 = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(n)))
            wall = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait()
    h0 = time.perf_counter()
    for _ in range(20):
        hash_password("a-long-test-password")
    argon = (time.perf_counter() - h0) / 20
    lat = sorted(latencies)
    p50, p99 = statistics.median(lat), lat[int(0.99 * (len(lat) - 1))]
    print(f"registrations: {n} in {wall:.2f} s = {n / wall:.1f}/s (concurrency {concurrency}, one API process)")
    print(f"latency p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")
    print(f"argon2 hash: {argon * 1000:.1f} ms -> ratio p50 / hash = {p50 / argon:.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
