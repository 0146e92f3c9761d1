"""`openccus partitions …`: the monthly partitions of tap and work_record on PostgreSQL (docs/partitions.md).

openccus partitions list                                   each partition, its rows (estimate) and size
openccus partitions ensure [--ahead N]                     make the partitions up to N months ahead (the daily job)
openccus partitions detach --before YYYY-MM [--work-records] [--archive-dir DIR [--drop]]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

from api.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    parts = sub.add_parser("partitions", help="monthly partitions of taps and work records: list, ensure, detach")
    cmd = parts.add_subparsers(dest="partitions_command", required=True)
    cmd.add_parser("list", help="each partition with its rows (estimate) and size")
    ensure = cmd.add_parser("ensure", help="make missing partitions from last month to N months ahead")
    ensure.add_argument("--ahead", type=int, default=3)
    detach = cmd.add_parser(
        "detach",
        help="detach the tap partitions of months before YYYY-MM (and archive them with pg_dump, and drop them)",
    )
    detach.add_argument("--before", required=True, help="YYYY-MM: months before it are detached")
    detach.add_argument(
        "--work-records",
        action="store_true",
        help="also detach work_record months (careers, levels and 経審 then no longer count them)",
    )
    detach.add_argument("--archive-dir", type=Path, help="write each detached partition to DIR/<name>.dump")
    detach.add_argument("--drop", action="store_true", help="drop each partition once archived")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.embedded:
        print("openccus: partitions exist on PostgreSQL only (DATABASE_URL)", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(args, settings))
    except ValueError as exc:
        print(f"openccus: {exc}", file=sys.stderr)
        return 2


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from api import db, db_partitions

    await db.init(settings)
    try:
        if args.partitions_command == "list":
            for p in await db_partitions.partitions():
                print(f"{p.name:24} {p.rows:>14,} rows {p.bytes / 2**20:>12,.1f} MiB")
            return 0
        if args.partitions_command == "ensure":
            made = await db_partitions.ensure_ahead(ahead=args.ahead)
            print("made:", ", ".join(made) or "nothing (all present)")
            return 0
        before = _month(args.before)
        tables = ("tap", "work_record") if args.work_records else ("tap",)
        try:
            done = await db_partitions.detach(
                before=before,
                tables=tables,
                archive_dir=args.archive_dir,
                dsn=settings.database_url,
                drop=args.drop,
            )
        except db_partitions.PartitionError as exc:
            print(f"openccus: {exc}", file=sys.stderr)
            return 2
        for d in done:
            print(d.name, "detached", f"archived to {d.archive}" if d.archive else "", "dropped" if d.dropped else "")
        if not done:
            print("nothing to detach")
        return 0
    finally:
        await db.close()


def _month(text: str) -> date:
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise ValueError(f"--before wants YYYY-MM, not {text!r}") from None
