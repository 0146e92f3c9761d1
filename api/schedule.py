"""The batch schedule, in Japan time, as plain data: workers/settings.py turns it into arq cron jobs; the embedded
default runs the same jobs from an in-process ticker (api.queue.InProcessQueue.run_schedule).

Every scheduled job is idempotent in the database (unique keys, watermarks), because arq's cron uniqueness is not a
lock: with two workers, or a restart at the wrong second, a run may happen twice (peers.md §7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from api.batches.registry import JOB_OF


@dataclass(frozen=True)
class Scheduled:
    job: str
    minute: frozenset[int] | None = None
    hour: frozenset[int] | None = None
    day: frozenset[int] | None = None

    def due(self, at: datetime) -> bool:
        return all(
            allowed is None or value in allowed
            for allowed, value in ((self.minute, at.minute), (self.hour, at.hour), (self.day, at.day))
        )


def _set(*values: int) -> frozenset[int]:
    return frozenset(values)


# By batch name (api.batches.registry): the same jobs an operator can run now.
SCHEDULE = [
    Scheduled(JOB_OF["fold"], minute=_set(5, 20, 35, 50)),  # work records stay within ~15 minutes of the taps
    Scheduled(JOB_OF["close"], minute=_set(30), hour=_set(2)),
    Scheduled(JOB_OF["levels"], minute=_set(30), hour=_set(3)),  # after the nightly close
    Scheduled(JOB_OF["face-purge"], minute=_set(15), hour=_set(1)),  # evidence images past their retention
    Scheduled(JOB_OF["face-refresh"], minute=_set(45), hour=_set(1)),  # new model version, lost enrolment jobs
    Scheduled(JOB_OF["residence-alerts"], minute=_set(0), hour=_set(6)),
    Scheduled(JOB_OF["invoice-overdue"], minute=_set(10), hour=_set(6)),  # once per invoice (dedupe keys)
    Scheduled(JOB_OF["mail"], minute=_set(*range(3, 60, 5))),  # mail whose send failed, every five minutes
    Scheduled(JOB_OF["monthly-close"], minute=_set(0), hour=_set(4), day=_set(1)),
    # After monthly_close: the month's records. Serialised with any operator-run close by a database lock.
    Scheduled(JOB_OF["billing-close"], minute=_set(0), hour=_set(5), day=_set(1)),
    # Daily: a site is due the day after its window's late-record deadline; idempotent (settled once per site).
    Scheduled(JOB_OF["lump-sum-settle"], minute=_set(30), hour=_set(5)),
    # Daily, though a month's partition is needed only months later: a missed run or two changes nothing.
    Scheduled(JOB_OF["partitions"], minute=_set(40), hour=_set(0)),
]
