"""The (site, work day) marks the fold redoes (table `fold_dirty`): set in the transaction that stores or releases
taps, read by api/workrecords/service.fold_dirty."""

from __future__ import annotations

from api import sql


async def mark_dirty(conn, pairs) -> None:
    """Mark (site_id, date) pairs for the next fold, in the caller's transaction (the one that stored or released
    the taps). Sorted, so two transactions take the marks' row locks in the same order."""
    pairs = sorted(set(pairs))
    for i in range(0, len(pairs), 5000):
        part = pairs[i : i + 5000]
        await sql.execute(
            conn,
            "INSERT INTO fold_dirty (site_id, work_date, version) VALUES "
            + ", ".join("(?, ?, 1)" for _ in part)
            + " ON CONFLICT (site_id, work_date) DO UPDATE SET version = fold_dirty.version + 1",
            [v for pair in part for v in pair],
        )
