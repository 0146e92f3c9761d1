"""The work-record fold: accepted taps → one 就業履歴 per technician × site × work day, set-based, the same SQL on
PostgreSQL and SQLite (window functions), per (site range, day range) chunk. The rule is docs/workrecords.md:

* A shift belongs to the Japan date of its entry (入場). An entry ('in') always opens a shift.
* An exit ('out') closes the shift of the tap just before it (the open entry, or a tap that paired with it) when that
  shift started at most the site's `shift_hours` earlier; otherwise it is a lone exit.
* A tap without a direction (a card tap) pairs with a neighbour as first and last of one shift: it closes the shift
  of the tap before it when both prefer each other — the gap between them is within `shift_hours`, no shorter than
  the gap to the tap after it, and the tap before did not itself pair backwards. Otherwise it opens a shift. (So
  20:00 → 05:30 is one shift, and a forgotten exit followed by the next morning's tap does not chain days together.)
* An undirected tap within REPEAT_MINUTES of the tap before it (a repeat), or between an entry and the exit that
  closes it (an 'in' and the next 'out' within the shift length, no other entry between), joins the shift of the tap before it and pairs with nothing.
* Taps are grouped by (technician, site, shift date): first entry is the earliest opening tap, last exit the latest
  closing (or undirected) tap after it. A lone exit joins the record of its own date when there is one; otherwise it
  is kept in `lone_exit`, shown to the site and never made into a work day.

Every decision looks at no more than three taps before and one after, so a chunk reads its days with a few days of
context on each side (CONTEXT_BEFORE / CONTEXT_AFTER, for shift lengths up to MAX_SHIFT_HOURS) and the result of a
day never depends on how the days were chunked. A chunk runs in one transaction under a fold lock (an advisory lock on
PostgreSQL), so two folds never interleave and the later one always writes from the newer taps.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from tortoise.transactions import in_transaction

from api import sql

log = logging.getLogger("openccus.workrecords")

MAX_SHIFT_HOURS = 36
REPEAT_MINUTES = 10  # an undirected tap this soon after the one before is the same person tapping again
CONTEXT_BEFORE = timedelta(days=5)  # three taps back, each at most MAX_SHIFT_HOURS apart when they matter
CONTEXT_AFTER = timedelta(days=3)  # a shift's last exit (≤ MAX_SHIFT_HOURS later) and the tap after it
FOLD_LOCK = 7_340_221  # pg_advisory_xact_lock key of the fold


def _hours(a: str, b: str, pg: bool) -> str:
    """a − b in hours."""
    if pg:
        return f"(EXTRACT(EPOCH FROM ({a} - {b})) / 3600.0)"
    return f"((julianday({a}) - julianday({b})) * 24.0)"


def _classify(pg: bool) -> str:
    """Each accepted tap of the chunk's sites and context days, with its shift date (`anchor`) and `lone` flag."""
    gp, gn, gq = (
        _hours("device_time", "p_time", pg),
        _hours("n_time", "device_time", pg),
        _hours("p_time", "q_time", pg),
    )
    # P (the tap before) wants to pair forwards: it is an entry, or an undirected tap that does not pair backwards.
    p_wants_next = (
        f"(p_dir = 'in' OR (p_dir IS NULL AND NOT (q_time IS NOT NULL AND COALESCE(q_dir, '') <> 'out' "
        f"AND {gq} <= lim AND {gq} <= {gp})))"
    )
    # This undirected tap wants to pair backwards: P is no exit, is near enough, and nearer than the tap after.
    wants_prev = (
        f"(p_time IS NOT NULL AND COALESCE(p_dir, '') <> 'out' AND {gp} <= lim "
        f"AND (n_time IS NULL OR n_dir IS NOT NULL OR {gp} <= {gn}))"
    )
    closes = f"(direction IS NULL AND {wants_prev} AND {p_wants_next})"
    gopen = _hours("device_time", "p_open", pg)
    rep = _hours("t.device_time", "LAG(t.device_time) OVER w", pg)
    last_in = "MAX(CASE WHEN t.direction = 'in' THEN t.device_time END) OVER w"
    last_out = "MAX(CASE WHEN t.direction = 'out' THEN t.device_time END) OVER w"
    next_in = "MIN(CASE WHEN t.direction = 'in' THEN t.device_time END) OVER ahead"
    next_out = "MIN(CASE WHEN t.direction = 'out' THEN t.device_time END) OVER ahead"
    span = _hours(next_out, last_in, pg)
    return f"""
WITH tt AS (
  SELECT t.id, t.technician_id, t.site_id, t.work_date, t.device_time, t.direction, t.method, t.employer_id, t.trade,
         t.position, t.work_content, s.shift_hours AS lim,
         CASE WHEN t.direction IS NULL AND ({rep} * 60 < {REPEAT_MINUTES}
                   OR ({last_in} IS NOT NULL AND ({last_out} IS NULL OR {last_out} < {last_in})
                       AND {next_out} IS NOT NULL AND {span} <= s.shift_hours
                       AND ({next_in} IS NULL OR {next_in} > {next_out}))) THEN 1 ELSE 0 END AS rep
  FROM tap t JOIN site s ON s.id = t.site_id
  WHERE t.site_id >= ? AND t.site_id <= ? AND t.work_date >= ? AND t.work_date <= ? AND t.status = 'accepted'
    AND t.technician_id IS NOT NULL
    AND (t.work_date >= ? AND t.work_date <= ? OR (t.technician_id, t.site_id) IN (
        SELECT x.technician_id, x.site_id FROM tap x
        WHERE x.site_id >= ? AND x.site_id <= ? AND x.work_date >= ? AND x.work_date <= ? AND x.status = 'accepted'))
  WINDOW w AS (PARTITION BY t.technician_id, t.site_id ORDER BY t.device_time, t.id),
         ahead AS (PARTITION BY t.technician_id, t.site_id ORDER BY t.device_time, t.id
                   ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
), b AS (
  SELECT tt.*, LAG(device_time) OVER w AS p_time, LAG(direction) OVER w AS p_dir, LAG(work_date) OVER w AS p_date,
         LAG(device_time, 2) OVER w AS q_time, LAG(direction, 2) OVER w AS q_dir,
         LEAD(device_time) OVER w AS n_time, LEAD(direction) OVER w AS n_dir
  FROM tt WHERE rep = 0
  WINDOW w AS (PARTITION BY technician_id, site_id ORDER BY device_time, id)
), c AS (
  SELECT b.*, CASE WHEN {closes} THEN p_date ELSE work_date END AS anchor,
         CASE WHEN {closes} THEN p_time ELSE device_time END AS open_time
  FROM b
), d AS (
  SELECT c.*, LAG(anchor) OVER w AS p_anchor, LAG(open_time) OVER w AS p_open
  FROM c WINDOW w AS (PARTITION BY technician_id, site_id ORDER BY device_time, id)
), e AS (
  SELECT id,
         CASE WHEN direction = 'out' AND (p_time IS NULL OR COALESCE(p_dir, '') = 'out' OR {gopen} > lim) THEN 1 ELSE 0
         END AS lone,
         CASE WHEN direction = 'out' AND p_time IS NOT NULL AND COALESCE(p_dir, '') <> 'out' AND {gopen} <= lim
              THEN p_anchor ELSE anchor END AS anchor
  FROM d
), f AS (
  -- A skipped undirected tap (a repeat, or one inside an open entry) follows the shift of the tap before it.
  SELECT tt.*, e.lone AS e_lone, e.anchor AS e_anchor,
         COUNT(e.id) OVER (PARTITION BY tt.technician_id, tt.site_id ORDER BY tt.device_time, tt.id) AS grp
  FROM tt LEFT JOIN e ON e.id = tt.id
)
SELECT id, technician_id, site_id, device_time, direction, method, employer_id, trade, position, work_content,
       MAX(e_lone) OVER g AS lone, MAX(e_anchor) OVER g AS anchor
FROM f WINDOW g AS (PARTITION BY technician_id, site_id, grp)"""


def classify_args(site_lo: int, site_hi: int, first: date, last: date, conn) -> list:
    """The parameters of `_classify` for a chunk: its days with their context, then the folded days themselves. The
    context days are read only for the technicians who have taps at the site on the folded days: a shift date is
    always the date of a tap that opens the shift, so nobody else can have a record or a lone exit on them."""
    days = [sql.p(first, conn), sql.p(last, conn)]
    context = [sql.p(first - CONTEXT_BEFORE, conn), sql.p(last + CONTEXT_AFTER, conn)]
    return [site_lo, site_hi, *context, *days, site_lo, site_hi, *days]


_COLUMNS = (
    "id BIGINT, technician_id BIGINT, site_id BIGINT, device_time {ts}, direction VARCHAR(3), method VARCHAR(12), "
    "employer_id BIGINT, trade VARCHAR(10), position VARCHAR(12), work_content VARCHAR(200), lone INT, "
    "anchor DATE"
)
# One scratch table per connection, emptied at each chunk (and by every commit on PostgreSQL).
_TEMP_PG = (
    f"CREATE TEMP TABLE IF NOT EXISTS fold_tap ({_COLUMNS.format(ts='TIMESTAMPTZ')}) ON COMMIT DELETE ROWS;"
    "CREATE INDEX IF NOT EXISTS fold_tap_shift ON fold_tap (technician_id, site_id, anchor)"
)
_TEMP_SQLITE = (
    f"CREATE TEMP TABLE IF NOT EXISTS fold_tap ({_COLUMNS.format(ts='TIMESTAMP')});"
    "CREATE INDEX IF NOT EXISTS temp.fold_tap_shift ON fold_tap (technician_id, site_id, anchor)"
)

_UPSERT = """
INSERT INTO work_record (technician_id, site_id, work_date, first_in, last_out, employer_id, tier, trade, position,
                         work_content, method, taps, missing_exit, folded_at)
SELECT t.technician_id, t.site_id, t.anchor,
       MIN(CASE WHEN t.lone = 0 AND (t.direction IS NULL OR t.direction = 'in') THEN t.device_time END),
       CASE WHEN MAX(CASE WHEN t.direction IS NULL OR t.direction = 'out' THEN t.device_time END)
                 > MIN(CASE WHEN t.lone = 0 AND (t.direction IS NULL OR t.direction = 'in') THEN t.device_time END)
            THEN MAX(CASE WHEN t.direction IS NULL OR t.direction = 'out' THEN t.device_time END) END,
       MAX(t.employer_id), MAX(c.tier),
       COALESCE(MAX(r.trade), MAX(t.trade)), COALESCE(MAX(r.position), MAX(t.position)),
       COALESCE(MAX(r.work_content), MAX(t.work_content)),
       CASE WHEN COUNT(DISTINCT t.method) > 1 THEN 'mixed' ELSE MAX(t.method) END,
       COUNT(*), {false}, ?
FROM fold_tap t
LEFT JOIN roster_entry r ON r.site_id = t.site_id AND r.technician_id = t.technician_id
LEFT JOIN site_contract c ON c.site_id = t.site_id AND c.business_id = t.employer_id AND c.status = 'approved'
WHERE t.anchor >= ? AND t.anchor <= ?
GROUP BY t.technician_id, t.site_id, t.anchor
HAVING SUM(1 - t.lone) > 0
ON CONFLICT (technician_id, site_id, work_date) DO UPDATE SET
    first_in = excluded.first_in, last_out = excluded.last_out, employer_id = excluded.employer_id,
    tier = excluded.tier, trade = excluded.trade, position = excluded.position, work_content = excluded.work_content,
    method = excluded.method, taps = excluded.taps,
    missing_exit = CASE WHEN excluded.last_out IS NULL THEN work_record.missing_exit ELSE {false} END,
    folded_at = excluded.folded_at
WHERE work_record.method NOT IN ('direct', 'kentaikyo') AND (
    work_record.first_in IS DISTINCT FROM excluded.first_in OR work_record.last_out IS DISTINCT FROM excluded.last_out
    OR work_record.taps IS DISTINCT FROM excluded.taps OR work_record.method IS DISTINCT FROM excluded.method
    OR work_record.employer_id IS DISTINCT FROM excluded.employer_id OR work_record.tier IS DISTINCT FROM excluded.tier
    OR work_record.trade IS DISTINCT FROM excluded.trade OR work_record.position IS DISTINCT FROM excluded.position
    OR work_record.work_content IS DISTINCT FROM excluded.work_content)
"""
# Unchanged records are not rewritten: most days a dirty mark refolds (the days around a new tap) did not change.

# A charged record that no shift starts on any more (an entry uploaded late made its only tap the exit of the night
# before) hands its charge to the record that now holds its first tap: the charge follows the shift, so the next
# close, which charges every record not in charged_work_record, does not charge that shift again. Only when the
# receiving record is not charged itself (two charged records merged into one shift: the operator settles that with a
# credit note, and the orphan stays as it was). One (old, new) pair per row: the caller moves each new record once.
_CHARGE_MOVES = """
SELECT w.id AS old_id, MIN(n.id) AS new_id
FROM work_record w
JOIN charged_work_record k ON k.work_record_id = w.id
JOIN fold_tap t ON t.technician_id = w.technician_id AND t.site_id = w.site_id AND t.lone = 0
               AND t.device_time = COALESCE(w.first_in, w.last_out)
JOIN work_record n ON n.technician_id = w.technician_id AND n.site_id = w.site_id AND n.work_date = t.anchor
WHERE w.site_id >= ? AND w.site_id <= ? AND w.work_date >= ? AND w.work_date <= ? AND w.method <> 'direct'
  AND n.id <> w.id
  AND NOT EXISTS (SELECT 1 FROM fold_tap g WHERE g.technician_id = w.technician_id AND g.site_id = w.site_id
                  AND g.anchor = w.work_date AND g.lone = 0)
  AND NOT EXISTS (SELECT 1 FROM charged_work_record c WHERE c.work_record_id = n.id)
GROUP BY w.id
ORDER BY w.id
"""
_MOVE_CHARGE = """
UPDATE charged_work_record SET work_record_id = ?
WHERE work_record_id = ? AND NOT EXISTS (SELECT 1 FROM charged_work_record c WHERE c.work_record_id = ?)
"""

# A record whose taps now belong to another shift (an earlier entry uploaded late made its only tap an exit) is
# removed — unless its 現場利用料 is still charged to it (charged_work_record; see above): such a record is never
# deleted by a refold; it stays as it was, for the operator to settle. Records from approved direct input and approved
# 建退共 candidates (method kentaikyo) are never touched.
_PRUNE = """
DELETE FROM work_record
WHERE site_id >= ? AND site_id <= ? AND work_date >= ? AND work_date <= ? AND method NOT IN ('direct', 'kentaikyo')
  AND NOT EXISTS (SELECT 1 FROM fold_tap t WHERE t.technician_id = work_record.technician_id
                  AND t.site_id = work_record.site_id AND t.anchor = work_record.work_date AND t.lone = 0)
  AND NOT EXISTS (SELECT 1 FROM charged_work_record k WHERE k.work_record_id = work_record.id)
"""

_CLEAR_LONE = "DELETE FROM lone_exit WHERE site_id >= ? AND site_id <= ? AND work_date >= ? AND work_date <= ?"
_LONE = """
INSERT INTO lone_exit (tap_id, technician_id, site_id, work_date, at)
SELECT t.id, t.technician_id, t.site_id, t.anchor, t.device_time FROM fold_tap t
WHERE t.lone = 1 AND t.anchor >= ? AND t.anchor <= ?
  AND NOT EXISTS (SELECT 1 FROM fold_tap g WHERE g.technician_id = t.technician_id AND g.site_id = t.site_id
                  AND g.anchor = t.anchor AND g.lone = 0)
"""


async def fold_chunk(*, site_lo: int, site_hi: int, first: date, last: date, at: datetime) -> int:
    """Fold the records of sites site_lo..site_hi (by id) for shift dates first..last, all inclusive. Idempotent:
    folding again gives the same rows. Returns the number of records written."""
    async with in_transaction("default") as conn:
        pg = sql.is_pg(conn)
        if pg:
            await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [FOLD_LOCK])
        await conn.execute_script(_TEMP_PG if pg else _TEMP_SQLITE)
        await conn.execute_script("DELETE FROM fold_tap")  # an outer transaction may have folded another chunk
        await conn.execute_query(
            sql.q("INSERT INTO fold_tap " + _classify(pg), conn), classify_args(site_lo, site_hi, first, last, conn)
        )
        if pg:
            await conn.execute_script("ANALYZE fold_tap")  # a scratch table has no statistics: the joins need some
        written = await sql.execute(conn, _UPSERT, [at, first, last])
        await _move_charges(conn, pg=pg, site_lo=site_lo, site_hi=site_hi, first=first, last=last)
        await sql.execute(conn, _PRUNE, [site_lo, site_hi, first, last])
        await sql.execute(conn, _CLEAR_LONE, [site_lo, site_hi, first, last])
        await sql.execute(conn, _LONE, [first, last])
        return written


async def _move_charges(conn, *, pg: bool, site_lo: int, site_hi: int, first: date, last: date) -> int:
    """Hand the charges of records no shift starts on any more to the records that now hold their shifts (rare: an
    entry uploaded late after its exit's record was charged). Returns the number of charges moved."""
    args = [site_lo, site_hi, first, last]
    if not await sql.fetch(conn, _CHARGE_MOVES, args):
        return 0
    if pg:
        # A close claims records under its own lock; hold it too, then look again, so a close committing between the
        # look and the move can neither charge the receiving record as well nor make the move collide with its claim.
        from api.db import CLOSE_LOCK_KEY

        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [CLOSE_LOCK_KEY])
    moved, taken = 0, set()
    for row in await sql.fetch(conn, _CHARGE_MOVES, args):
        old, new = int(row["old_id"]), int(row["new_id"])
        if new in taken:  # two charged records merged into one shift: only one charge can follow it
            continue
        if await sql.execute(conn, _MOVE_CHARGE, [new, old, new]):
            taken.add(new)
            moved += 1
            log.info("work record %s: its 現場利用料 charge follows its shift to record %s", old, new)
    return moved


async def fold_site_days(*, site_id: int, first: date, last: date, at: datetime) -> int:
    return await fold_chunk(site_lo=site_id, site_hi=site_id, first=first, last=last, at=at)
