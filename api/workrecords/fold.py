"""The work-record fold: accepted taps → one 就業履歴 per technician × site × work day, as one set-based statement
per (site, day range) chunk that runs the same on PostgreSQL and SQLite.

First entry is the earliest tap that is not an exit; last exit is the latest tap that is not an entry, and only when
it is later than the first entry: a single tap leaves the exit empty (the nightly close flags it, never invents it).
Trade, position and work content come from the roster entry (or, for API pushes, from the tap itself); the employer
from the tap and its tier from the contract tree. Records made from an approved direct input are left alone.
"""

from __future__ import annotations

from datetime import date, datetime

from tortoise import connections

from api import sql

_FOLD = """
INSERT INTO work_record (technician_id, site_id, work_date, first_in, last_out, employer_id, tier, trade, position,
                         work_content, method, taps, missing_exit, folded_at)
SELECT t.technician_id, t.site_id, t.work_date,
       MIN(CASE WHEN t.direction IS NULL OR t.direction = 'in' THEN t.device_time END),
       CASE WHEN MAX(CASE WHEN t.direction IS NULL OR t.direction = 'out' THEN t.device_time END)
                 > MIN(CASE WHEN t.direction IS NULL OR t.direction = 'in' THEN t.device_time END)
            THEN MAX(CASE WHEN t.direction IS NULL OR t.direction = 'out' THEN t.device_time END) END,
       MAX(t.employer_id), MAX(c.tier),
       COALESCE(MAX(r.trade), MAX(t.trade)), COALESCE(MAX(r.position), MAX(t.position)),
       COALESCE(MAX(r.work_content), MAX(t.work_content)),
       CASE WHEN COUNT(DISTINCT t.method) > 1 THEN 'mixed' ELSE MAX(t.method) END,
       COUNT(*), {false}, ?
FROM tap t
LEFT JOIN roster_entry r ON r.site_id = t.site_id AND r.technician_id = t.technician_id
LEFT JOIN site_contract c ON c.site_id = t.site_id AND c.business_id = t.employer_id AND c.status = 'approved'
WHERE t.site_id >= ? AND t.site_id <= ? AND t.work_date >= ? AND t.work_date <= ? AND t.status = 'accepted'
GROUP BY t.technician_id, t.site_id, t.work_date
ON CONFLICT (technician_id, site_id, work_date) DO UPDATE SET
    first_in = excluded.first_in, last_out = excluded.last_out, employer_id = excluded.employer_id,
    tier = excluded.tier, trade = excluded.trade, position = excluded.position, work_content = excluded.work_content,
    method = excluded.method, taps = excluded.taps,
    missing_exit = CASE WHEN excluded.last_out IS NULL THEN work_record.missing_exit ELSE {false} END,
    folded_at = excluded.folded_at
WHERE work_record.method <> 'direct'
"""


async def fold_chunk(*, site_lo: int, site_hi: int, first: date, last: date, at: datetime) -> int:
    """Fold the taps of sites site_lo..site_hi (by id) for work days first..last, all inclusive. Idempotent: folding
    again gives the same rows. Returns the number of records written."""
    return await sql.execute(connections.get("default"), _FOLD, [at, site_lo, site_hi, first, last])


async def fold_site_days(*, site_id: int, first: date, last: date, at: datetime) -> int:
    return await fold_chunk(site_lo=site_id, site_hi=site_id, first=first, last=last, at=at)
