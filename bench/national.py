"""A national population on PostgreSQL, and how reads and batches behave as it grows (issue 22 item 5).

    .venv/bin/python bench/national.py --scale 0.01 --scale 0.1 [--samples 30] [--jobs 2] [--keep] [--json out.json]
    .venv/bin/python bench/national.py --reads 0.01 --reads 0.1 [--rounds 5]   (reads again, on kept databases)
    .venv/bin/python bench/national.py --compare a.json --compare b.json     (the ratios of two earlier runs)

For each scale S, creates `openccus_bench_national_<S>` (dropped afterwards unless --keep), migrates it and generates
in the database (INSERT … SELECT over generate_series, deterministic hashes: the same rows on every run) S × the national
population: 1,750,000 technicians (all 詳細型, a card each, 0–3 qualifications of the level criteria's codes, one in
twenty a 職長 and one in ten a 班長), 300,000 firms (four capital bands, one in ten a sole proprietor, 47 prefectures),
60,000 active sites (every fifth firm a prime), their contract trees (the prime at tier 0; each employer working there
at tier 1 under it, a third of those at tier 2 under the site's first tier-1 firm), rosters (each technician on the six
sites of his year, active on the last), and one year of work records (≈ 60 M: a technician works ≈ 34 days a year, at
one site for two months, then the next) with their taps (an entry at 8:00 and an exit at 17:00 JST, by card: serial,
challenge, idempotency key) in the month partitions of docs/partitions.md, and the tap key tables. The months are
written `--jobs` at a time on their own connections; the history tables' indexes and keys are dropped for the load and
built once at its end, then VACUUM ANALYZE. Charges and invoices come from the real monthly closes (January to June,
untimed; July timed).

Then it measures, on the real service functions:

* p50 / p95 of a technician's whole career view (api.reports.service.career), a site's month of work records, a
  site's 作業員名簿 (worker_roster), a firm's invoice list (api.billing.invoices.list_for) — random entities;
* the fold of a day (every site's taps of one day marked dirty, then api.workrecords.service.fold_dirty: the same
  rows again, so nothing is rewritten), a month's billing close (run_close), the nightly levels run for every
  technician (api.levels.jobs.evaluate_all_levels, the aggregation in the database included);
* the size of a year of history (tap, work_record and the tap key tables), and extrapolated to S = 1.

With two or more scales it prints the ratio largest / smallest of each per-entity read's p50 and p95 (target ≤ 1.5:
the reads stay flat as the population grows). On a shared machine the load changes between two runs; `--reads` times
the reads again on kept databases with the scales taking turns, so that both see the same load.
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
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import asyncpg

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

PG = os.environ.get("OPENCCUS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
KEY = "a" * 43 + "="
YEAR = 2025
NATIONAL = {"technicians": 1_750_000, "firms": 300_000, "sites": 60_000, "records": 60_000_000}
TRADES = ["01-01", "02-01", "03-01", "04-01", "05-01"]


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


def month_ranges(days: list[date]) -> list[tuple[int, int, int]]:
    """(month, first day index, last day index + 1) of the work days, month by month."""
    out: list[tuple[int, int, int]] = []
    for i, d in enumerate(days):
        if out and out[-1][0] == d.month:
            out[-1] = (d.month, out[-1][1], i + 1)
        else:
            out.append((d.month, i, i + 1))
    return out


# Deterministic pseudo-random numbers in SQL: h(x, seed) ∈ [0, 2^31), the same on every run and machine.
H = "(abs(hashint8extended(({x})::bigint, {seed})) % 2147483647)"


def h(x: str, seed: int) -> str:
    return H.format(x=x, seed=seed)


QUALIFICATIONS = ["T01", "T02", "T03", "T04", "T05", "182", "171", "271", "K01", "A01"]
# Indexes and constraints dropped for the load and rebuilt once at its end (a bulk index build is many times faster
# than maintaining six indexes row by row); the tap key trigger is disabled, the key tables filled in bulk.
BULK_TABLES = ("tap", "work_record", "tap_source_key", "tap_challenge")


async def _bulk_definitions(conn) -> tuple[list[str], list[str], list[str]]:
    """(drop statements, constraint statements, index statements) of the bulk tables' indexes and constraints."""
    cons = await conn.fetch(
        "SELECT conrelid::regclass::text AS t, conname, contype, pg_get_constraintdef(oid) AS def FROM pg_constraint "
        "WHERE conrelid::regclass::text = ANY($1::text[]) AND contype IN ('p', 'u', 'f') ORDER BY contype DESC",
        list(BULK_TABLES),
    )
    idx = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1::text[]) AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))",
        list(BULK_TABLES),
    )
    drops = [f'ALTER TABLE {r["t"]} DROP CONSTRAINT "{r["conname"]}"' for r in cons if r["contype"] == "f"]
    drops += [f'DROP INDEX "{r["indexname"]}"' for r in idx]
    drops += [f'ALTER TABLE {r["t"]} DROP CONSTRAINT "{r["conname"]}"' for r in cons if r["contype"] != "f"]
    keys = [f'ALTER TABLE {r["t"]} ADD CONSTRAINT "{r["conname"]}" {r["def"]}' for r in cons if r["contype"] != "f"]
    keys += [r["indexdef"].replace(" ON ONLY ", " ON ") for r in idx]
    fks = [f'ALTER TABLE {r["t"]} ADD CONSTRAINT "{r["conname"]}" {r["def"]}' for r in cons if r["contype"] == "f"]
    return drops, keys, fks


async def load(scale: float, jobs: int = 2) -> dict:
    """The population, generated in the database (INSERT … SELECT over generate_series, deterministic hashes), the
    months of work records and taps `jobs` at a time on their own connections."""
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
    nf, ns, nt = n["firms"], n["sites"], n["technicians"]
    days = work_days()
    per_day = max(1, n["records"] // len(days))
    t0 = time.perf_counter()
    conn = await asyncpg.connect(f"{PG}/{name}")
    await conn.execute("SET maintenance_work_mem = '512MB'")
    for month in range(1, 13):  # the year's partitions, as the daily job would have made them
        for table in ("tap", "work_record"):
            await conn.execute("SELECT openccus_month_partition($1, $2)", table, date(YEAR, month, 1))
    drops, keys, fks = await _bulk_definitions(conn)
    for sql in drops:
        await conn.execute(sql)
    await conn.execute("ALTER TABLE tap DISABLE TRIGGER tap_claim_keys")
    now = "TIMESTAMPTZ '2025-12-31 12:00+09'"
    # Firms: capital in four bands, one in ten a sole proprietor, 47 prefectures. Ids are 1..n (a fresh database).
    await conn.execute(f"""
INSERT INTO business (id, business_id, name, name_kana, capital_yen, sole_proprietor, permitted_industries,
  social_insurance, postal_code, prefecture, address, phone, email, status, approved_at, created_at, updated_at)
SELECT i + 1, (10000000000000 + i)::text, '事業者' || i, 'ジギヨウシヤ',
  (ARRAY[5000000, 30000000, 100000000, 500000000])[{h("i", 1)} % 4 + 1], {h("i", 2)} % 10 = 0, '["01"]', '{{}}',
  '100-0001', lpad((i % 47 + 1)::text, 2, '0'), 'x', '0', 'e', 'approved', TIMESTAMPTZ '2024-06-10 10:00+09',
  {now}, {now}
FROM generate_series(0, {nf - 1}) i""")
    # Sites: every fifth firm is a prime contractor (元請) of one site.
    await conn.execute(f"""
INSERT INTO site (id, site_id, prime_id, name, address, order_type, window_start, window_end, cutoff_hour, hazardous,
  created_at)
SELECT s + 1, (20000000000000 + s)::text, (s * {max(1, nf // ns)}) % {nf} + 1, '現場' || s, 'x',
  CASE WHEN {h("s", 3)} % 5 = 0 THEN 'public' ELSE 'private' END, DATE '{YEAR - 1}-01-01', DATE '{YEAR + 1}-12-31',
  0, {h("s", 4)} % 20 = 0, {now}
FROM generate_series(0, {ns - 1}) s""")
    # Technicians (all 詳細型), a card each, 0–3 qualifications of the level criteria's codes.
    await conn.execute(f"""
INSERT INTO technician (id, technician_id, employer_id, tier, status, family_name, given_name, family_name_kana,
  given_name_kana, birth_date, sex, nationality, postal_code, address, phone, trades, social_insurance, retirement_aid,
  has_identity_document, detailed, disclosure, registered_on, created_at, updated_at)
SELECT t + 1, (30000000000000 + t)::text, t % {nf} + 1, 'detailed', 'approved', '建設', '太郎', 'ケンセツ', 'タロウ',
  DATE '1960-01-01' + ({h("t", 5)} % 16000)::int, CASE WHEN {h("t", 6)} % 20 = 0 THEN 'female' ELSE 'male' END,
  CASE WHEN {h("t", 7)} % 25 = 0 THEN 'VN' ELSE 'JP' END, '100-0001', 'x', '0',
  jsonb_build_array((ARRAY{TRADES})[t % {len(TRADES)} + 1]),
  '{{"health": "enrolled", "pension": "enrolled", "employment": "enrolled"}}', '{{"kentaikyo": true}}', true, '{{}}',
  '{{}}',
  DATE '{YEAR - 1}-04-01', {now}, {now}
FROM generate_series(0, {nt - 1}) t""")
    await conn.execute(f"""
INSERT INTO card (id, technician_id, serial, issued_on, valid_until, status, key_version, created_at)
SELECT t + 1, t + 1, upper(lpad(to_hex(t), 16, '0')), DATE '{YEAR - 1}-04-01', DATE '{YEAR + 4}-03-31', 'active', 1,
  {now}
FROM generate_series(0, {nt - 1}) t""")
    await conn.execute(f"""
INSERT INTO qualification (technician_id, code, acquired_on, created_at, approved_at)
SELECT DISTINCT ON (t, q) t + 1, q, DATE '2000-04-01' + ({h("t * 7 + k", 9)} % 8000)::int, {now}, {now}
FROM generate_series(0, {nt - 1}) t, generate_series(0, 2) k,
  LATERAL (SELECT (ARRAY{QUALIFICATIONS})[{h("t * 3 + k", 8)} % {len(QUALIFICATIONS)} + 1] AS q) c
WHERE k < {h("t", 10)} % 4""")
    # Where technician t works in period p (≈ 50 work days, two months): site(t, p); his employer is t % firms.
    site_of = f"((t::bigint * 7919 + p) % {ns}) + 1"
    # Contract trees: the prime's own contract (tier 0) on every site; each employer of a technician working there
    # below it (tier 1), and a third of those one level lower, under the site's first tier-1 firm (tier 2).
    await conn.execute(f"""
INSERT INTO site_contract (id, site_id, business_id, tier, status, proxy, parent_id, created_at, decided_at)
SELECT id, id, prime_id, 0, 'approved', false, NULL, {now}, {now} FROM site""")
    await conn.execute("SELECT setval(pg_get_serial_sequence('site_contract', 'id'), (SELECT max(id) FROM site))")
    await conn.execute(f"""
INSERT INTO site_contract (site_id, business_id, tier, status, proxy, parent_id, created_at, decided_at)
SELECT DISTINCT {site_of}, t % {nf} + 1, 1, 'approved', false, {site_of}, {now}, {now}
FROM generate_series(0, {nt - 1}) t, generate_series(0, 5) p
ON CONFLICT (site_id, business_id) DO NOTHING""")
    await conn.execute(f"""
UPDATE site_contract c SET tier = 2, parent_id = f.id
FROM (SELECT site_id, min(id) AS id FROM site_contract WHERE tier = 1 GROUP BY site_id) f
WHERE c.site_id = f.site_id AND c.tier = 1 AND c.id <> f.id AND {h("c.id", 11)} % 3 = 0""")
    await conn.execute(
        "SELECT setval(pg_get_serial_sequence('site_contract', 'id'), (SELECT max(id) FROM site_contract))"
    )
    # Rosters (施工体制): each technician on the sites of his year, active on the last one; one in twenty a 職長,
    # one in ten a 班長.
    await conn.execute(f"""
INSERT INTO roster_entry (site_id, technician_id, employer_id, trade, position, active, created_at, updated_at)
SELECT {site_of}, t + 1, t % {nf} + 1, (ARRAY{TRADES})[t % {len(TRADES)} + 1],
  CASE WHEN t % 20 = 0 THEN 'foreman' WHEN t % 10 = 5 THEN 'team_leader' ELSE 'worker' END, p = 5, {now}, {now}
FROM generate_series(0, {nt - 1}) t, generate_series(0, 5) p
ON CONFLICT (site_id, technician_id) DO NOTHING""")
    for table in ("business", "site", "technician", "card"):
        await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    await conn.execute("ANALYZE business, site, technician, card, site_contract, roster_entry, qualification")
    print(f"S={scale}: population in {time.perf_counter() - t0:.0f} s", flush=True)
    await conn.close()

    # Work records and taps, a month per statement: on work day d (index), `per_day` technicians, rotating through
    # everyone; technician t = (d × per_day + k) mod n at site(t, d // 50), entry 8:00, exit 17:00 JST, by card.
    day_list = ", ".join(f"DATE '{d.isoformat()}'" for d in days)

    async def month(m: int, lo: int, hi: int) -> None:
        c = await asyncpg.connect(f"{PG}/{name}")
        try:
            part = f"{YEAR}_{m:02d}"
            await c.execute(f"""
INSERT INTO work_record_{part} (id, technician_id, site_id, work_date, first_in, last_out, employer_id, tier, trade,
  position, method, taps, missing_exit, folded_at)
SELECT r.id, r.t + 1, r.site, r.day, r.t_in, r.t_in + interval '9 hours', r.t % {nf} + 1, coalesce(sc.tier, 1),
  (ARRAY{TRADES})[r.t % {len(TRADES)} + 1],
  CASE WHEN r.t % 20 = 0 THEN 'foreman' WHEN r.t % 10 = 5 THEN 'team_leader' ELSE 'worker' END,
  'card', 2, false, {now}
FROM (SELECT d * {per_day} + k + 1 AS id, t, ((t::bigint * 7919 + d / 50) % {ns}) + 1 AS site, day,
        (day + time '08:00') AT TIME ZONE 'Asia/Tokyo' AS t_in
      FROM generate_series({lo}, {hi - 1}) d, generate_series(0, {per_day - 1}) k,
        LATERAL (SELECT ((d::bigint * {per_day} + k) % {nt})::int AS t, (ARRAY[{day_list}])[d + 1] AS day) x) r
LEFT JOIN site_contract sc ON sc.site_id = r.site AND sc.business_id = r.t % {nf} + 1""")
            # Two taps a record (ids 2r-1, 2r), source keys and challenges increasing in load order.
            await c.execute(f"""
INSERT INTO tap_{part} (id, source_key, site_id, technician_id, technician_code, employer_id, method, direction,
  card_serial, challenge, device_time, received_at, work_date, status, trade, position)
SELECT w.id * 2 - 2 + j, 'n' || lpad(w.id::text, 11, '0') || ':' || j, w.site_id, w.technician_id,
  (30000000000000 + w.technician_id - 1)::text, w.employer_id, 'card', CASE j WHEN 1 THEN 'in' ELSE 'out' END,
  upper(lpad(to_hex(w.technician_id - 1), 16, '0')), lpad(to_hex(w.id), 16, '0') || lpad(j::text, 16, '0'),
  CASE j WHEN 1 THEN w.first_in ELSE w.last_out END,
  CASE j WHEN 1 THEN w.first_in ELSE w.last_out END + ({h("w.id * 2 + j", 12)} % 30) * interval '1 second',
  w.work_date, 'accepted', w.trade, w.position
FROM work_record_{part} w, generate_series(1, 2) j""")
            await c.execute(
                f"INSERT INTO tap_source_key (source_key, work_date) SELECT source_key, work_date FROM tap_{part}"
            )
            await c.execute(
                f"INSERT INTO tap_challenge (card_serial, challenge, work_date) "
                f"SELECT card_serial, challenge, work_date FROM tap_{part}"
            )
            print(f"S={scale}: month {m} loaded at {time.perf_counter() - t0:.0f} s", flush=True)
        finally:
            await c.close()

    sem = asyncio.Semaphore(jobs)

    async def limited(fn, *a):
        async with sem:
            await fn(*a)

    await asyncio.gather(*(limited(month, m, lo, hi) for m, lo, hi in month_ranges(days)))

    # Keys and indexes built in bulk, a table per connection; then the foreign keys (validated) and statistics.
    async def build(statements: list[str]) -> None:
        c = await asyncpg.connect(f"{PG}/{name}")
        try:
            await c.execute("SET maintenance_work_mem = '512MB'")
            for sql in statements:
                await c.execute(sql)
        finally:
            await c.close()

    groups = {t: [s for s in keys if f" {t} " in s or f" public.{t} " in s] for t in BULK_TABLES}
    await asyncio.gather(*(limited(build, g) for g in groups.values()))
    conn = await asyncpg.connect(f"{PG}/{name}")
    for sql in fks:
        await conn.execute(sql)
    await conn.execute("ALTER TABLE tap ENABLE TRIGGER tap_claim_keys")
    for table in ("work_record", "tap"):
        await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    print(f"S={scale}: indexes and keys built at {time.perf_counter() - t0:.0f} s", flush=True)
    await conn.execute("VACUUM ANALYZE")
    loaded = {
        "technicians": nt,
        "firms": nf,
        "sites": ns,
        "records": await conn.fetchval("SELECT count(*) FROM work_record"),
        "taps": await conn.fetchval("SELECT count(*) FROM tap"),
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
        out["earlier_closes_s"] = []
        # July: the first close that invoices the site usage carried since January (a site's month is below the
        # carry-forward threshold, so its charges wait up to six months), as every later month's close does.
        closing = date(YEAR, 7, 1)
        for m in range(1, closing.month):
            t0 = time.perf_counter()
            await run_close(period=date(YEAR, m, 1), issued_on=date(YEAR, m + 1, 1))
            out["earlier_closes_s"].append(round(time.perf_counter() - t0, 1))
            print(f"S={scale}: closed {YEAR}-{m:02d} in {out['earlier_closes_s'][-1]} s", flush=True)
        t0 = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            pr = cProfile.Profile()
            pr.enable()
        closed = await run_close(period=closing, issued_on=date(YEAR, 8, 1))
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


async def read_rounds(scales: list[float], n_samples: int, rounds: int) -> dict:
    """The per-entity reads again on kept databases (--keep), the scales taking turns: `rounds` rounds, each timing
    a share of every scale's entities (the same ones measure drew), so that both scales see the same load on a
    shared machine and their ratio says something about the data, not about the neighbours."""
    from tortoise import connections

    from api import db
    from api.billing.invoices import list_for
    from api.businesses.models import Business
    from api.registration.models import Technician
    from api.reports.service import career, worker_roster
    from api.settings import Settings
    from api.sites.models import Site
    from api.workrecords.models import WorkRecord

    times: dict = {s: {k: [] for k in READS} for s in scales}
    operator = SimpleNamespace(role=None)
    for r in range(rounds):
        for scale in scales:
            await db.init(
                Settings(DATABASE_URL=f"{PG}/{db_name(scale)}", OPENCCUS_DATA_KEY=KEY, OPENCCUS_VAR_DIR="/tmp")
            )
            try:
                conn = connections.get("default")
                rnd = random.Random(22)
                tech_ids = [x["id"] for x in await conn.execute_query_dict("SELECT id FROM technician")]
                site_ids = [x["id"] for x in await conn.execute_query_dict("SELECT id FROM site")]
                firm_ids = [x["id"] for x in await conn.execute_query_dict("SELECT id FROM business")]
                techs = await Technician.filter(id__in=rnd.sample(tech_ids, min(n_samples, len(tech_ids))))
                sites = await Site.filter(id__in=rnd.sample(site_ids, min(n_samples, len(site_ids))))
                firms = rnd.sample(firm_ids, min(n_samples, len(firm_ids)))

                async def site_month(site):
                    await WorkRecord.filter(
                        site=site, work_date__gte=date(YEAR, 6, 1), work_date__lt=date(YEAR, 7, 1)
                    ).order_by("work_date")

                async def roster(site, conn=conn):
                    row = await conn.execute_query_dict(
                        "SELECT employer_id FROM roster_entry WHERE site_id = $1 LIMIT 1", [site.id]
                    )
                    employer = await Business.get(id=row[0]["employer_id"] if row else site.prime_id)  # type: ignore[attr-defined]
                    await worker_roster(site=site, employer=employer)

                readers = {
                    "career_ms": (lambda t: career(tech=t), techs),
                    "site_month_ms": (site_month, sites),
                    "worker_roster_ms": (roster, sites),
                    "invoice_list_ms": (lambda b: list_for(actor=operator, business_id=b), firms),
                }
                for k, (fn, entities) in readers.items():
                    for e in entities[r::rounds]:
                        t0 = time.perf_counter()
                        await fn(e)
                        times[scale][k].append((time.perf_counter() - t0) * 1000)
            finally:
                await db.close()
        print(f"round {r + 1} of {rounds} done", flush=True)
    return {s: {k: {"p50": statistics.median(v), "p95": pct(v, 0.95)} for k, v in m.items()} for s, m in times.items()}


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
    if args.reads:  # the per-entity reads of kept databases, the scales taking turns
        got = await read_rounds(sorted(args.reads), args.samples, args.rounds)
        for scale, m in got.items():
            for k in READS:
                print(f"S={scale}  {k[:-3]:15} p50 {m[k]['p50']:8.1f} ms   p95 {m[k]['p95']:8.1f} ms")
        results.update(got)
        if args.json:
            _write(args.json, {str(k): v for k, v in results.items()})
    for path in args.compare or []:  # figures of earlier runs (--json), e.g. each scale run on its own
        got = _read(path)
        results.update({float(k): v for k, v in got.items()})
    for scale in sorted(args.scale or []):
        loaded = await load(scale, args.jobs)
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
    p.add_argument(
        "--reads", type=float, action="append", help="only the per-entity reads of a kept scale (repeatable)"
    )
    p.add_argument("--rounds", type=int, default=5, help="with --reads: rounds in which the scales take turns")
    p.add_argument("--jobs", type=int, default=2, help="connections loading months in parallel")
    p.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    asyncio.run(main(p.parse_args()))
