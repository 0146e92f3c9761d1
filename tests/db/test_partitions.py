"""tap and work_record as monthly partitions on PostgreSQL (issue 22 item 1, docs/partitions.md): the keys that hold
across months, partitions made ahead, old months detached and archived, queries that prune, and the migration that
converts existing rows."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta, UTC

import asyncpg
import pytest
from tortoise import connections

from api import db, db_partitions
from api.attendance.models import Tap
from api.timeutil import JST
from api.workrecords.models import WorkRecord
from tests.api.site_world import make_world
from tests.conftest import PG_URL, _recreate_pg_database


@pytest.fixture
def backend() -> str:
    return "postgres"  # partitions exist on PostgreSQL only; SQLite keeps plain tables (tests/api run both)


@pytest.fixture
async def world(client):
    w = await make_world(client)
    return w, await w.worker(w.prime)


_TAP = """
INSERT INTO tap (source_key, site_id, technician_id, technician_code, method, card_serial, challenge, device_time,
                 received_at, work_date, status)
VALUES ($1, $2, $3, 'X', 'card', $4, $5, $6, now(), $7, 'accepted')
ON CONFLICT DO NOTHING RETURNING id"""


async def _tap(conn, key, site, tech, day: date, serial=None, challenge=None) -> bool:
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return bool(await conn.fetch(_TAP, key, site, tech, serial, challenge, at, day))


async def _pg():
    return await asyncpg.connect(PG_URL)


async def test_history_tables_are_partitioned_by_month_with_months_ahead(world):
    conn = await _pg()
    try:
        kinds = dict(
            await conn.fetch("SELECT relname, relkind::text FROM pg_class WHERE relname IN ('tap', 'work_record')")
        )
        assert kinds == {"tap": "p", "work_record": "p"}
        made = await db_partitions.ensure_ahead(today=date(2031, 5, 20))
        assert made == [
            f"{t}_{m}" for m in ("2031_04", "2031_05", "2031_06", "2031_07", "2031_08") for t in ("tap", "work_record")
        ]
        assert await db_partitions.ensure_ahead(today=date(2031, 5, 20)) == []  # idempotent
        names = {p.name for p in await db_partitions.partitions()}
        this = date.today().replace(day=1)
        assert {f"tap_{db_partitions.month_add(this, k):%Y_%m}" for k in range(4)} <= names
    finally:
        await conn.close()


async def test_rows_of_a_month_without_partition_wait_in_default_and_move_in(world):
    w, me = world
    conn = await _pg()
    try:
        assert await _tap(conn, "far:1", w.site["id"], me.pk, date(2033, 2, 3), "S1", "c-far")
        where = "SELECT tableoid::regclass::text FROM tap WHERE source_key = 'far:1'"
        assert await conn.fetchval(where) == "tap_default"
        await db_partitions.ensure_ahead(today=date(2033, 2, 1))
        assert await conn.fetchval(where) == "tap_2033_02"
        # Moving the row kept its keys claimed.
        assert not await _tap(conn, "far:1", w.site["id"], me.pk, date(2033, 2, 3))
        assert not await _tap(conn, "far:2", w.site["id"], me.pk, date(2033, 2, 4), "S1", "c-far")
    finally:
        await conn.close()


async def test_a_taps_keys_hold_across_month_boundaries(world):
    w, me = world
    site, tech = w.site["id"], me.pk
    conn = await _pg()
    try:
        assert await _tap(conn, "k:1", site, tech, date(2026, 11, 30), "SER", "ch-1")
        # The same idempotency key claiming the next day, in the next month's partition: refused.
        assert not await _tap(conn, "k:1", site, tech, date(2026, 12, 1))
        # The same card response under a new key, a month later: refused, and the new key is not left claimed.
        assert not await _tap(conn, "k:2", site, tech, date(2027, 1, 5), "SER", "ch-1")
        assert await _tap(conn, "k:2", site, tech, date(2027, 1, 5), "SER", "ch-2")
        assert await conn.fetchval("SELECT count(*) FROM tap") == 2
        assert await conn.fetchval("SELECT count(*) FROM tap_source_key") == 2
        # A deleted tap frees its keys (as a deleted row freed the old unique index), a stored one cannot move month.
        with pytest.raises(asyncpg.RaiseError):
            await conn.execute("UPDATE tap SET work_date = work_date + 1 WHERE source_key = 'k:2'")
        await conn.execute("DELETE FROM tap WHERE source_key = 'k:2'")
        assert await _tap(conn, "k:2", site, tech, date(2027, 2, 1), "SER", "ch-2")
    finally:
        await conn.close()


async def test_one_work_record_per_technician_site_and_day_across_months(world):
    w, me = world
    conn = await _pg()
    insert = (
        "INSERT INTO work_record (technician_id, site_id, work_date, method, taps, missing_exit, folded_at) "
        "VALUES ($1, $2, $3, 'card', 1, false, now()) ON CONFLICT (technician_id, site_id, work_date) DO NOTHING "
        "RETURNING id"
    )
    try:
        # The rule is per day, and a day is in exactly one month: the unique key on the partitioned table is it.
        for day in (date(2026, 11, 30), date(2026, 12, 1)):
            assert await conn.fetch(insert, me.pk, w.site["id"], day)
        assert not await conn.fetch(insert, me.pk, w.site["id"], date(2026, 12, 1))
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute(insert.split(" ON CONFLICT")[0], me.pk, w.site["id"], date(2026, 11, 30))
    finally:
        await conn.close()


async def test_the_same_key_sent_twice_at_once_is_stored_once(world):
    """The claim waits for the other transaction like a unique index: the loser sees no row, whichever month its
    copy claims; a winner that rolls back leaves the key to the next."""
    w, me = world
    a, b = await _pg(), await _pg()
    try:
        for winner_commits in (True, False):
            key = f"race:{winner_commits}"
            ta, tb = a.transaction(), b.transaction()
            await ta.start()
            await tb.start()
            assert await _tap(a, key, w.site["id"], me.pk, date(2026, 11, 30))
            second = asyncio.create_task(_tap(b, key, w.site["id"], me.pk, date(2026, 12, 1)))
            await asyncio.sleep(0.2)
            assert not second.done()  # waiting on a's claim
            await (ta.commit() if winner_commits else ta.rollback())
            assert await second is (not winner_commits)
            await tb.commit()
            assert await a.fetchval("SELECT count(*) FROM tap WHERE source_key = $1", key) == 1
    finally:
        await a.close()
        await b.close()


async def test_a_key_resent_in_the_next_month_is_refused_by_the_api(world):
    w, me = world
    first = datetime.now(JST).replace(day=1, hour=0, minute=30, second=0, microsecond=0)
    before = first - timedelta(hours=1)  # 23:30 on the last day of last month
    tap = me.tap("m:1", at=before)
    assert (await w.upload(tap)).json()["results"][0]["status"] == "accepted"
    moved = {**tap, "device_time": first.isoformat(timespec="milliseconds")}
    r = await w.upload(moved)
    assert r.json()["results"] == [] and r.json()["errors"][0]["error"] == "idempotency_key_reused"
    replay = {**moved, "idempotency_key": "m:2"}
    assert (await w.upload(replay)).json()["results"][0]["reject_reason"] == "replayed_challenge"
    assert await Tap.filter(status="accepted").count() == 1


def _relations(plan) -> set[str]:
    out = set()

    def walk(node):
        if "Relation Name" in node:
            out.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return out


async def _explain(text: str, *values) -> set[str]:
    conn = connections.get("default")
    rows = await conn.execute_query_dict("EXPLAIN (FORMAT JSON) " + text, list(values))
    plan = rows[0]["QUERY PLAN"]
    return _relations(json.loads(plan) if isinstance(plan, str) else plan)


async def test_hot_queries_touch_only_their_months(world):
    w, me = world
    await db_partitions.ensure_ahead(today=date(2026, 6, 1))
    for k in range(-8, 4):
        for t in db_partitions.TABLES:
            await connections.get("default").execute_query(
                "SELECT openccus_month_partition($1, $2)", [t, db_partitions.month_add(date(2026, 6, 1), k)]
            )
    site = w.site["id"]
    nov, dec = date(2026, 11, 1), date(2026, 12, 1)
    # A site's month (roster, 作業員名簿 days, the close of its month): its month only.
    q = WorkRecord.filter(site_id=site, work_date__gte=nov, work_date__lt=dec).sql(params_inline=True)
    assert await _explain(q) == {"work_record_2026_11"}
    # An employer's month (建退共 calendar, invoices' records).
    q = WorkRecord.filter(employer_id=1, work_date__gte=nov, work_date__lt=dec).sql(params_inline=True)
    assert await _explain(q) == {"work_record_2026_11"}
    # A technician's month (their own calendar).
    q = WorkRecord.filter(technician_id=me.pk, work_date__gte=nov, work_date__lt=dec).sql(params_inline=True)
    assert await _explain(q) == {"work_record_2026_11"}
    # The fold of one day: the taps of its sites and context days (api/workrecords/fold.py's WHERE), bound
    # parameters as the fold sends them.
    fold = (
        "SELECT id FROM tap WHERE site_id >= $1 AND site_id <= $2 AND work_date >= $3 AND work_date <= $4 "
        "AND status = 'accepted' AND technician_id IS NOT NULL"
    )
    day = date(2026, 11, 15)
    assert await _explain(fold, site, site, day - timedelta(days=5), day + timedelta(days=3)) == {"tap_2026_11"}
    assert await _explain(fold, site, site, date(2026, 11, 28), date(2026, 12, 3)) == {"tap_2026_11", "tap_2026_12"}
    # A month's billing close: the month's records only.
    close = "SELECT id FROM work_record w WHERE w.work_date >= $1 AND w.work_date <= $2"
    assert await _explain(close, nov, dec - timedelta(days=1)) == {"work_record_2026_11"}
    # A technician's career reads every month there is (that is the view), each through its index.
    career = await _explain(WorkRecord.filter(technician_id=me.pk).sql(params_inline=True))
    assert career == {p.name for p in await db_partitions.partitions() if p.table == "work_record"}


async def test_old_months_are_detached_archived_and_dropped(world, tmp_path):
    w, me = world
    conn = await _pg()
    try:
        await conn.execute("SELECT openccus_month_partition('tap', '2024-01-01')")
        assert await _tap(conn, "old:1", w.site["id"], me.pk, date(2024, 1, 10), "S9", "c-old")
        with pytest.raises(db_partitions.PartitionError):  # too recent: still in use
            await db_partitions.detach(before=date(2026, 1, 1), today=date(2026, 6, 1))
        with pytest.raises(db_partitions.PartitionError):  # dropped only once archived
            await db_partitions.detach(before=date(2024, 2, 1), drop=True, today=date(2026, 6, 1))
        done = await db_partitions.detach(
            before=date(2024, 2, 1), archive_dir=tmp_path, dsn=PG_URL, drop=True, today=date(2026, 6, 1)
        )
        assert [(d.name, d.dropped) for d in done] == [("tap_2024_01", True)]
        assert (tmp_path / "tap_2024_01.dump").stat().st_size > 0
        assert await conn.fetchval("SELECT to_regclass('tap_2024_01')") is None
        assert await conn.fetchval("SELECT count(*) FROM tap WHERE source_key = 'old:1'") == 0
        # Its keys stay claimed: the archived tap sent again is still refused, not stored in the default partition.
        assert not await _tap(conn, "old:1", w.site["id"], me.pk, date(2024, 1, 10))
        assert not await _tap(conn, "old:2", w.site["id"], me.pk, date(2024, 1, 10), "S9", "c-old")
    finally:
        await conn.close()


async def test_the_migration_moves_existing_rows_into_partitions(tmp_path):
    from tests.conftest import TEST_KEY
    from api.settings import Settings

    server, _, name = PG_URL.rpartition("/")
    url = f"{server}/{name}_partconv"
    await _recreate_pg_database(url)
    settings = Settings(
        DATABASE_URL=url,
        REDIS_URL=None,
        OPENCCUS_DATA_KEY=TEST_KEY,
        OPENCCUS_VAR_DIR=tmp_path,
        OPENCCUS_RUN_SCHEDULE=False,
    )
    from tortoise.migrations.api import migrate

    config = db.tortoise_config(settings)
    await migrate(config=config, target="models.0021_mail")
    await connections.close_all()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET session_replication_role = replica")  # a site and a technician, any content
        for table in ("site", "technician"):
            await _filler_row(conn, table)
        for i, day in enumerate((date(2019, 3, 31), date(2019, 4, 1), date(2026, 12, 2))):
            at = datetime(day.year, day.month, day.day, 3, tzinfo=UTC)
            await conn.execute(
                "INSERT INTO tap (source_key, site_id, technician_id, technician_code, method, card_serial, challenge,"
                " device_time, received_at, work_date, status) VALUES ($1, 1, 1, 'X', 'card', 'S', $2, $3, $3, $4,"
                " 'accepted')",
                f"c:{i}",
                f"ch{i}",
                at,
                day,
            )
            await conn.execute(
                "INSERT INTO work_record (technician_id, site_id, work_date, method, taps, missing_exit, folded_at) "
                "VALUES (1, 1, $1, 'card', 1, false, now())",
                day,
            )
    finally:
        await conn.close()
    await db.migrate(settings)
    conn = await asyncpg.connect(url)
    try:
        where = dict(await conn.fetch("SELECT source_key, tableoid::regclass::text FROM tap"))
        assert where == {"c:0": "tap_2019_03", "c:1": "tap_2019_04", "c:2": "tap_2026_12"}
        assert await conn.fetchval("SELECT count(*) FROM work_record_2019_04") == 1
        assert await conn.fetchval("SELECT count(*) FROM tap_challenge") == 3
        await conn.execute("SET session_replication_role = origin")
        assert not await _tap(conn, "c:0", 1, 1, date(2019, 4, 2))
        # New rows take ids after the converted ones.
        assert await conn.fetchval("SELECT nextval('tap_id_seq')") > 3
    finally:
        await conn.close()


async def _filler_row(conn, table: str) -> None:
    cols = await conn.fetch(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 AND is_nullable = 'NO' "
        "AND column_default IS NULL",
        table,
    )
    values = {
        "integer": "1",
        "bigint": "1",
        "smallint": "1",
        "boolean": "false",
        "date": "CURRENT_DATE",
        "timestamp with time zone": "now()",
        "jsonb": "'{}'",
        "json": "'{}'",
        "bytea": "''",
        "numeric": "0",
    }
    names = ", ".join(f'"{c["column_name"]}"' for c in cols)
    row = ", ".join(values.get(c["data_type"], "'x'") for c in cols)
    await conn.execute(f'INSERT INTO "{table}" (id, {names}) VALUES (1, {row})')
