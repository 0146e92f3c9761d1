"""Monthly partitions of the history tables (tap, work_record) on PostgreSQL: created ahead by a scheduled job, and
old months detached and archived by `openccus partitions detach` (docs/partitions.md).

The partitioned tables, their key tables and the SQL function that makes a month's partition come from migration
0024_partitions; this module only calls that function and lists, detaches and archives. On SQLite (the embedded
default) the tables are plain and everything here is a no-op.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tortoise import connections

from api.timeutil import today_jst

TABLES = ("tap", "work_record")
AHEAD_MONTHS = 3  # a month's partition exists at least three months before its first tap
# The youngest month that may be detached: older than the late-upload and correction windows, the billing close of
# its month and the 経審 fiscal year's reports. Work records count towards levels over a whole career, so detaching
# work_record months is a separate choice (docs/partitions.md).
MIN_AGE_MONTHS = 13
_NAME = re.compile(r"^(tap|work_record)_(\d{4})_(\d{2})$")


class PartitionError(Exception):
    """A detach the rules refuse (too recent a month, an archive that failed)."""


@dataclass(frozen=True)
class Partition:
    table: str  # the parent: tap or work_record
    name: str  # tap_2026_12, or tap_default
    month: date | None  # first day of its month; None for the default partition
    rows: int  # the planner's estimate (exact after ANALYZE)
    bytes: int  # table and indexes


def month_add(month: date, k: int) -> date:
    n = month.year * 12 + month.month - 1 + k
    return date(n // 12, n % 12 + 1, 1)


def _pg() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


async def ensure_ahead(*, today: date | None = None, ahead: int = AHEAD_MONTHS) -> list[str]:
    """Make the partitions of last month through `ahead` months from now, where missing. Idempotent; returns the names
    made. Two runs at once: the second's CREATE TABLE waits or fails on the name, and the next run finds it made."""
    if not _pg():
        return []
    this = (today or today_jst()).replace(day=1)
    made = []
    for k in range(-1, ahead + 1):
        month = month_add(this, k)
        for table in TABLES:
            async with _transaction() as tx:
                # Two runs at once (arq's cron is no lock): the second waits, then finds the partition made.
                await tx.execute_query("SELECT pg_advisory_xact_lock(hashtext('openccus_partitions'))")
                rows = await tx.execute_query_dict("SELECT openccus_month_partition($1, $2) AS made", [table, month])
            if rows[0]["made"]:
                made.append(f"{table}_{month:%Y_%m}")
    return made


def _transaction():
    from tortoise.transactions import in_transaction

    return in_transaction("default")


async def partitions() -> list[Partition]:
    """Every partition of tap and work_record, oldest month first (the default partition last)."""
    if not _pg():
        return []
    rows = await connections.get("default").execute_query_dict(
        """
SELECT p.relname AS parent, c.relname AS name, c.reltuples::bigint AS rows, pg_total_relation_size(c.oid) AS bytes
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
WHERE p.relname = ANY($1::text[])
ORDER BY p.relname, c.relname""",
        [list(TABLES)],
    )
    out = []
    for r in rows:
        m = _NAME.match(r["name"])
        out.append(
            Partition(
                table=r["parent"],
                name=r["name"],
                month=date(int(m[2]), int(m[3]), 1) if m else None,
                rows=max(int(r["rows"]), 0),
                bytes=int(r["bytes"]),
            )
        )
    return sorted(out, key=lambda p: (p.table, p.month or date.max))


@dataclass(frozen=True)
class Detached:
    name: str
    archive: Path | None  # the pg_dump file, when archived
    dropped: bool


async def detach(
    *,
    before: date,
    tables: tuple[str, ...] = ("tap",),
    archive_dir: Path | None = None,
    dsn: str | None = None,
    drop: bool = False,
    today: date | None = None,
) -> list[Detached]:
    """Detach the month partitions of `tables` older than `before` (the first of a month). Each is detached in its
    own transaction; with `archive_dir`, written by pg_dump (custom format: schema and rows) to
    <archive_dir>/<name>.dump; with `drop`, dropped once archived. A detached partition leaves every query at once;
    its keys stay in tap_source_key / tap_challenge, so a re-sent old tap is still refused."""
    if not _pg():
        raise PartitionError("partitions exist on PostgreSQL only")
    youngest = month_add((today or today_jst()).replace(day=1), -MIN_AGE_MONTHS)
    if before > month_add(youngest, 1):
        limit = month_add(youngest, 1)
        raise PartitionError(f"months after {youngest:%Y-%m} are still in use: --before {limit:%Y-%m} at the latest")
    if drop and archive_dir is None:
        raise PartitionError("--drop needs --archive-dir: a partition is dropped only once archived")
    if archive_dir is not None and (dsn is None or shutil.which("pg_dump") is None):
        raise PartitionError("archiving needs pg_dump on the PATH and the database URL")
    done = []
    for p in await partitions():
        if p.table not in tables or p.month is None or p.month >= before:
            continue
        async with _transaction() as tx:
            await tx.execute_query("SELECT pg_advisory_xact_lock(hashtext('openccus_partitions'))")
            await tx.execute_script(f'ALTER TABLE "{p.table}" DETACH PARTITION "{p.name}"')
        archive = None
        if archive_dir is not None:
            archive = archive_dir / f"{p.name}.dump"
            _dump(dsn or "", p.name, archive)
        if drop:
            async with _transaction() as tx:
                await tx.execute_script(f'DROP TABLE "{p.name}"')
        done.append(Detached(name=p.name, archive=archive, dropped=drop))
    return done


def _dump(dsn: str, table: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    got = subprocess.run(
        ["pg_dump", "--format=custom", f"--table=public.{table}", f"--file={path}", _libpq_url(dsn)],
        capture_output=True,
        text=True,
        check=False,
    )
    if got.returncode != 0:
        raise PartitionError(f"pg_dump of {table} failed (it stays detached, not dropped): {got.stderr.strip()}")


def _libpq_url(dsn: str) -> str:
    """DATABASE_URL as libpq reads it (tortoise's postgres:// and asyncpg:// schemes are not libpq's)."""
    return re.sub(r"^[a-z+]+://", "postgresql://", dsn)
