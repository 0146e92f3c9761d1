"""The work-record fold on PostgreSQL: a national day and (optionally) a month, against the one-statement limit.

    .venv/bin/python bench/fold.py [--taps 500000] [--days 1] [--sites 5000]

Creates (and drops) `openccus_bench_fold` (or the database named by OPENCCUS_BENCH_FOLD_DB, to keep a day's and a
month's side by side). Taps are loaded with COPY (2 per technician per day: entry and exit),
then folded with the statements the nightly job runs (api.workrecords.service.fold_pairs).

The limit, measured in the same run: one `INSERT … SELECT … GROUP BY` of the same taps producing the same records
into an empty copy of `work_record` (`LIKE … INCLUDING ALL`: its indexes and unique key), once with the table's
foreign keys added (every row written into work_record pays their per-row check, the fold's rows too) and once
without (the figure of issue 23). Targets (issue 23): the fold of a day ≤ 1.5 × the limit; a month (`--days 20`)
likewise.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import date, datetime, timedelta

import asyncpg

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from api.timeutil import JST

PG = os.environ.get("OPENCCUS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = os.environ.get("OPENCCUS_BENCH_FOLD_DB", "openccus_bench_fold")


async def load(taps: int, days: int, n_sites: int) -> tuple[int, date]:
    conn = await asyncpg.connect(f"{PG}/postgres")
    await conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{DB}"')
    await conn.close()
    from api import db
    from api.settings import Settings

    await db.migrate(Settings(DATABASE_URL=f"{PG}/{DB}", OPENCCUS_DATA_KEY="a" * 43 + "=", OPENCCUS_VAR_DIR="/tmp"))
    conn = await asyncpg.connect(f"{PG}/{DB}")
    people = taps // (2 * days)
    now = datetime.now(JST)
    first_day = now.date() - timedelta(days=days)
    await conn.execute("""INSERT INTO business (business_id, name, name_kana, sole_proprietor, permitted_industries,
        social_insurance, postal_code, prefecture, address, phone, email, status, created_at, updated_at)
        VALUES ('10000000000009', 'b', 'ビ', false, '[]', '{}', '100-0001', '13', 'x', '0', 'e', 'approved', now(), now())""")
    bid = await conn.fetchval("SELECT id FROM business")
    await conn.copy_records_to_table(
        "site",
        columns=[
            "site_id",
            "prime_id",
            "name",
            "address",
            "order_type",
            "window_start",
            "window_end",
            "cutoff_hour",
            "hazardous",
            "created_at",
        ],
        records=[
            (f"{20000000000000 + i}", bid, "s", "x", "private", first_day, now.date(), 0, False, now)
            for i in range(n_sites)
        ],
    )
    await conn.execute(
        "INSERT INTO site_contract (site_id, business_id, tier, status, proxy, created_at) "
        "SELECT id, $1, 0, 'approved', false, now() FROM site",
        bid,
    )
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
                f"{30000000000000 + i}",
                bid,
                "detailed",
                "approved",
                "t",
                "t",
                "テ",
                "テ",
                date(1980, 1, 1),
                "male",
                "JP",
                "100-0001",
                "x",
                "0",
                "[]",
                "{}",
                "{}",
                True,
                "{}",
                "{}",
                now,
                now,
            )
            for i in range(people)
        ],
    )
    site_ids = [r[0] for r in await conn.fetch("SELECT id FROM site ORDER BY id")]
    tech_ids = [r[0] for r in await conn.fetch("SELECT id FROM technician ORDER BY id")]
    cols = [
        "source_key",
        "site_id",
        "technician_id",
        "technician_code",
        "employer_id",
        "method",
        "device_time",
        "received_at",
        "work_date",
        "status",
    ]
    t0 = time.perf_counter()
    for d in range(days):
        day = first_day + timedelta(days=d)
        rows = []
        for i, tech in enumerate(tech_ids):
            site = site_ids[i % len(site_ids)]
            for hour in (8, 17):
                at = datetime(day.year, day.month, day.day, hour, i % 60, tzinfo=JST)
                rows.append((f"b{d}:{i}:{hour}", site, tech, "x", bid, "card", at, at, day, "accepted"))
        await conn.copy_records_to_table("tap", columns=cols, records=rows)
    print(
        f"loaded {people * 2 * days:,} taps ({people:,} technicians, {n_sites:,} sites, {days} day(s)) "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    await conn.execute("ANALYZE")
    await conn.close()
    return people * 2 * days, first_day


_LIMIT = """
INSERT INTO wr_limit (technician_id, site_id, work_date, first_in, last_out, employer_id, method, taps, missing_exit,
                      folded_at)
SELECT technician_id, site_id, work_date, min(device_time), max(device_time), max(employer_id), max(method), count(*),
       false, now()
FROM tap WHERE status = 'accepted' GROUP BY technician_id, site_id, work_date"""


async def limit(conn, *, foreign_keys: bool) -> tuple[float, int]:
    """The one-statement INSERT … SELECT … GROUP BY into an empty copy of work_record, rolled back."""
    tr = conn.transaction()
    await tr.start()
    try:
        await conn.execute("CREATE TABLE wr_limit (LIKE work_record INCLUDING ALL)")
        if foreign_keys:
            for (definition,) in await conn.fetch(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'work_record'::regclass AND contype = 'f'"
            ):
                await conn.execute(f"ALTER TABLE wr_limit ADD {definition}")
        t0 = time.perf_counter()
        status = await conn.execute(_LIMIT)
        return time.perf_counter() - t0, int(status.split()[-1])
    finally:
        await tr.rollback()


async def backend_pids(conn) -> set[int]:
    return {r[0] for r in await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", DB)}


def cpu_of(pids: set[int]) -> float:
    """CPU seconds used so far by these PostgreSQL backends: the figure a loaded, shared machine disturbs least
    (wall times swing with the neighbours' load, on the fold and on the limit unequally)."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile, or PostgreSQL is on another machine
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def main(args) -> None:
    taps, first_day = await load(args.taps, args.days, args.sites)
    from tortoise.timezone import now

    from api import db
    from api.attendance.models import Tap
    from api.settings import Settings
    from api.workrecords.service import fold_pairs

    conn = await asyncpg.connect(f"{PG}/{DB}")
    me = {await conn.fetchval("SELECT pg_backend_pid()")}
    cpu0 = cpu_of(me)
    limit_fk_s, plain = await limit(conn, foreign_keys=True)
    cpu1 = cpu_of(me)
    limit_s, _ = await limit(conn, foreign_keys=False)
    limit_fk_cpu = cpu1 - cpu0
    await conn.execute("CHECKPOINT")  # the limit's writes are not flushed on the fold's time
    await db.init(Settings(DATABASE_URL=f"{PG}/{DB}", OPENCCUS_DATA_KEY="a" * 43 + "=", OPENCCUS_VAR_DIR="/tmp"))
    pairs = await Tap.all().distinct().values_list("site_id", "work_date")
    cpu0 = cpu_of(await backend_pids(conn))
    t0 = time.perf_counter()
    records = await fold_pairs(pairs, at=now())
    fold_s = time.perf_counter() - t0
    cpu1 = cpu_of(await backend_pids(conn))  # the backends now: one the pool opened meanwhile counts from zero
    fold_cpu = cpu1 - cpu0
    await conn.close()
    t0 = time.perf_counter()
    records_again = await fold_pairs(pairs, at=now())
    refold_s = time.perf_counter() - t0
    await db.close()
    conn = await asyncpg.connect(f"{PG}/{DB}")
    stored = await conn.fetchval("SELECT count(*) FROM work_record")
    await conn.close()
    # A refold rewrites only records that changed: none here.
    assert records == plain == stored and records_again == 0, (records, plain, stored, records_again)
    print(f"fold:     {taps:,} taps -> {records:,} records in {fold_s:.2f} s = {taps / fold_s:,.0f} taps/s")
    print(f"re-fold:  {refold_s:.2f} s (idempotent: {stored:,} records, {records_again:,} rewritten)")
    print(
        f"limit:    INSERT … SELECT … GROUP BY into an empty copy of work_record: {limit_fk_s:.2f} s with its foreign"
    )
    print(f"          keys, {limit_s:.2f} s without (the foreign keys' per-row checks: {limit_fk_s - limit_s:.2f} s)")
    print(
        f"ratios:   fold / limit = {fold_s / limit_fk_s:.2f} with the foreign keys, {fold_s / limit_s:.2f} without "
        f"(target ≤ 1.5); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"CPU:      PostgreSQL's backends: fold {fold_cpu:.2f} s, limit with the foreign keys {limit_fk_cpu:.2f} s "
        f"→ fold / limit = {fold_cpu / limit_fk_cpu:.2f} (wall times swing with the machine's load; CPU much less)"
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--taps", type=int, default=500_000)
    p.add_argument("--days", type=int, default=1)
    p.add_argument("--sites", type=int, default=5000)
    asyncio.run(main(p.parse_args()))
