from datetime import datetime

from api.job_registry import job_functions
from api.schedule import SCHEDULE, Scheduled
from api.timeutil import JST


def test_every_scheduled_job_exists_and_the_worker_runs_them_in_japan_time():
    names = {f.__name__ for f in job_functions()}
    assert {s.job for s in SCHEDULE} <= names
    from workers.settings import WorkerSettings

    assert {c.name for c in WorkerSettings.cron_jobs} == {s.job for s in SCHEDULE}
    assert WorkerSettings.timezone.utcoffset(None).total_seconds() == 9 * 3600


def test_due_matches_minute_hour_and_day():
    nightly = Scheduled("x", minute=frozenset({30}), hour=frozenset({2}))
    assert nightly.due(datetime(2026, 11, 22, 2, 30, tzinfo=JST))
    assert not nightly.due(datetime(2026, 11, 22, 3, 30, tzinfo=JST))
    monthly = Scheduled("y", minute=frozenset({0}), hour=frozenset({4}), day=frozenset({1}))
    assert monthly.due(datetime(2026, 12, 1, 4, 0, tzinfo=JST)) and not monthly.due(
        datetime(2026, 12, 2, 4, 0, tzinfo=JST)
    )
