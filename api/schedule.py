"""The batch schedule, in Japan time, as plain data: workers/settings.py turns it into arq cron jobs; the embedded
default runs the same jobs from an in-process ticker (api.queue.InProcessQueue.run_schedule).

Every scheduled job is idempotent in the database (unique keys, watermarks), because arq's cron uniqueness is not a
lock: with two workers, or a restart at the wrong second, a run may happen twice (peers.md §7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Scheduled:
    job: str
    minute: frozenset[int] | None = None
    hour: frozenset[int] | None = None
    day: frozenset[int] | None = None

    def due(self, at: datetime) -> bool:
        return all(allowed is None or value in allowed
                   for allowed, value in ((self.minute, at.minute), (self.hour, at.hour), (self.day, at.day)))


def _set(*values: int) -> frozenset[int]:
    return frozenset(values)


SCHEDULE = [
    Scheduled("fold_recent", minute=_set(5, 20, 35, 50)),  # work records stay within ~15 minutes of the taps
    Scheduled("nightly_close", minute=_set(30), hour=_set(2)),
    Scheduled("evaluate_all_levels", minute=_set(30), hour=_set(3)),  # after the nightly close
    Scheduled("purge_face_evidence", minute=_set(15), hour=_set(1)),  # evidence images past their retention
    Scheduled("refresh_face_enrolments", minute=_set(45), hour=_set(1)),  # new model version, lost enrolment jobs
    Scheduled("residence_expiry_alerts", minute=_set(0), hour=_set(6)),
    Scheduled("monthly_close", minute=_set(0), hour=_set(4), day=_set(1)),
    Scheduled("billing_close", minute=_set(0), hour=_set(5), day=_set(1)),  # after monthly_close: the month's records
]
