"""Property: a chunk reads its context days only for the technicians who have taps at the site on the folded days
(api/workrecords/fold.py `classify_args`), and that changes nothing the fold uses: every tap whose shift date is a
folded day gets the same shift date and lone flag as when every tap of the context days is read. On PostgreSQL and
SQLite, over random tap sequences denser than people make them: ties in time, repeats, entries and exits in any
order, gaps from seconds to two days, shift lengths from 4 to 36 hours, two technicians at one site."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tortoise import connections
from tortoise.timezone import now

from api import sql
from api.attendance.models import Tap
from api.sites.models import Site
from api.timeutil import JST
from api.workrecords import fold
from tests.api.site_world import make_world

GAP = st.one_of(
    st.just(0),
    st.integers(1, 15 * 60),  # seconds: repeats at the gate
    st.integers(15 * 60, 14 * 3600),  # within a shift
    st.integers(14 * 3600, 48 * 3600),  # rests, forgotten exits
)
TAP = st.tuples(st.integers(0, 1), GAP, st.sampled_from([None, None, "in", "out"]))


@pytest.fixture
async def world(client):
    w = await make_world(client)
    return w, [await w.worker(w.prime) for _ in range(2)]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    taps=st.lists(TAP, min_size=1, max_size=30),
    shift_hours=st.integers(4, 36),
    start=st.integers(0, 24 * 60 - 1),
    offset=st.integers(0, 6),
    length=st.integers(0, 3),
)
async def test_context_only_for_technicians_with_taps_on_the_folded_days(
    world, taps, shift_hours, start, offset, length
):
    w, people = world
    site_pk = w.site["id"]
    await Tap.filter(site_id=site_pk).delete()
    await Site.filter(id=site_pk).update(shift_hours=shift_hours)
    base = datetime.combine(datetime.now(JST).date() - timedelta(days=60), time(0), JST) + timedelta(minutes=start)
    clock = [base, base]
    rows = []
    for i, (who, gap, direction) in enumerate(taps):
        clock[who] += timedelta(seconds=gap)
        rows.append(
            Tap(
                source_key=f"c{i}",
                site_id=site_pk,
                technician_id=people[who].pk,
                technician_code=people[who].technician_id,
                employer_id=w.prime["business"]["id"],
                method="card" if direction is None else "api",
                direction=direction,
                device_time=clock[who],
                received_at=now(),
                work_date=clock[who].astimezone(JST).date(),
                status="accepted",
            )
        )
    await Tap.bulk_create(rows)
    conn = connections.get("default")
    first = base.astimezone(JST).date() + timedelta(days=offset)
    last = first + timedelta(days=length)
    statement = fold._classify(sql.is_pg(conn))
    narrow = fold.classify_args(site_pk, site_pk, first, last, conn)
    # Every tap of the context days: the "folded days" of the filter widened to the whole range read.
    whole = narrow[:4] + narrow[2:4] + narrow[:4]

    def verdicts(found):
        return {int(r["id"]): (r["lone"], str(r["anchor"]) if r["anchor"] is not None else None) for r in found}

    everyone = verdicts(await sql.fetch(conn, statement, whole))
    filtered = verdicts(await sql.fetch(conn, statement, narrow))
    assert set(filtered) <= set(everyone)
    on_days = {
        i
        for v in (everyone, filtered)
        for i, (_, anchor) in v.items()
        if anchor is not None and first.isoformat() <= anchor <= last.isoformat()
    }
    assert {i: filtered.get(i) for i in on_days} == {i: everyone[i] for i in on_days}
    # The filter does drop someone when only the other technician tapped on the folded days.
    on_folded = {r.technician_id for r in rows if first <= r.work_date <= last}
    theirs = await Tap.filter(site_id=site_pk, technician_id__in=on_folded).values_list("id", flat=True)
    assert {i for i in theirs if i in everyone} == set(filtered)
