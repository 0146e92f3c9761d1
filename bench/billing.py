"""The monthly billing close on PostgreSQL: 304,000 businesses and 6,000,000 work records.

    .venv/bin/python bench/billing.py [--businesses 304000] [--records 6000000] [--sites 60000]

Creates (and drops) `openccus_bench_billing`, loads with COPY, then runs the same close the monthly cron job runs
(api.billing.close.run_close) and prints invoices/s. The data is the worst month: every business's 管理者ID renews
in it (all were approved the same month a year earlier), a sixtieth renew their 5-yearly registration, 10 % are
一人親方 (2,400 yen: carried forward), and the work records are spread over the sites of the first 30,000 businesses.
The close is then run again: it must issue nothing (idempotency), and the invariants are checked: one invoice per
business, numbers 1..N without a gap, the invoices' totals equal the charges they carry.
Target (issue 6): < 120 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import date, datetime, timedelta, UTC

import asyncpg

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

PG = os.environ.get("OPENCCUS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = "openccus_bench_billing"
PERIOD = date(2026, 6, 1)
KEY = "a" * 43 + "="


async def load(n_business: int, n_records: int, n_sites: int) -> None:
    conn = await asyncpg.connect(f"{PG}/postgres")
    await conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{DB}"')
    await conn.close()
    from api import db
    from api.settings import Settings

    await db.migrate(Settings(DATABASE_URL=f"{PG}/{DB}", OPENCCUS_DATA_KEY=KEY, OPENCCUS_VAR_DIR="/tmp"))
    conn = await asyncpg.connect(f"{PG}/{DB}")
    t0 = time.perf_counter()
    now = datetime.now(UTC)
    approved = datetime(2025, 6, 10, tzinfo=UTC)
    capitals = [None, 3_000_000, 8_000_000, 15_000_000, 30_000_000, 80_000_000, 200_000_000, 2_000_000_000]
    await conn.copy_records_to_table(
        "business",
        columns=[
            "business_id",
            "name",
            "name_kana",
            "capital_yen",
            "sole_proprietor",
            "permitted_industries",
            "social_insurance",
            "postal_code",
            "prefecture",
            "address",
            "phone",
            "email",
            "status",
            "approved_at",
            "created_at",
            "updated_at",
        ],
        records=[
            (
                f"{10000000000000 + i}",
                f"事業者{i}",
                "ジギヨウシヤ",
                None if i % 10 == 0 else capitals[i % 8 or 1],
                i % 10 == 0,
                '["01"]',
                "{}",
                "100-0001",
                f"{i % 47 + 1:02d}",
                "x",
                "0",
                "e",
                "approved",
                approved,
                now,
                now,
            )
            for i in range(n_business)
        ],
    )
    bids = [r[0] for r in await conn.fetch("SELECT id FROM business ORDER BY id")]
    await conn.copy_records_to_table(
        "account",
        columns=[
            "login",
            "password_hash",
            "role",
            "display_name",
            "business_id",
            "admin_tier",
            "is_active",
            "created_at",
        ],
        records=[(f"admin{i}", "x", "business_admin", "責任者", b, 0, True, now) for i, b in enumerate(bids)],
    )
    accounts = await conn.fetch("SELECT id, business_id FROM account ORDER BY id")
    year_ago = PERIOD.replace(year=PERIOD.year - 1, day=10)
    await conn.copy_records_to_table(
        "billing_anchor",
        columns=["kind", "business_id", "account_id", "anchored_on", "created_at"],
        records=[("admin_id", r["business_id"], r["id"], year_ago, now) for r in accounts],
    )
    # Business registrations anchored over the last 60 months: a sixtieth fall due in PERIOD.
    await conn.copy_records_to_table(
        "billing_anchor",
        columns=["kind", "business_id", "anchored_on", "created_at"],
        records=[
            ("business_registration", b, date(2021 + ((i + 1) % 60 + 5) // 12, ((i + 1) % 60 + 5) % 12 + 1, 15), now)
            for i, b in enumerate(bids)
        ],
    )
    primes = bids[: max(1, min(30_000, len(bids)))]
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
            (
                f"{20000000000000 + i}",
                primes[i % len(primes)],
                "s",
                "x",
                "private",
                date(2026, 1, 1),
                date(2026, 12, 31),
                0,
                False,
                now,
            )
            for i in range(n_sites)
        ],
    )
    sites = [r[0] for r in await conn.fetch("SELECT id FROM site ORDER BY id")]
    days = 20
    people = max(1, n_records // days)
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
                bids[i % len(bids)],
                "simplified",
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
    techs = [r[0] for r in await conn.fetch("SELECT id FROM technician ORDER BY id")]
    cols = ["technician_id", "site_id", "work_date", "employer_id", "method", "taps", "missing_exit", "folded_at"]
    for d in range(days):
        day = PERIOD + timedelta(days=d)
        await conn.copy_records_to_table(
            "work_record",
            columns=cols,
            records=[(t, sites[i % len(sites)], day, None, "card", 2, False, now) for i, t in enumerate(techs)],
        )
    await conn.execute("ANALYZE")
    print(
        f"loaded {len(bids):,} businesses, {len(accounts):,} admin IDs, {len(sites):,} sites, "
        f"{people * days:,} work records in {time.perf_counter() - t0:.0f} s"
    )
    await conn.close()


async def main(args) -> None:
    if not args.reuse:
        await load(args.businesses, args.records, args.sites)
    from api import db
    from api.billing.close import run_close
    from api.settings import Settings

    await db.init(Settings(DATABASE_URL=f"{PG}/{DB}", OPENCCUS_DATA_KEY=KEY, OPENCCUS_VAR_DIR="/tmp"))
    t0 = time.perf_counter()
    first = await run_close(period=PERIOD, issued_on=date(2026, 7, 1))
    close_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = await run_close(period=PERIOD, issued_on=date(2026, 7, 1))
    again_s = time.perf_counter() - t0
    await db.close()
    conn = await asyncpg.connect(f"{PG}/{DB}")
    n, lo, hi, per_business = await conn.fetchrow(
        "SELECT count(*), min(seq), max(seq), count(DISTINCT business_id) FROM invoice WHERE period = $1", PERIOD
    )
    mismatched = await conn.fetchval("""SELECT count(*) FROM invoice i JOIN (SELECT invoice_id, sum(amount_yen) s
        FROM charge GROUP BY invoice_id) c ON c.invoice_id = i.id WHERE c.s <> i.total_yen""")
    records = await conn.fetchval("SELECT sum(quantity) FROM charge WHERE fee_type = 'site_usage'")
    await conn.close()
    assert again.invoices == 0 and again.usage_charges == 0 and again.renewal_charges == 0, again
    assert n == first.invoices == per_business and (lo, hi) == (1, n) and mismatched == 0, (n, lo, hi, mismatched)
    print(
        f"close:    {first.invoices:,} invoices ({first.invoiced_yen:,} yen) in {close_s:.1f} s = "
        f"{first.invoices / close_s:,.0f} invoices/s; {first.usage_charges:,} site-usage charges for "
        f"{records:,} work records, {first.renewal_charges:,} renewals, {first.carried_businesses:,} businesses "
        f"carried forward"
    )
    print(
        f"re-run:   {again_s:.1f} s, 0 new invoices (idempotent); numbers 1..{hi:,} without a gap; "
        f"totals = charges; target < 120 s: {'met' if close_s < 120 else 'MISSED'}"
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--businesses", type=int, default=304_000)
    p.add_argument("--records", type=int, default=6_000_000)
    p.add_argument("--sites", type=int, default=60_000)
    p.add_argument("--reuse", action="store_true", help="skip the load and close the loaded data again")
    asyncio.run(main(p.parse_args()))
