"""The real OpenCCUS API as a subprocess on real PostgreSQL, seeded through its own HTTP API with an operator, a
prime contractor, a site, a reader device and approved technicians whose cards are personalised from the server's
own personalisation export, exactly as a card bureau would receive it."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
from PIL import Image
from stdnum.jp import cn

from tests.pcsc_stack.openccus import Personalisation

ROOT = Path(__file__).resolve().parents[2]
PG_BASE, _, PG_DB = os.environ.get(
    "OPENCCUS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/openccus_test"
).rpartition("/")
PASSWORD = "edge-test-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (300, 400), (150, 120, 100)).save(buf, "JPEG")
    return buf.getvalue()


class RealApi:
    def __init__(self, tmp: Path, **env: str) -> None:
        # Named after the caller's test database, so that two checkouts never drop each other's server database.
        self.db = f"{PG_DB}_edge"
        key = base64.urlsafe_b64encode(os.urandom(32)).decode()
        self.env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
        self.env.update(
            DATABASE_URL=f"{PG_BASE}/{self.db}",
            OPENCCUS_DATA_KEY=key,
            OPENCCUS_CARD_MASTER_KEY=key,
            OPENCCUS_VAR_DIR=str(tmp),
            OPENCCUS_OPERATOR_PASSWORD=PASSWORD,
            PYTHONPATH=str(ROOT),
            OPENCCUS_FACE_CHECK_UPLOADS="false",  # the technicians here have drawn photos
            OPENCCUS_CARD_MASTER_KEY_FILE=str(tmp / "card_master_keys"),
            **env,
        )
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = tmp / "api.log"
        self.http = httpx.Client(base_url=self.url, timeout=15)
        self.seq = 0

    def start(self) -> None:
        import asyncio

        async def recreate() -> None:
            conn = await asyncpg.connect(f"{PG_BASE}/postgres")
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{self.db}"')
            await conn.close()

        asyncio.run(recreate())
        cli = [sys.executable, "-m", "api.cli"]
        subprocess.run([*cli, "migrate"], env=self.env, check=True, capture_output=True, cwd=ROOT)
        subprocess.run(
            [*cli, "create-operator", "--login", "op"], env=self.env, check=True, capture_output=True, cwd=ROOT
        )
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [*cli, "serve", "--port", str(self.port)], env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if self.http.get("/api/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the API did not start: " + self.log.read_text()[-2000:])

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=40)  # a reader's long-poll may hold a request up to its wait
        self.http.close()

    # -- seeding through the HTTP API ---------------------------------------------------------------------------
    def post(self, path: str, token: str | None = None, **kw):
        r = self.http.post(path, headers={"Authorization": f"Bearer {token}"} if token else {}, **kw)
        assert r.status_code in (200, 201), r.text
        return r.json()

    def get(self, path: str, token: str, **kw):
        r = self.http.get(path, headers={"Authorization": f"Bearer {token}"}, **kw)
        assert r.status_code == 200, r.text
        return r.json()

    def seed(self) -> None:
        self.op = self.post("/api/v1/auth/login", json={"login": "op", "password": PASSWORD})["token"]
        body = "000000004242"
        reg = self.post(
            "/api/v1/businesses",
            json={
                "corporate_number": cn.calc_check_digit(body) + body,
                "name": "エッジ建設株式会社",
                "name_kana": "エッジケンセツ",
                "capital_yen": 10_000_000,
                "social_insurance": {"health": "enrolled", "pension": "enrolled", "employment": "enrolled"},
                "postal_code": "100-0001",
                "prefecture": "13",
                "address": "千代田区1-1",
                "phone": "03-0000-0000",
                "email": "edge@example.jp",
                "admin": {"password": PASSWORD, "display_name": "管理者"},
            },
        )
        self.post(f"/api/v1/review/applications/{reg['application_id']}/approve", self.op)
        self.prime, self.prime_token = reg["business"], reg["token"]
        today = dt.date.today()
        self.site = self.post(
            "/api/v1/sites",
            self.prime_token,
            json={
                "name": "エッジ現場",
                "address": "千代田区2-2",
                "order_type": "private",
                "window_start": (today - dt.timedelta(days=30)).isoformat(),
                "window_end": (today + dt.timedelta(days=30)).isoformat(),
            },
        )

    def enrolment_code(self) -> str:
        return self.post(
            f"/api/v1/sites/{self.site['id']}/devices", self.prime_token, json={"kind": "reader", "name": "ゲート"}
        )["enrolment_code"]

    def technician(self) -> Personalisation:
        """An approved technician of the prime; returns the card personalisation the server exports."""
        self.seq += 1
        reg = self.post(
            "/api/v1/technicians",
            json={
                "password": PASSWORD,
                "family_name": "端末",
                "given_name": f"太郎{self.seq}",
                "family_name_kana": "タンマツ",
                "given_name_kana": "タロウ",
                "birth_date": "1980-01-01",
                "sex": "male",
                "postal_code": "100-0001",
                "address": "東京都",
                "phone": f"090-2222-{self.seq:04d}",
                "trades": ["05-01"],
                "social_insurance": {"health": "enrolled", "pension": "enrolled", "employment": "enrolled"},
                "retirement_aid": {"kentaikyo": True},
                "employer_business_id": self.prime["business_id"],
            },
        )
        pk, token = reg["technician"]["id"], reg["token"]
        for what in ("photo", "id-document"):
            r = self.http.put(
                f"/api/v1/technicians/{pk}/{what}",
                headers={"Authorization": f"Bearer {token}"},
                files={"file": ("p.jpg", _jpeg(), "image/jpeg")},
            )
            assert r.status_code == 200, r.text
        app = self.post(f"/api/v1/technicians/{pk}/applications", token, json={"kind": "new"})
        self.post(f"/api/v1/review/applications/{app['id']}/approve", self.op)
        serial = self.get(f"/api/v1/technicians/{pk}", self.op)["card"]["serial"]
        rec = self.get(f"/api/v1/cards/{serial}/personalisation", self.op)
        return Personalisation(
            rec["technician_id"],
            bytes.fromhex(rec["card_serial"]),
            dt.date.fromisoformat(rec["issued"]),
            dt.date.fromisoformat(rec["expires"]),
            rec["key_version"],
            bytes.fromhex(rec["card_key"]),
        )

    def bulk_people(self, n: int) -> list[Personalisation]:
        """n approved technicians of the prime with cards, written straight into the database (registering 1,000
        people through the HTTP API would spend the test's time on argon2, not on what it tests)."""
        import asyncio

        from api.cards.profile import derive_card_key

        master = base64.urlsafe_b64decode(self.env["OPENCCUS_CARD_MASTER_KEY"])
        today = dt.date.today()
        people = [(f"{40000000000000 + i}", os.urandom(8)) for i in range(n)]

        async def write() -> None:
            conn = await asyncpg.connect(f"{PG_BASE}/{self.db}")
            try:
                bid = await conn.fetchval("SELECT id FROM business WHERE business_id = $1", self.prime["business_id"])
                now = dt.datetime.now(dt.UTC)
                await conn.copy_records_to_table(
                    "technician",
                    columns=[
                        "technician_id",
                        "employer_id",
                        "tier",
                        "status",
                        "family_name",
                        "given_name",
                        "family_name_kana",
                        "given_name_kana",
                        "birth_date",
                        "sex",
                        "nationality",
                        "postal_code",
                        "address",
                        "phone",
                        "trades",
                        "social_insurance",
                        "retirement_aid",
                        "has_identity_document",
                        "detailed",
                        "disclosure",
                        "created_at",
                        "updated_at",
                    ],
                    records=[
                        (
                            tid,
                            bid,
                            "simplified",
                            "approved",
                            "一括",
                            str(i),
                            "イッカツ",
                            "タ",
                            dt.date(1985, 1, 1),
                            "male",
                            "JP",
                            "100-0001",
                            "x",
                            f"080{i:08d}",
                            '["05-01"]',
                            # as registration writes them (the API reads them back through their models)
                            '{"health": "enrolled", "pension": "enrolled", "employment": "enrolled"}',
                            '{"kentaikyo": false, "chutaikyo": false}',
                            True,
                            "{}",  # no 詳細型 data, no disclosure set: what registration leaves
                            "{}",
                            now,
                            now,
                        )
                        for i, (tid, _) in enumerate(people)
                    ],
                )
                ids = dict(await conn.fetch("SELECT technician_id, id FROM technician WHERE technician_id LIKE '4%'"))
                await conn.copy_records_to_table(
                    "card",
                    columns=[
                        "technician_id",
                        "serial",
                        "issued_on",
                        "valid_until",
                        "status",
                        "key_version",
                        "created_at",
                    ],
                    records=[
                        (
                            ids[tid],
                            serial.hex(),
                            today - dt.timedelta(days=1),
                            today + dt.timedelta(days=3650),
                            "active",
                            1,
                            now,
                        )
                        for tid, serial in people
                    ],
                )
            finally:
                await conn.close()

        asyncio.run(write())
        return [
            Personalisation(
                tid,
                serial,
                today - dt.timedelta(days=1),
                today + dt.timedelta(days=3650),
                1,
                derive_card_key(master_key=master, serial=serial, key_version=1),
            )
            for tid, serial in people
        ]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`openccus …` against this server's database and settings (as an operator runs it on an API host)."""
        return subprocess.run(
            [sys.executable, "-m", "api.cli", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def fetch(self, query: str, *args) -> list[dict]:
        import asyncio

        async def read():
            conn = await asyncpg.connect(f"{PG_BASE}/{self.db}")
            try:
                return [dict(r) for r in await conn.fetch(query, *args)]
            finally:
                await conn.close()

        return asyncio.run(read())

    def stored(self) -> list[tuple[str, str, str]]:
        """(source_key, technician_code, status) of every tap the server holds, read from its database."""
        import asyncio

        async def read():
            conn = await asyncpg.connect(f"{PG_BASE}/{self.db}")
            try:
                return [tuple(r) for r in await conn.fetch("SELECT source_key, technician_code, status FROM tap")]
            finally:
                await conn.close()

        return asyncio.run(read())

    def taps(self) -> list[dict]:
        return self.get(f"/api/v1/sites/{self.site['id']}/taps", self.prime_token)
