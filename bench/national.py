"""A national population on PostgreSQL, and how reads and batches behave as it grows (issue 22 item 5).

    .venv/bin/python bench/national.py --scale 0.01 --scale 0.05 [--samples 40] [--keep] [--json out.json]
    .venv/bin/python bench/national.py --compare a.json --compare b.json     (the ratios of two earlier runs)

For each scale S, creates `openccus_bench_national_<S>` (dropped afterwards unless --keep), migrates it and loads with
COPY S × the national population: 1,750,000 technicians (all 詳細型, with a card, on a site's roster), 300,000 firms,
60,000 active sites, one year of work records (≈ 60 M: a technician works ≈ 34 days a year, at one site for two
months, then the next) and their taps (an entry at 8:00 and an exit at 17:00 JST each, card responses included).
Then it measures, on the real service functions:

* p50 / p95 of a technician's whole career view (api.reports.service.career), a site's month of work records, a
  site's 作業員名簿 (worker_roster), a firm's invoice list (api.billing.invoices.list_for) — random entities;
* the fold of a day (every site's taps of one day marked dirty, then api.workrecords.service.fold_dirty: the same
  rows again, so nothing is rewritten), a month's billing close (run_close), the nightly levels run for every
  technician (api.levels.jobs.evaluate_all_levels, the aggregation in the database included);
* the size of a year of history (tap, work_record and the tap key tables), and extrapolated to S = 1.

With two or more scales it prints the ratio largest / smallest of each per-entity read's p50 and p95 (target ≤ 1.5:
the reads stay flat as the population grows).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import asyncpg

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

PG = os.environ.get("OPENCCUS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
KEY = "a" * 43 + "="
YEAR = 2025
NATIONAL = {"technicians": 1_750_000, "firms": 300_000, "sites": 60_000, "records": 60_000_000}
TRADES = ["01-01", "02-01", "03-01", "04-01", "05-01"]
JST_OFFSET = timedelta(hours=9)


def work_days() -> list[date]:
    """Mondays to Saturdays of the year but for the New Year and Obon weeks: ≈ 290 days."""
    d, out = date(YEAR, 1, 1), []
    while d.year == YEAR:
        if d.weekday() < 6 and not (d.month == 1 and d.day <= 5) and not (d.month == 8 and 13 <= d.day <= 16):
            out.append(d)
        d += timedelta(days=1)
    return out


def db_name(scale: float) -> str:
    return f"openccus_bench_national_{str(scale).replace('.', '_')}"


async def load(scale: float) -> dict:
    name = db_name(scale)
    conn = await asyncpg.connect(f"{PG}/postgres")
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    from api import db
    from api.settings import Settings

    t0 = time.perf_counter()
    await db.migrate(Settings(DATABASE_URL=f"{PG}/{name}", OPENCCUS_DATA_KEY=KEY, OPENCCUS_VAR_DIR="/tmp"))
    print(f"S={scale}: migrated in {time.perf_counter() - t0:.0f} s", flush=True)
    n = {k: max(1, round(v * scale)) for k, v in NATIONAL.items()}
    conn = await asyncpg.connect(f"{PG}/{name}")
    for month in range(1, 13):  # the year's partitions, as the daily job would have made them
        for table in ("tap", "work_record"):
            await conn.execute("SELECT openccus_month_partition($1, $2)", table, date(YEAR, month, 1))
    t0 = time.perf_counter()
    now = datetime.now(UTC)
    approved = datetime(YEAR - 1, 6, 10, tzinfo=UTC)
    await conn.copy_records_to_table(
        "business",
        columns=[
            "business_id", "name", "name_kana", "capital_yen", "sole_proprietor", "permitted_industries",
            "social_insurance", "postal_code", "prefecture", "address", "phone", "email", "status", "approved_at",
            "created_at", "updated_at",
        ],
        records=[
            (f"{10000000000000 + i}", f"事業者{i}", "ジギヨウシヤ", 30_000_000, False, '["01"]', "{}", "100-0001",
             f"{i % 47 + 1:02d}", "x", "0", "e", "approved", approved, now, now)
            for i in range(n["firms"])
        ],
    )  # fmt: skip
    firms = [r[0] for r in await conn.fetch("SELECT id FROM business ORDER BY id")]
    await conn.copy_records_to_table(
        "site",
        columns=[
            "site_id", "prime_id", "name", "address", "order_type", "window_start", "window_end", "cutoff_hour",
            "hazardous", "created_at",
        ],
        records=[
            (f"{20000000000000 + i}", firms[i % len(firms)], f"現場{i}", "x", "private", date(YEAR - 1, 1, 1),
             date(YEAR + 1, 12, 31), 0, False, now)
            for i in range(n["sites"])
        ],
    )  # fmt: skip
    sites = [r[0] for r in await conn.fetch("SELECT id FROM site ORDER BY id")]
    await conn.copy_records_to_table(
        "technician",
        columns=[
            "technician_id", "employer_id", "tier", "status", "family_name", "given_name", "family_name_kana",
            "given_name_kana", "birth_date", "sex", "nationality", "postal_code", "address", "phone", "trades",
            "social_insurance", "retirement_aid", "has_identity_document", "detailed", "disclosure", "registered_on",
            "created_at", "updated_at",
        ],
        records=[
            (f"{30000000000000 + i}", firms[i % len(firms)], "detailed", "approved", "建設", "太郎", "ケンセツ",
             "タロウ", date(1970 + i % 35, 1, 1), "male", "JP", "100-0001", "x", "0",
             f'["{TRADES[i % len(TRADES)]}"]', '{"health": "協会けんぽ", "pension": "厚生年金", "employment": "加入"}',
             "{}", True, "{}", "{}", date(YEAR - 1, 4, 1), now, now)
            for i in range(n["technicians"])
        ],
    )  # fmt: skip
    techs = [r[0] for r in await conn.fetch("SELECT id FROM technician ORDER BY id")]
    days = work_days()
    per_day = max(1, n["records"] // len(days))

    def site_of(t: int, d: int) -> int:  # two months (≈ 50 work days) at a site, then the next
        return sites[(t * 7919 + d // 50) % len(sites)]

    def employer_of(t: int) -> int:
        return firms[t % len(firms)]

    # The site's roster and contract tree: each firm on the sites its technicians work at this year.
    pairs = {(site_of(t, d), employer_of(t)) for t in range(len(techs)) for d in (0, 50, 100, 150, 200, 250)}
    primes = dict(await conn.fetch("SELECT id, prime_id FROM site"))
    await conn.copy_records_to_table(
        "site_contract",
        columns=["site_id", "business_id", "tier", "status", "proxy", "created_at"],
        records=[(s, b, 0 if primes[s] == b else 1, "approved", False, now) for s, b in sorted(pairs)],
    )
    last = len(days) - 1
    await conn.copy_records_to_table(
        "roster_entry",
        columns=["site_id", "technician_id", "employer_id", "trade", "position", "active", "created_at", "updated_at"],
        records=[
            (site_of(i, last), t, employer_of(i), TRADES[i % len(TRADES)], "worker", True, now, now)
            for i, t in enumerate(techs)
        ],
    )
    # Work records and their taps, day by day: `per_day` technicians a day, rotating through everyone. The tap
    # key tables are filled by the same COPY (the claim trigger is for single inserts; a load has no duplicates).
    await conn.execute("ALTER TABLE tap DISABLE TRIGGER tap_claim_keys")
    rec_cols = [
        "technician_id", "site_id", "work_date", "first_in", "last_out", "employer_id", "tier", "trade", "position",
        "method", "taps", "missing_exit", "folded_at",
    ]  # fmt: skip
    tap_cols = [
        "source_key", "site_id", "technician_id", "technician_code", "employer_id", "method", "direction",
        "card_serial", "challenge", "device_time", "received_at", "work_date", "status", "trade", "fingerprint",
    ]  # fmt: skip
    n_taps = 0
    for di, day in enumerate(days):
        start = di * per_day
        recs, taps, keys, challenges = [], [], [], []
        for k in range(per_day):
            i = (start + k) % len(techs)
            t, s, e = techs[i], site_of(i, di), employer_of(i)
            trade = TRADES[i % len(TRADES)]
            t_in = datetime(day.year, day.month, day.day, 8, tzinfo=UTC) - JST_OFFSET
            t_out = t_in + timedelta(hours=9)
            recs.append((t, s, day, t_in, t_out, e, 1, trade, "worker", "card", 2, False, now))
            for j, (at, direction) in enumerate(((t_in, "in"), (t_out, "out"))):
                key, serial, ch = f"d{di}:{k}:{j}", f"{i:016X}", f"{di:04x}{k:012x}{j:016x}"
                taps.append((key, s, t, f"{30000000000000 + i}", e, "card", direction, serial, ch, at, at, day,
                             "accepted", trade, None))  # fmt: skip
                keys.append((key, day))
                challenges.append((serial, ch, day))
        await conn.copy_records_to_table("work_record", columns=rec_cols, records=recs)
        await conn.copy_records_to_table("tap", columns=tap_cols, records=taps)
        await conn.copy_records_to_table("tap_source_key", records=keys)
        await conn.copy_records_to_table("tap_challenge", records=challenges)
        n_taps += len(taps)
    await conn.execute("ALTER TABLE tap ENABLE TRIGGER tap_claim_keys")
    await conn.execute("VACUUM ANALYZE")
    loaded = {
        "technicians": len(techs),
        "firms": len(firms),
        "sites": len(sites),
        "records": per_day * len(days),
        "taps": n_taps,
        "load_s": time.perf_counter() - t0,
    }
    await conn.close()
    return loaded


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p * (len(xs) - 1)))]


async def timed(fn, samples) -> dict:
    out = []
    for s in samples:
        t0 = time.perf_counter()
        await fn(s)
        out.append((time.perf_counter() - t0) * 1000)
    return {"p50": statistics.median(out), "p95": pct(out, 0.95)}


async def measure(scale: float, n_samples: int) -> dict:
    from tortoise import connections

    from api import db
    from api.billing.close import run_close
    from api.billing.invoices import list_for
    from api.businesses.models import Business
    from api.levels.jobs import evaluate_all_levels
    from api.registration.models import Technician
    from api.reports.service import career, worker_roster
    from api.settings import Settings
    from api.sites.models import Site
    from api.workrecords import service as wr
    from api.workrecords.models import WorkRecord

    name = db_name(scale)
    await db.init(Settings(DATABASE_URL=f"{PG}/{name}", OPENCCUS_DATA_KEY=KEY, OPENCCUS_VAR_DIR="/tmp"))
    rnd = random.Random(22)
    conn = connections.get("default")
    out: dict = {}
    try:
        tech_ids = [r["id"] for r in await conn.execute_query_dict("SELECT id FROM technician")]
        site_ids = [r["id"] for r in await conn.execute_query_dict("SELECT id FROM site")]
        firm_ids = [r["id"] for r in await conn.execute_query_dict("SELECT id FROM business")]
        techs = await Technician.filter(id__in=rnd.sample(tech_ids, min(n_samples, len(tech_ids))))
        sites = await Site.filter(id__in=rnd.sample(site_ids, min(n_samples, len(site_ids))))
        month = date(YEAR, 6, 1)

        async def site_month(site):
            await WorkRecord.filter(site=site, work_date__gte=month, work_date__lt=date(YEAR, 7, 1)).order_by(
                "work_date"
            )

        async def roster(site):
            contract = await conn.execute_query_dict(
                "SELECT employer_id AS business_id FROM roster_entry WHERE site_id = $1 LIMIT 1", [site.id]
            )
            employer = await Business.get(id=contract[0]["business_id"] if contract else site.prime_id)  # type: ignore[attr-defined]
            await worker_roster(site=site, employer=employer)

        # The months before are closed as production would have closed them, month by month (untimed); then the
        # month's close is timed. It makes the invoices the invoice list reads.
        for m in range(1, month.month):
            await run_close(period=date(YEAR, m, 1), issued_on=date(YEAR, m + 1, 1))
        t0 = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            pr = cProfile.Profile()
            pr.enable()
        closed = await run_close(period=month, issued_on=date(YEAR, 7, 1))
        if os.environ.get("BENCH_PROFILE"):
            pr.disable()
            pstats.Stats(pr).sort_stats("tottime").print_stats(8)
        out["billing_close_s"] = time.perf_counter() - t0
        out["invoices"] = closed.invoices
        operator = SimpleNamespace(role=None)
        firms = rnd.sample(firm_ids, min(n_samples, len(firm_ids)))
        out["career_ms"] = await timed(lambda t: career(tech=t), techs)
        out["site_month_ms"] = await timed(site_month, sites)
        out["worker_roster_ms"] = await timed(roster, sites)
        out["invoice_list_ms"] = await timed(lambda b: list_for(actor=operator, business_id=b), firms)
        day = date(YEAR, 6, 17)
        await conn.execute_query(
            "INSERT INTO fold_dirty (site_id, work_date, version) SELECT DISTINCT site_id, work_date, 1 FROM tap "
            "WHERE work_date = $1 ON CONFLICT (site_id, work_date) DO NOTHING",
            [day],
        )
        t0 = time.perf_counter()
        await wr.fold_dirty()
        out["fold_day_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        out["levels_evaluated"] = await evaluate_all_levels({})
        out["levels_s"] = time.perf_counter() - t0
        sizes = await conn.execute_query_dict(
            "SELECT sum(pg_total_relation_size(c.oid)) AS b FROM pg_class c WHERE c.relkind = 'r' AND "
            "(c.relname LIKE 'tap%' OR c.relname LIKE 'work_record%' OR c.relname LIKE 'charged_work_record%')"
        )
        out["history_bytes"] = int(sizes[0]["b"])
        db_size = await conn.execute_query_dict("SELECT pg_database_size(current_database()) AS b")
        out["database_bytes"] = int(db_size[0]["b"])
    finally:
        await db.close()
    return out


async def drop(scale: float) -> None:
    conn = await asyncpg.connect(f"{PG}/postgres")
    await conn.execute(f'DROP DATABASE IF EXISTS "{db_name(scale)}" WITH (FORCE)')
    await conn.close()


READS = ("career_ms", "site_month_ms", "worker_roster_ms", "invoice_list_ms")


def report(scale: float, loaded: dict, m: dict) -> None:
    print(
        f"S={scale}: {loaded['technicians']:,} technicians, {loaded['firms']:,} firms, {loaded['sites']:,} sites, "
        f"{loaded['records']:,} work records, {loaded['taps']:,} taps (loaded in {loaded['load_s']:.0f} s)"
    )
    for k in READS:
        print(f"  {k[:-3]:15} p50 {m[k]['p50']:8.1f} ms   p95 {m[k]['p95']:8.1f} ms")
    print(f"  fold of a day   {m['fold_day_s']:.2f} s   billing close of a month {m['billing_close_s']:.1f} s "
          f"({m['invoices']:,} invoices)   levels run {m['levels_s']:.1f} s ({m['levels_evaluated']:,} results)")  # fmt: skip
    gib = m["history_bytes"] / 2**30
    print(
        f"  a year of history (tap, work_record, key tables, charges): {gib:.2f} GiB; at S=1 ≈ {gib / scale:.0f} GiB"
        f" a year; database {m['database_bytes'] / 2**30:.2f} GiB"
    )


def _read(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _write(path: str, data: dict) -> None:
    Path(path).write_text(json.dumps(data), encoding="utf-8")


async def main(args) -> None:
    results = {}
    for path in args.compare or []:  # figures of earlier runs (--json), e.g. each scale run on its own
        got = _read(path)
        results.update({float(k): v for k, v in got.items()})
    for scale in sorted(args.scale or []):
        loaded = await load(scale)
        m = await measure(scale, args.samples)
        report(scale, loaded, m)
        results[scale] = m
        if args.json:
            _write(args.json, {str(k): v for k, v in results.items()})
        if not args.keep:
            await drop(scale)
    if len(results) > 1:
        lo, hi = min(results), max(results)
        print(f"ratio S={hi} / S={lo} of the per-entity reads (target ≤ 1.5):")
        for k in READS:
            r50 = results[hi][k]["p50"] / results[lo][k]["p50"]
            r95 = results[hi][k]["p95"] / results[lo][k]["p95"]
            ok = "met" if max(r50, r95) <= 1.5 else "MISSED"
            print(f"  {k[:-3]:15} p50 {r50:.2f}   p95 {r95:.2f}   {ok}")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, action="append", help="share of the national population (repeatable)")
    p.add_argument("--json", help="write the figures to this file")
    p.add_argument("--compare", action="append", help="figures of an earlier run (--json) to compare with")
    p.add_argument("--samples", type=int, default=40, help="entities per per-entity read")
    p.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    asyncio.run(main(p.parse_args()))
