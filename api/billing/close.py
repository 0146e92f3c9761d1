"""The monthly close: derive the month's renewals and 現場利用料, then invoice every business whose pending charges
reach the carry-forward threshold (or have waited six months), in set-based statements on PostgreSQL and SQLite.

Once at the database level, under concurrency too: closes are serialised by a database lock (pg_advisory_xact_lock
in every close transaction); each work record is charged at most once, ever (charged_work_record is keyed by the work
record's id); renewal charges have unique natural keys; a business has at most one monthly invoice per period (a
unique key), and numbers come from the locked gap-free counter. Running a period again makes nothing new.

Work records that arrive after a close (late taps, direct input approved next month) are not yet in
charged_work_record, so the next close charges them, never an invoice already issued. A charged record that a late
tap re-pairs into another shift hands its claim to that shift's record in the fold (api/workrecords/fold.py), so the
shift is not charged again. A month that has not ended
(Japan time) cannot be closed, nor a month after an earlier one still open (check_period).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise import connections
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api.billing import numbering
from api.fees import tariffs
from api.billing.models import BillingRun
from api.billing.periods import due_on, month_end, month_start
from api.timeutil import add_months
from api.errors import Conflict
from api.sql import execute, fetch, is_pg, month_start_expr
from api.timeutil import today_jst
from api.db import CLOSE_LOCK_KEY

log = logging.getLogger("openccus.billing")

CHUNK_BUSINESSES = 50_000  # businesses per invoicing transaction: progress survives a crash, no huge transaction
USAGE_LOOKBACK_MONTHS = 12  # work records older than this at the close are not billed (direct input closes sooner)
MAX_CARRY_MONTHS = 6  # invoice_math.carry_forward: billed at the latest at the seventh close
RENEWAL_TERMS = {"business_registration": 60, "admin_id": 12}
SYSTEM_START = date(2019, 4, 1)

_CHARGE_COLUMNS = (
    "business_id, technician_id, fee_type, variant, label, source_key, event_date, site_id, work_month, "
    "quantity, unit_price_yen, amount_yen, tax_rate_percent, tariff_valid_from, counted_in, invoice_id, "
    "created_at"
)


@dataclass
class CloseResult:
    period: date
    usage_charges: int = 0
    renewal_charges: int = 0
    invoices: int = 0
    invoiced_yen: int = 0
    carried_businesses: int = 0


class _Casts:
    """Typed placeholders and literals: asyncpg needs types for parameters in a SELECT list, SQLite must not get
    CAST(... AS DATE) (it would turn the text into a number)."""

    def __init__(self, conn: Any):
        pg = is_pg(conn)
        self.date = "CAST(? AS DATE)" if pg else "?"
        self.ts = "CAST(? AS TIMESTAMPTZ)" if pg else "?"
        self.int = "CAST(? AS BIGINT)"
        self.text = "CAST(? AS TEXT)"
        self.null_int = "CAST(NULL AS BIGINT)"
        self.null_date = "CAST(NULL AS DATE)" if pg else "NULL"
        self._pg = pg

    def lit_date(self, day: date) -> str:
        return f"DATE '{day.isoformat()}'" if self._pg else f"'{day.isoformat()}'"


async def serialise(conn: Any) -> None:
    """Hold the billing-close lock until the transaction ends: every close transaction (deriving charges, each
    invoicing chunk, the run record) takes it first, so closes, whether two requests, a request and the cron job, or
    two months, run one after the other. On SQLite the database's single writer already does this."""
    if is_pg(conn):
        await fetch(conn, "SELECT pg_advisory_xact_lock(?)", [CLOSE_LOCK_KEY])


async def check_period(*, period: date, today: date | None = None) -> None:
    """A close is for a month that has ended (Japan time), and not past an earlier month that is still open: never
    closed, or its close still running, while some month before it has been closed."""
    today = today or today_jst()
    if period >= month_start(today):
        raise Conflict(
            f"{period:%Y-%m} has not ended yet (Japan time): it can be closed from {add_months(period, 1):%Y-%m-%d}.",
            code="close_month_not_ended",
        )
    previous = add_months(period, -1)
    if (
        await BillingRun.filter(period__lt=period).exists()
        and not await BillingRun.filter(period=previous, finished_at__not_isnull=True).exists()
    ):
        raise Conflict(
            f"{previous:%Y-%m} is not closed yet: close it before {period:%Y-%m}.", code="close_earlier_month_open"
        )


async def run_close(
    *, period: date, issued_on: date | None = None, at: datetime | None = None, today: date | None = None
) -> CloseResult:
    """Close `period` (the first day of a month). Safe to run again and concurrently: closes are serialised by a
    database lock, each work record is charged once (charged_work_record), renewals have unique keys, a business
    gets one monthly invoice per period, and numbers come from the locked counter."""
    issued_on = issued_on or today_jst()
    at = at or now()
    result = CloseResult(period=period)
    async with in_transaction("default"):
        conn = connections.get("default")
        await serialise(conn)
        await check_period(period=period, today=today)
        run, _ = await BillingRun.get_or_create(period=period, defaults={"started_at": at})
        result.renewal_charges = await _renewals(conn, period=period, at=at)
        result.usage_charges = await _usage(conn, period=period, at=at)
    if is_pg():
        # Fresh statistics for the invoicing statements: the charges just written can be most of the table.
        await connections.get("default").execute_script("ANALYZE charge")
    bounds = await fetch(
        connections.get("default"),
        "SELECT MIN(business_id) AS lo, MAX(business_id) AS hi FROM charge "
        "WHERE invoice_id IS NULL AND business_id IS NOT NULL AND counted_in <= ?",
        [period],
    )
    lo, hi = bounds[0]["lo"], bounds[0]["hi"]
    if lo is not None:
        threshold = tariffs.carry_forward_threshold(usage_month=period)
        for start in range(int(lo), int(hi) + 1, CHUNK_BUSINESSES):
            async with in_transaction("default"):
                conn = connections.get("default")
                await serialise(conn)
                made, yen = await _invoice_chunk(
                    conn,
                    period=period,
                    lo=start,
                    hi=start + CHUNK_BUSINESSES - 1,
                    threshold=threshold,
                    issued_on=issued_on,
                    at=at,
                )
            result.invoices += made
            result.invoiced_yen += yen
    async with in_transaction("default"):
        conn = connections.get("default")
        await serialise(conn)
        carried = await fetch(
            conn,
            "SELECT COUNT(DISTINCT business_id) AS n FROM charge WHERE invoice_id IS NULL "
            "AND business_id IS NOT NULL AND counted_in <= ?",
            [period],
        )
        result.carried_businesses = int(carried[0]["n"])
        run = await BillingRun.get(id=run.id)
        await BillingRun.filter(id=run.id).update(
            finished_at=now(),
            runs=run.runs + 1,
            usage_charges=run.usage_charges + result.usage_charges,
            renewal_charges=run.renewal_charges + result.renewal_charges,
            invoices=run.invoices + result.invoices,
            invoiced_yen=run.invoiced_yen + result.invoiced_yen,
            carried_businesses=result.carried_businesses,
        )
    log.info("billing close %s: %s", period, result)
    return result


def _anchor_months(period: date, term: int) -> list[date]:
    out, k = [], 1
    while (month := add_months(period, -term * k)) >= SYSTEM_START.replace(day=1):
        out.append(month)
        k += 1
    return out


async def _renewals(conn: Any, *, period: date, at: datetime) -> int:
    """5-yearly 事業者登録 and yearly 管理者ID renewals falling due in `period`, priced on its first day."""
    c = _Casts(conn)
    tag = period.strftime("%Y-%m")
    written = 0
    months = _anchor_months(period, RENEWAL_TERMS["admin_id"])
    if months:
        rows = {sp: tariffs.tariff_row(fee_type="admin_id", on=period, sole_proprietor=sp) for sp in (True, False)}
        marks = ", ".join(c.date for _ in months)
        sql = f"""
INSERT INTO charge ({_CHARGE_COLUMNS})
SELECT * FROM (
  SELECT a.business_id, {c.null_int}, 'admin_id',
         CASE WHEN b.sole_proprietor THEN {c.text} ELSE {c.text} END,
         '管理者ID利用料 ' || acc.login || '（更新）',
         'admin_id:' || CAST(a.account_id AS TEXT) || ':' || {c.text},
         {c.date}, {c.null_int}, {c.null_date}, 1,
         CASE WHEN b.sole_proprietor THEN {c.int} ELSE {c.int} END AS unit_price,
         CASE WHEN b.sole_proprietor THEN {c.int} ELSE {c.int} END AS amount,
         10, CASE WHEN b.sole_proprietor THEN {c.date} ELSE {c.date} END, {c.date}, {c.null_int}, {c.ts}
  FROM billing_anchor a JOIN business b ON b.id = a.business_id JOIN account acc ON acc.id = a.account_id
  WHERE a.kind = 'admin_id' AND acc.is_active AND b.status = 'approved'
    AND {month_start_expr("a.anchored_on", conn)} IN ({marks})
) x WHERE x.amount > 0
ON CONFLICT (source_key) DO NOTHING"""
        sp, std = rows[True], rows[False]
        written += await execute(
            conn,
            sql,
            [
                sp.variant,
                std.variant,
                tag,
                period,
                sp.amount_yen,
                std.amount_yen,
                sp.amount_yen,
                std.amount_yen,
                sp.valid_from,
                std.valid_from,
                period,
                at,
                *months,
            ],
        )
    months = _anchor_months(period, RENEWAL_TERMS["business_registration"])
    if months:
        cases, values = _capital_case(period, c)
        marks = ", ".join(c.date for _ in months)
        sql = f"""
INSERT INTO charge ({_CHARGE_COLUMNS})
SELECT * FROM (
  SELECT b.id, {c.null_int}, 'business_registration', v.variant, '事業者登録料（5年・更新）',
         'business_registration:' || CAST(b.id AS TEXT) || ':' || {c.text},
         {c.date}, {c.null_int}, {c.null_date}, 1, v.amount AS unit_price, v.amount AS amount, 10, v.valid_from,
         {c.date}, {c.null_int}, {c.ts}
  FROM billing_anchor a JOIN business b ON b.id = a.business_id
  JOIN ({cases}) v ON v.band = {_band_expr()}
  WHERE a.kind = 'business_registration' AND b.status = 'approved'
    AND {month_start_expr("a.anchored_on", conn)} IN ({marks})
) x WHERE x.amount > 0
ON CONFLICT (source_key) DO NOTHING"""
        written += await execute(conn, sql, [tag, period, period, at, *values, *months])
    return written


def _band_expr() -> str:
    """tariffs.capital_band in SQL: 「X以上Y未満」 bands on business.capital_yen."""
    parts = ["CASE WHEN b.sole_proprietor THEN 'sole_proprietor' WHEN b.capital_yen IS NULL THEN 'individual'"]
    for band in tariffs.CAPITAL_BANDS:
        upper = f" AND b.capital_yen < {band.max_yen}" if band.max_yen is not None else ""
        parts.append(f"WHEN b.capital_yen >= {band.min_yen}{upper} THEN '{band.code}'")
    return " ".join(parts) + " END"


def _capital_case(on: date, c: _Casts) -> tuple[str, list[Any]]:
    """A derived table (band, variant, amount, valid_from) of the 事業者登録料 in force on `on`."""
    selects, values = [], []
    bands = ["sole_proprietor", "individual", *(band.code for band in tariffs.CAPITAL_BANDS)]
    for band in bands:
        if band == "sole_proprietor":
            row = tariffs.tariff_row(fee_type="business_registration", on=on, capital_yen=None, sole_proprietor=True)
        elif band == "individual":
            row = tariffs.tariff_row(fee_type="business_registration", on=on, capital_yen=None, sole_proprietor=False)
        else:
            lower = next(b.min_yen for b in tariffs.CAPITAL_BANDS if b.code == band)
            row = tariffs.tariff_row(fee_type="business_registration", on=on, capital_yen=lower, sole_proprietor=False)
        selects.append(f"SELECT {c.text} AS band, {c.text} AS variant, {c.int} AS amount, {c.date} AS valid_from")
        values += [band, row.variant, row.amount_yen, row.valid_from]
    return " UNION ALL ".join(selects), values


async def _usage(conn: Any, *, period: date, at: datetime) -> int:
    """現場利用料 for every work record not charged before, per site × work month × tariff version, charged to the
    site's prime.

    Each work record is charged at most once, ever: it is first claimed in charged_work_record, whose primary key is
    the work record's id (INSERT … ON CONFLICT DO NOTHING), and only the rows this close claimed are priced into its
    charges. Two closes, of one month or of two, can never both charge a record, whatever the lock does.

    Records on a training site (CCUS登録教育訓練機関, api/sites/training.py) are never charged: the operator (CCUS事業本部)
    bears that 現場利用料 itself, so no firm — not the site's 元請, not the trainee's employer — is invoiced for it."""
    c = _Casts(conn)
    first = add_months(period, -USAGE_LOOKBACK_MONTHS)
    last = month_end(period)
    versions = [
        r
        for r in tariffs.load_tariffs()
        if r.fee_type == "site_usage" and r.valid_from <= last and (r.valid_to is None or r.valid_to >= first)
    ]
    if not versions:
        return 0
    versions.sort(key=lambda r: r.valid_from, reverse=True)
    vfrom = (
        "CASE "
        + " ".join(f"WHEN w.work_date >= {c.lit_date(r.valid_from)} THEN {c.lit_date(r.valid_from)}" for r in versions)
        + " END"
    )
    price = (
        "CASE "
        + " ".join(f"WHEN w.work_date >= {c.lit_date(r.valid_from)} THEN {r.amount_yen}" for r in versions)
        + " END"
    )
    month = month_start_expr("w.work_date", conn)
    run = f"{period.strftime('%Y-%m')}@{at.strftime('%Y%m%dT%H%M%S%f')}"  # one close: its charges' keys
    # The unclaimed records are listed first, then claimed, in two statements: one statement that read
    # charged_work_record (NOT EXISTS) while inserting into it let the planner, seeing the table empty (the first
    # close of a database, or of a freshly loaded one), probe it with a sequential scan per record — a scan that
    # re-reads every row the statement has written so far: quadratic (40 s for 30 k records, hours for a national
    # month). Listed apart, the probe reads the table as it was, and the claim only writes.
    await conn.execute_script(
        "CREATE TEMP TABLE close_claim (id BIGINT, site_id BIGINT, wm DATE, vfrom DATE, price BIGINT)"
        + (" ON COMMIT DROP" if is_pg(conn) else "")
    )
    try:
        await execute(
            conn,
            f"""
INSERT INTO close_claim (id, site_id, wm, vfrom, price)
SELECT w.id, w.site_id, {month}, {vfrom}, {price}
FROM work_record w
WHERE w.work_date >= ? AND w.work_date <= ?
  AND NOT EXISTS (SELECT 1 FROM charged_work_record k WHERE k.work_record_id = w.id)
  AND NOT EXISTS (SELECT 1 FROM lump_sum_site l WHERE l.site_id = w.site_id)
  AND NOT EXISTS (SELECT 1 FROM site t WHERE t.id = w.site_id AND t.kind = 'training')""",
            [first, last],
        )
        claimed = await execute(
            conn,
            f"""
INSERT INTO charged_work_record (work_record_id, site_id, work_month, tariff_valid_from, unit_price_yen, charge_key,
                                 charged_at)
SELECT x.id, x.site_id, x.wm, x.vfrom, x.price,
       'usage:' || CAST(x.site_id AS TEXT) || ':' || CAST(x.wm AS TEXT) || ':' || CAST(x.vfrom AS TEXT) || ':'
         || {c.text},
       {c.ts}
FROM close_claim x
WHERE x.vfrom IS NOT NULL
ON CONFLICT (work_record_id) DO NOTHING""",
            [run, at],
        )
    finally:
        if not is_pg(conn):
            await conn.execute_script("DROP TABLE close_claim")
    if not claimed:
        return 0
    made = await execute(
        conn,
        f"""
INSERT INTO charge ({_CHARGE_COLUMNS})
SELECT s.prime_id, {c.null_int}, 'site_usage', 'any', '現場利用料 現場ID ' || s.site_id, k.charge_key,
       CASE WHEN k.tariff_valid_from > k.work_month THEN k.tariff_valid_from ELSE k.work_month END, k.site_id,
       k.work_month, COUNT(*), k.unit_price_yen, COUNT(*) * k.unit_price_yen, 10, k.tariff_valid_from, {c.date},
       {c.null_int}, {c.ts}
FROM charged_work_record k JOIN site s ON s.id = k.site_id
WHERE k.charge_id IS NULL
GROUP BY s.prime_id, s.site_id, k.charge_key, k.site_id, k.work_month, k.tariff_valid_from, k.unit_price_yen""",
        [period, at],
    )
    await execute(
        conn,
        """
UPDATE charged_work_record
SET charge_id = (SELECT c.id FROM charge c WHERE c.source_key = charged_work_record.charge_key)
WHERE charge_id IS NULL""",
        [],
    )
    return made


async def _invoice_chunk(
    conn: Any, *, period: date, lo: int, hi: int, threshold: int, issued_on: date, at: datetime
) -> tuple[int, int]:
    """Invoice the businesses lo..hi (ids) that are due, numbering them in business order after the counter."""
    c = _Casts(conn)
    year = issued_on.year
    base = await numbering.lock(conn, series="INV", year=year)
    oldest_allowed = add_months(period, -MAX_CARRY_MONTHS)
    pending = """SELECT business_id,
                   CAST(SUM(CASE WHEN tax_rate_percent = 10 THEN amount_yen ELSE 0 END) AS BIGINT) AS t10,
                   CAST(SUM(CASE WHEN tax_rate_percent = 8 THEN amount_yen ELSE 0 END) AS BIGINT) AS t8,
                   MIN(counted_in) AS oldest
            FROM charge WHERE invoice_id IS NULL AND business_id >= ? AND business_id <= ? AND counted_in <= ?
            GROUP BY business_id"""
    sql = f"""
INSERT INTO invoice (series, year, seq, business_id, technician_id, kind, period, issued_on, due_on, total_10, tax_10,
                     total_8, tax_8, total_yen, tax_yen, credited_yen, paid_yen, status, created_at)
SELECT 'INV', {c.int}, {c.int} + ROW_NUMBER() OVER (ORDER BY g.business_id), g.business_id, {c.null_int}, 'monthly',
       {c.date}, {c.date}, {c.date}, g.t10, g.t10 * 10 / 110, g.t8, g.t8 * 8 / 108, g.t10 + g.t8,
       g.t10 * 10 / 110 + g.t8 * 8 / 108, 0, 0, 'open', {c.ts}
FROM ({pending}) g
WHERE g.t10 + g.t8 > 0 AND (g.t10 + g.t8 >= ? OR g.oldest <= ?)
  AND NOT EXISTS (SELECT 1 FROM invoice i WHERE i.business_id = g.business_id AND i.period = ? AND i.kind = 'monthly')"""
    made = await execute(
        conn,
        sql,
        [year, base, period, issued_on, due_on(issued_on), at, lo, hi, period, threshold, oldest_allowed, period],
    )
    if not made:
        return 0, 0
    await numbering.advance(conn, series="INV", year=year, count=made)
    if is_pg(conn):
        await conn.execute_script("ANALYZE invoice")  # the rows just inserted, for the joins below
    new = "SELECT id FROM invoice WHERE series = 'INV' AND year = ? AND seq > ? AND seq <= ?"
    span = [year, base, base + made]
    if is_pg(conn):
        assign = """UPDATE charge SET invoice_id = i.id FROM invoice i
                     WHERE i.series = 'INV' AND i.year = ? AND i.seq > ? AND i.seq <= ?
                       AND charge.business_id = i.business_id AND charge.invoice_id IS NULL AND charge.counted_in <= ?"""
    else:
        assign = f"""UPDATE charge SET invoice_id = i.id FROM ({new.replace("SELECT id", "SELECT id, business_id")}) i
                     WHERE charge.business_id = i.business_id AND charge.invoice_id IS NULL AND charge.counted_in <= ?"""
    await execute(conn, assign, [*span, period])
    await execute(
        conn,
        f"""
INSERT INTO invoice_line (invoice_id, fee_type, label, site_id, unit_price_yen, quantity, amount_yen, tax_rate_percent)
SELECT invoice_id, fee_type, label, site_id, unit_price_yen, SUM(quantity), SUM(amount_yen), tax_rate_percent
FROM charge WHERE invoice_id IN ({new})
GROUP BY invoice_id, fee_type, label, site_id, unit_price_yen, tax_rate_percent
ORDER BY invoice_id, MIN(id)""",
        span,
    )
    # The totals were computed from the same charges the UPDATE just assigned; check it, and roll back if a
    # concurrent writer slipped a charge in between (never observed, but an invoice must equal its lines).
    check = await fetch(
        conn,
        f"""
SELECT (SELECT COALESCE(SUM(total_yen), 0) FROM invoice WHERE series = 'INV' AND year = ? AND seq > ? AND seq <= ?) AS t,
       (SELECT COALESCE(SUM(amount_yen), 0) FROM invoice_line WHERE invoice_id IN ({new})) AS l,
       (SELECT COUNT(DISTINCT invoice_id) FROM invoice_line WHERE invoice_id IN ({new})) AS n""",
        [*span, *span, *span],
    )
    if int(check[0]["t"]) != int(check[0]["l"]) or int(check[0]["n"]) != made:
        raise RuntimeError(f"invoices {span} do not equal their lines ({check[0]}); the chunk is rolled back")
    return made, int(check[0]["t"])
