"""Property: over random tap sequences, the fold makes exactly one record per day on which a shift started — never
more records than shifts, never a day made by an exit alone — on PostgreSQL and SQLite (docs/workrecords.md).

Shifts are generated as people work them: entry and exit as card taps (no direction) or as pushed in/out events,
with repeated taps at the gate, card taps in the middle of a pushed shift, forgotten exits (the next tap more than
the shift length later: a tap within it would be that exit), and lone exits (an exit with no entry) in the rests
between shifts. Shifts last 1–11 h and rests 12–40 h, as undirected taps need (a shift
shorter than the rests around it: docs/workrecords.md)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tortoise.timezone import now

from api.attendance.models import Tap
from api.timeutil import JST
from api.workrecords.fold import fold_site_days
from api.workrecords.models import LoneExit, WorkRecord
from tests.api.site_world import make_world

SHIFT = st.tuples(
    st.integers(12 * 60, 40 * 60),  # rest before the shift, minutes
    st.integers(60, 11 * 60),  # length, minutes
    st.sampled_from(["card", "pushed", "pushed_with_card_taps", "no_exit"]),
    st.integers(0, 3),  # repeated taps at the entry (card) or lone exits in the rest before (pushed)
)


@pytest.fixture
async def world(client):
    w = await make_world(client)
    me = await w.worker(w.prime)
    return w, me


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shifts=st.lists(SHIFT, min_size=1, max_size=8), start_minute=st.integers(0, 24 * 60 - 1))
async def test_records_never_outnumber_shifts(world, shifts, start_minute):
    w, me = world
    site_pk, employer = w.site["id"], w.prime["business"]["id"]
    await Tap.filter(site_id=site_pk).delete()
    await WorkRecord.filter(site_id=site_pk).delete()
    await LoneExit.filter(site_id=site_pk).delete()
    base = datetime.combine(datetime.now(JST).date() - timedelta(days=50), time(0), JST) + timedelta(
        minutes=start_minute
    )
    taps: list[tuple[datetime, str | None]] = []
    starts = []
    t = base
    unclosed = False
    for rest, length, kind, extra in shifts:
        if unclosed:  # after a forgotten exit, a tap within the shift length would be read as that exit
            rest = max(rest, 24 * 60 + 1)
        unclosed = kind == "no_exit"
        if kind.startswith("pushed"):
            for k in range(extra):  # lone exits somewhere in the rest
                taps.append((t + timedelta(minutes=rest * (k + 1) // (extra + 2)), "out"))
        t += timedelta(minutes=rest)
        starts.append(t)
        end = t + timedelta(minutes=length)
        if kind == "card":
            taps += [(t, None)] + [(t + timedelta(seconds=20 * (k + 1)), None) for k in range(extra)] + [(end, None)]
        elif kind == "pushed":
            taps += [(t, "in"), (end, "out")]
        elif kind == "pushed_with_card_taps":
            taps += (
                [(t, "in")]
                + [(t + timedelta(minutes=length * (k + 1) // (extra + 2)), None) for k in range(extra)]
                + [(end, "out")]
            )
        else:
            taps.append((t, None if extra % 2 else "in"))
        t = end
    received = now()
    await Tap.bulk_create(
        [
            Tap(
                source_key=f"p{i}",
                site_id=site_pk,
                technician_id=me.pk,
                technician_code=me.technician_id,
                employer_id=employer,
                method="card" if d is None else "api",
                direction=d,
                device_time=at,
                received_at=received,
                work_date=at.astimezone(JST).date(),
                status="accepted",
            )
            for i, (at, d) in enumerate(taps)
        ]
    )
    first = base.date() - timedelta(days=1)
    last = t.astimezone(JST).date() + timedelta(days=2)
    await fold_site_days(site_id=site_pk, first=first, last=last, at=received)
    records = await WorkRecord.filter(site_id=site_pk).values_list("work_date", flat=True)
    assert len(records) <= len(shifts)
    assert sorted(records) == sorted({s.astimezone(JST).date() for s in starts})
    # Every tap is in a record or kept as a lone exit; lone exits are only exits.
    lone = await LoneExit.filter(site_id=site_pk).values_list("tap_id", flat=True)
    assert await Tap.filter(id__in=lone).exclude(direction="out").count() == 0
    assert sum(await WorkRecord.filter(site_id=site_pk).values_list("taps", flat=True)) + len(lone) == len(taps)
