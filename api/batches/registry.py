"""The batches an operator may run now, by name: the admin endpoints (api.batches.routes), the schedule
(api.schedule) and the worker (workers/settings.py, through api.job_registry) all read this one table.

A batch is a job function in api/<domain>/jobs.py (takes the job context, and for a month-scoped batch the period as
YYYY-MM; idempotent) and returns a count or a dict of counts, which the run record keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

BatchName = Literal[
    "fold",
    "close",
    "monthly-close",
    "residence-alerts",
    "levels",
    "face-purge",
    "face-refresh",
    "billing-close",
    "lump-sum-settle",
    "mail",
    "partitions",
    "invoice-overdue",
]


@dataclass(frozen=True)
class Batch:
    name: BatchName
    job: str  # the job function's name (api.job_registry.job_functions)
    summary: str
    takes_period: bool = False  # run for one month (YYYY-MM), by default the previous one


BATCHES: dict[BatchName, Batch] = {
    b.name: b
    for b in (
        Batch("fold", "fold_recent", "Fold taps received since the last run into work records (就業履歴)"),
        Batch("close", "nightly_close", "Nightly close: fold, then flag missing exits"),
        Batch("monthly-close", "monthly_close", "Refold the previous month and flag its missing exits"),
        Batch("residence-alerts", "residence_expiry_alerts", "Residence-expiry (在留期間) alerts at 90 and 30 days"),
        Batch("levels", "evaluate_all_levels", "Evaluate the levels of every 詳細型 technician"),
        Batch("face-purge", "purge_face_evidence", "Delete face evidence images past their retention"),
        Batch("face-refresh", "refresh_face_enrolments", "Enrol faces that are missing or of an old model version"),
        Batch(
            "billing-close",
            "billing_close",
            "Monthly billing close: charges, renewals and invoices of a month",
            takes_period=True,
        ),
        Batch(
            "lump-sum-settle",
            "settle_lump_sums",
            "Settle lump-sum sites past their window: charge work records beyond the estimate, once",
        ),
        Batch("mail", "send_pending_mail", "Send the e-mail left unsent (a failed SMTP send is retried)"),
        Batch("partitions", "ensure_partitions", "Create the monthly partitions of taps and work records ahead"),
        Batch("invoice-overdue", "notify_overdue_invoices", "Tell payers of invoices past their due date, once each"),
    )
}
assert set(BATCHES) == set(get_args(BatchName)), "every typed batch name is registered"

# The job function a scheduled batch runs, by batch name (api.schedule refers to batches by these names).
JOB_OF: dict[BatchName, str] = {b.name: b.job for b in BATCHES.values()}


def get(name: str) -> Batch | None:
    return BATCHES.get(name)  # type: ignore[call-overload]  # any string may be asked for; unknown ones get None
