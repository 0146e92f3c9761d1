"""Face check-in end to end through the real HTTP API on PostgreSQL: a kiosk on a site whose roster holds 2,000
enrolled technicians.

    .venv/bin/python bench/face_api.py [--roster 2000] [--checkins 60] [--concurrency 4] [--face-workers 1]

Creates (and drops) the database `openccus_bench_face` on the PostgreSQL at OPENCCUS_BENCH_PG (default
postgresql://postgres@127.0.0.1:5432) and serves the API with `openccus serve`. One technician is enrolled from a
real photo (obama.jpg, fetched like the tests do); the other 1,999 embeddings are real faces' vectors moved by noise
(≥ 0.6 from the probe person), sealed like real ones, so the roster search does its full work. The kiosk sends three
640×480 frames made from three different real photos of the probe person.

Prints: the first check-in after start-up (the pool loads the models), the first on the site (KnownFaces built from
2,000 sealed rows), then p50/p95 of sequential check-ins (one at a time, what a kiosk sees) and the throughput with
several kiosks at once — next to the engine's own time per check-in measured in the same run, so the API's share
(HTTP, roster query, cache, tap write) is visible. Issue 5's targets are for the engine (bench/face_checkin.py):
p50 ≤ 250 ms per check-in on one core.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import subprocess
import sys
import time
import uuid
from datetime import date, datetime, timedelta

import asyncpg
import httpx
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from api.timeutil import JST

PG = os.environ.get("OPENCCUS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = "openccus_bench_face"
PORT = 8097


def env_for(key: bytes, face_workers: int) -> dict[str, str]:
    k = base64.urlsafe_b64encode(key).decode()
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{DB}",
        "OPENCCUS_DATA_KEY": k,
        "OPENCCUS_CARD_MASTER_KEY": k,
        "OPENCCUS_FACE_WORKERS": str(face_workers),
        "OPENCCUS_FACE_MAX_PENDING": "64",
    }
    env.pop("REDIS_URL", None)
    return env


async def setup(key: bytes, roster: int, photos: dict) -> tuple[str, list[bytes]]:
    conn = await asyncpg.connect(f"{PG}/postgres")
    await conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{DB}"')
    await conn.close()
    env = env_for(key, 1)
    subprocess.run([sys.executable, "-m", "api.cli", "migrate"], env=env, check=True, capture_output=True)

    from tortoise import Tortoise
    from tortoise.timezone import now

    from api import db
    from api.accounts.models import Account, Role
    from api.accounts.credentials import issue_token
    from api.businesses.models import Business, ReviewStatus
    from api.crypto import Vault
    from api.devices.models import Device, DeviceKind
    from api.face import FacePool
    from api.face.models import FaceEmbedding
    from api.face.sealing import seal_vector
    from api.ids import new_ccus_id
    from api.registration.models import Technician
    from api.settings import Settings
    from api.sites.models import ContractStatus, Position, RosterEntry, Site, SiteContract
    from tests.face import frames

    pool = FacePool(2)
    pool.start()
    await pool.ready()
    real = {n: await pool.enrol(photos[n].read_bytes()) for n in ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")}
    others = []
    for n in ("biden.jpg", "Tom_Hanks_54745.png", "t1.jpg"):
        try:
            others.append(np.frombuffer((await pool.enrol(photos[n].read_bytes())).vector, "<f4"))
        except Exception:  # group photo / small face: not usable as a base, skip
            pass
    shots = [
        frames.kiosk_frame(frames.upright(photos[n]), real[n].face_box)
        for n in ("obama2.jpg", "obama3.jpg", "obama.jpg")
    ]
    await pool.close()

    await db.init(Settings(DATABASE_URL=f"{PG}/{DB}", OPENCCUS_DATA_KEY=env["OPENCCUS_DATA_KEY"]))
    vault = Vault(key)
    probe = np.frombuffer(real["obama.jpg"].vector, "<f4")
    model = real["obama.jpg"].model_version
    rng = np.random.default_rng(5)
    vectors = [probe]
    while len(vectors) < roster:
        v = (others[len(vectors) % len(others)] + rng.normal(0, 0.04, 128)).astype("<f4")
        if np.linalg.norm(v - probe) >= 0.6:
            vectors.append(v)
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
        face_policy="accept",
    )
    await SiteContract.create(site=site, business=prime, tier=0, status=ContractStatus.approved)
    await Technician.bulk_create(
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
                face_consent_at=now(),
            )
            for i in range(roster)
        ],
        batch_size=1000,
    )
    techs = await Technician.all().order_by("id")
    await RosterEntry.bulk_create(
        [RosterEntry(site=site, technician=t, employer=prime, trade="05-01", position=Position.worker) for t in techs],
        batch_size=1000,
    )
    await FaceEmbedding.bulk_create(
        [
            FaceEmbedding(technician=t, photo_sha256=f"{t.id:064x}", model_version=model, sealed=seal_vector(vault, v))
            for t, v in zip(techs, vectors)
        ],
        batch_size=1000,
    )
    acc = await Account.create(login="bench-kiosk", password_hash="!", role=Role.device, display_name="kiosk")
    await Device.create(site=site, account=acc, kind=DeviceKind.kiosk, name="kiosk")
    token = (await issue_token(acc, ttl=timedelta(days=1)))[0]
    await Tortoise.close_connections()
    return token, shots


async def checkin(client: httpx.AsyncClient, token: str, shots: list[bytes]) -> tuple[float, dict]:
    files = {f"frame{i}": (f"f{i}.jpg", f, "image/jpeg") for i, f in enumerate(shots, start=1)}
    data = {"idempotency_key": uuid.uuid4().hex, "device_time": datetime.now(JST).isoformat()}
    t0 = time.perf_counter()
    r = await client.post("/api/v1/face/checkins", headers={"Authorization": f"Bearer {token}"}, files=files, data=data)
    elapsed = time.perf_counter() - t0
    assert r.status_code == 200, r.text[:300]
    return elapsed, r.json()


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(p * (len(v) - 1)))] * 1000


async def main(args) -> None:
    from tests.face.photos import fetch

    photos = fetch()
    key = os.urandom(32)
    token, shots = await setup(key, args.roster, photos)
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(PORT)],
        env=env_for(key, args.face_workers),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=120) as client:
            for _ in range(300):
                try:
                    if (await client.get("/api/v1/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            first, out = await checkin(client, token, shots)
            assert out["outcome"] == "accepted", out
            print(f"first check-in after start-up (pool start, models, roster of {args.roster}): {first * 1000:.0f} ms")
            await checkin(client, token, shots)
            seq = [(await checkin(client, token, shots))[0] for _ in range(args.checkins)]
            print(
                f"sequential, 3 frames, roster {args.roster}, {args.face_workers} face worker(s): "
                f"p50 {pct(seq, 0.5):.0f} ms, p95 {pct(seq, 0.95):.0f} ms"
            )
            one = [(await checkin(client, token, shots[:1]))[0] for _ in range(args.checkins)]
            print(f"sequential, 1 frame:  p50 {pct(one, 0.5):.0f} ms, p95 {pct(one, 0.95):.0f} ms")

            async def kiosk(n: int) -> list[float]:
                return [(await checkin(client, token, shots))[0] for _ in range(n)]

            per = max(1, args.checkins // args.concurrency)
            t0 = time.perf_counter()
            lat = [x for xs in await asyncio.gather(*(kiosk(per) for _ in range(args.concurrency))) for x in xs]
            secs = time.perf_counter() - t0
            print(
                f"{args.concurrency} kiosks at once: {len(lat) / secs:.2f} check-ins/s, p50 {pct(lat, 0.5):.0f} ms, "
                f"p95 {pct(lat, 0.95):.0f} ms"
            )
            health = []
            for _ in range(50):
                t0 = time.perf_counter()
                await client.get("/api/v1/health")
                health.append(time.perf_counter() - t0)
            print(f"health while idle: p50 {pct(health, 0.5):.1f} ms (HTTP floor of this client)")
    finally:
        server.terminate()
        server.wait()
    print(f"machine cores: {os.cpu_count()} (shared with this client); load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--roster", type=int, default=2000)
    p.add_argument("--checkins", type=int, default=60)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--face-workers", type=int, default=1)
    asyncio.run(main(p.parse_args()))
