"""Tap ingest through the real HTTP API on PostgreSQL, against a raw asyncpg COPY of the same rows.

    .venv/bin/python bench/tap_ingest.py [--readers 100] [--batches 5] [--batch-size 200] [--singles 4000] [--workers 2]
                                         [--loop auto|uvloop|asyncio] [--http auto|httptools|h11]

Creates (and drops) the database `openccus_bench_taps` on the PostgreSQL at OPENCCUS_BENCH_PG (default
postgresql://postgres@127.0.0.1:5432). Every tap carries a real card challenge–response, so the server does the
whole check of docs/card-profile.md §8. Prints taps/s, request latency p50/p99, and the ratios to the limit measured in
the same run: a binary COPY (asyncpg copy_records_to_table) of as many rows into the same table, indexes and foreign
keys included. Targets (issue 23): batched ≥ 20,000 taps/s and ≥ 0.4 of COPY; single taps ≥ 800/s with p99 < 100 ms
from 20 concurrent readers.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

import asyncpg
import httpx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from api.cards.profile import card_response, derive_card_key
from api.timeutil import JST

PG = os.environ.get("OPENCCUS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = "openccus_bench_taps"
PORT = 8098
N_TECHS = 2000


async def setup(master: bytes, readers: int) -> tuple[list[str], list[tuple[str, str, bytes]]]:
    conn = await asyncpg.connect(f"{PG}/postgres")
    await conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{DB}"')
    await conn.close()
    env = bench_env(master)
    subprocess.run([sys.executable, "-m", "api.cli", "migrate"], env=env, check=True, capture_output=True)
    from tortoise import Tortoise

    from api import db
    from api.accounts.models import Account, Role
    from api.accounts.credentials import issue_token
    from api.businesses.models import Business, ReviewStatus
    from api.cards.models import Card
    from api.devices.models import Device, DeviceKind
    from api.ids import new_ccus_id
    from api.registration.models import Technician
    from api.settings import Settings
    from api.sites.models import ContractStatus, Site, SiteContract

    await db.init(Settings(DATABASE_URL=f"{PG}/{DB}", OPENCCUS_DATA_KEY=env["OPENCCUS_DATA_KEY"]))
    prime = await Business.create(
        business_id=new_ccus_id(),
        name="ベンチ建設",
        name_kana="ベンチ",
        capital_yen=10**8,
        postal_code="100-0001",
        prefecture="13",
        address="x",
        phone="03-0000-0000",
        email="b@example.jp",
        status=ReviewStatus.approved,
    )
    today = datetime.now(JST).date()
    site = await Site.create(
        site_id=new_ccus_id(),
        prime=prime,
        name="ベンチ現場",
        address="x",
        order_type="private",
        window_start=today - timedelta(days=30),
        window_end=today + timedelta(days=30),
    )
    await SiteContract.create(site=site, business=prime, tier=0, status=ContractStatus.approved)
    tokens = []
    for i in range(readers):
        acc = await Account.create(login=f"bench-dev-{i}", password_hash="!", role=Role.device, display_name=f"r{i}")
        await Device.create(site=site, account=acc, kind=DeviceKind.reader, name=f"r{i}")
        tokens.append((await issue_token(acc, ttl=timedelta(days=1)))[0])
    techs = await Technician.bulk_create(
        [
            Technician(
                technician_id=new_ccus_id(),
                employer=prime,
                family_name="ベ",
                given_name=str(i),
                family_name_kana="ベ",
                given_name_kana="ン",
                birth_date=date(1980, 1, 1),
                sex="male",
                nationality="JP",
                postal_code="100-0001",
                address="x",
                phone=f"090{i:08d}",
                status=ReviewStatus.approved,
            )
            for i in range(N_TECHS)
        ]
    )
    techs = await Technician.all()
    cards = []
    for t in techs:
        serial = os.urandom(8)
        cards.append(
            Card(
                technician=t,
                serial=serial.hex(),
                issued_on=today - timedelta(days=365),
                valid_until=today + timedelta(days=3000),
            )
        )
    await Card.bulk_create(cards)
    people = [
        (t.technician_id, c.serial, derive_card_key(master_key=master, serial=bytes.fromhex(c.serial), key_version=1))
        for t, c in zip(techs, cards)
    ]
    await Tortoise.close_connections()
    return tokens, people


def bench_env(master: bytes) -> dict[str, str]:
    key = base64.urlsafe_b64encode(master).decode()
    env = {**os.environ, "DATABASE_URL": f"{PG}/{DB}", "OPENCCUS_DATA_KEY": key, "OPENCCUS_CARD_MASTER_KEY": key}
    env.pop("REDIS_URL", None)
    return env


def make_tap(reader: int, seq: int, person: tuple[str, str, bytes], now: str) -> dict:
    tech_id, serial, key = person
    challenge = os.urandom(16)
    return {
        "idempotency_key": f"r{reader}:{seq}",
        "method": "card",
        "technician_id": tech_id,
        "card_serial": serial,
        "challenge": challenge.hex(),
        "response": card_response(card_key=key, challenge=challenge).hex(),
        "device_time": now,
        "device_seq": seq,
    }


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server and its worker processes: the figure a loaded, shared machine disturbs
    least (wall-clock rates there say more about the neighbours than about the code)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        if p in stats:
            total += (int(stats[p][11]) + int(stats[p][12])) / tick
        todo.extend(children.get(p, []))
    return total


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(p * (len(v) - 1)))] * 1000


async def run_batched(client, tokens, people, batches: int, size: int) -> tuple[int, float, list[float]]:
    now = datetime.now(JST).isoformat(timespec="milliseconds")
    work = [
        [
            [make_tap(r, b * size + i + 1, people[(r * 7919 + b * size + i) % len(people)], now) for i in range(size)]
            for b in range(batches)
        ]
        for r in range(len(tokens))
    ]
    latencies: list[float] = []

    async def reader(r: int) -> None:
        for batch in work[r]:
            t0 = time.perf_counter()
            resp = await client.post(
                "/api/v1/taps/batch", json={"taps": batch}, headers={"Authorization": f"Bearer {tokens[r]}"}
            )
            latencies.append(time.perf_counter() - t0)
            assert resp.status_code == 200 and not resp.json()["errors"], resp.text[:300]

    t0 = time.perf_counter()
    await asyncio.gather(*(reader(r) for r in range(len(tokens))))
    return len(tokens) * batches * size, time.perf_counter() - t0, latencies


async def run_single(client, tokens, people, total: int, concurrency: int) -> tuple[int, float, list[float]]:
    now = datetime.now(JST).isoformat(timespec="milliseconds")
    latencies: list[float] = []
    per = total // concurrency

    async def one_reader(r: int) -> None:
        for i in range(per):
            tap = make_tap(10_000 + r, i + 1, people[(r * 31 + i) % len(people)], now)
            t0 = time.perf_counter()
            resp = await client.post("/api/v1/taps", json=tap, headers={"Authorization": f"Bearer {tokens[r]}"})
            latencies.append(time.perf_counter() - t0)
            assert resp.status_code == 200, resp.text[:300]

    t0 = time.perf_counter()
    await asyncio.gather(*(one_reader(r) for r in range(concurrency)))
    return per * concurrency, time.perf_counter() - t0, latencies


async def copy_rate(n: int, people) -> float:
    conn = await asyncpg.connect(f"{PG}/{DB}")
    site_id = await conn.fetchval("SELECT id FROM site LIMIT 1")
    tech_ids = dict(await conn.fetch("SELECT technician_id, id FROM technician"))
    now = datetime.now(JST)
    rows = [
        (
            f"copy:{i}",
            site_id,
            tech_ids[p[0]],
            p[0],
            "card",
            p[1],
            os.urandom(16).hex(),
            now,
            i + 1,
            now,
            now.date(),
            "accepted",
        )
        for i, p in ((i, people[i % len(people)]) for i in range(n))
    ]
    cols = [
        "source_key",
        "site_id",
        "technician_id",
        "technician_code",
        "method",
        "card_serial",
        "challenge",
        "device_time",
        "device_seq",
        "received_at",
        "work_date",
        "status",
    ]
    t0 = time.perf_counter()
    await conn.copy_records_to_table("tap", records=rows, columns=cols)
    elapsed = time.perf_counter() - t0
    await conn.close()
    return n / elapsed


async def main(args) -> None:
    master = os.urandom(32)
    tokens, people = await setup(master, args.readers)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.cli",
            "serve",
            "--port",
            str(PORT),
            "--workers",
            str(args.workers),
            *(["--loop", args.loop] if args.loop != "auto" else []),
            *(["--http", args.http] if args.http != "auto" else []),
        ],
        env=bench_env(master),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        limits = httpx.Limits(max_connections=args.readers + 10)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=120, limits=limits) as client:
            for _ in range(1200):  # start-up imports take a while on a loaded machine
                try:
                    if (await client.get("/api/v1/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            cpu0 = server_cpu(server.pid)
            n, secs, lat = await run_batched(client, tokens, people, args.batches, args.batch_size)
            batched_cpu = (server_cpu(server.pid) - cpu0) / n * 1000
            batched_rate = n / secs
            print(
                f"batched: {n} taps from {args.readers} readers in batches of {args.batch_size}: {secs:.1f} s = "
                f"{batched_rate:,.0f} taps/s; request p50 {pct(lat, 0.5):.0f} ms, p99 {pct(lat, 0.99):.0f} ms; "
                f"server CPU {batched_cpu:.3f} ms a tap"
            )
            cpu0 = server_cpu(server.pid)
            n, secs, lat = await run_single(client, tokens, people, args.singles, args.single_concurrency)
            single_cpu = (server_cpu(server.pid) - cpu0) / n * 1000
            single_rate, single_p99 = n / secs, pct(lat, 0.99)
            print(
                f"single:  {n} taps, {args.single_concurrency} concurrent readers: {single_rate:,.0f} taps/s; "
                f"p50 {pct(lat, 0.5):.1f} ms, p99 {single_p99:.1f} ms; server CPU {single_cpu:.2f} ms a tap"
            )
    finally:
        server.terminate()
        server.wait()
    rate = await copy_rate(args.readers * args.batches * args.batch_size, people)
    print(f"COPY:    {rate:,.0f} rows/s into the same table (binary, one statement): the limit of this run")
    print(f"ratios:  batched / COPY = {batched_rate / rate:.3f} (target 0.4); single / COPY = {single_rate / rate:.4f}")
    print(
        f"targets: batched {batched_rate / 20_000:.2f} of 20,000/s; single {single_rate / 800:.2f} of 800/s, "
        f"p99 {single_p99:.0f} ms of 100"
    )
    print(
        f"API processes: {args.workers} (loop {args.loop}, http {args.http}); machine cores: {os.cpu_count()} "
        f"(shared with this client); load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--readers", type=int, default=100)
    p.add_argument("--batches", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=200)
    p.add_argument("--singles", type=int, default=4000)
    p.add_argument("--single-concurrency", type=int, default=20)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--loop", default="auto", choices=("auto", "uvloop", "asyncio"))
    p.add_argument("--http", default="auto", choices=("auto", "httptools", "h11"))
    asyncio.run(main(p.parse_args()))
