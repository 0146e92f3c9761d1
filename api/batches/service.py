"""Starting a batch run once, and running it.

Start: INSERT … ON CONFLICT (run_key) WHERE status IN ('queued', 'running') DO NOTHING RETURNING id — the partial
unique index lets one run per key be queued or running; a second request (or ten at once) gets that run back and
starts nothing. Run: the job claims its run with a conditional UPDATE (queued → running), so a job delivered twice
runs once, then records done with its counts, or failed with the error."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from tortoise import connections
from tortoise.timezone import now

from api import db
from api.audit import service as audit
from api.batches import registry
from api.batches.models import ACTIVE, BatchRun, RunStatus
from api.billing.periods import previous_period
from api.errors import AppError, NotFound
from api.sql import execute, fetch
from api.timeutil import today_jst

log = logging.getLogger("openccus.batches")

# A run queued or running for longer than this is taken as lost (its worker died): it is marked failed, so it does
# not block its batch for ever. Every batch is idempotent, so running it again is safe.
STALE_AFTER = timedelta(hours=6)


def job_id(run_id: int) -> str:
    return f"batch-run:{run_id}"


def batch(name: str) -> registry.Batch:
    spec = registry.get(name)
    if spec is None:
        raise NotFound(f"No batch called {name}; there are: {', '.join(registry.BATCHES)}.", code="no_such_batch")
    return spec


async def start(*, name: str, period: date | None, actor: Any) -> tuple[BatchRun, bool]:
    """The run of this batch (and month): a new one, queued and audited, or the one already queued or running.
    Returns (run, created). Runs in the caller's transaction; the job is enqueued when it commits (the outbox)."""
    spec = batch(name)
    tag = (period or previous_period(today_jst())).strftime("%Y-%m") if spec.takes_period else None
    key = f"{name}:{tag}" if tag else name
    conn = connections.get("default")
    at = now()
    await execute(
        conn,
        "UPDATE batch_run SET status = 'failed', error = 'abandoned: no result within 6 hours', "
        "finished_at = ? WHERE run_key = ? AND status IN ('queued', 'running') AND created_at < ?",
        [at, key, at - STALE_AFTER],
    )
    for _ in range(3):  # the active run may finish between the insert and the read: then try again
        rows = await fetch(
            conn,
            "INSERT INTO batch_run (name, run_key, period, status, counts, requested_by_id, "
            "created_at) VALUES (?, ?, ?, 'queued', '{}', ?, ?) "
            "ON CONFLICT (run_key) WHERE status IN ('queued', 'running') DO NOTHING RETURNING id",
            [name, key, tag, getattr(actor, "id", None), at],
        )
        if rows:
            run = await BatchRun.get(id=rows[0]["id"])
            await db.defer_job("run_batch", run.id, job_id=job_id(run.id))
            await audit.record(
                actor=actor,
                action="batch.run",
                entity_type="batch_run",
                entity_id=run.id,
                after={"name": name, "period": tag},
            )
            return run, True
        run = await BatchRun.filter(run_key=key, status__in=ACTIVE).order_by("-id").first()
        if run is not None:
            return run, False
    raise RuntimeError(f"batch {key}: could neither start a run nor find the running one")


async def run(ctx: dict[str, Any], run_id: int) -> dict[str, Any]:
    """Run the batch of run `run_id` once (a second delivery of the job finds it no longer queued)."""
    from api.job_registry import job_functions

    conn = connections.get("default")
    claimed = await execute(
        conn,
        "UPDATE batch_run SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'",
        [now(), run_id],
    )
    if not claimed:
        return {"skipped": "not queued"}
    row = await BatchRun.get(id=run_id)
    spec = batch(row.name)
    fn = {f.__name__: f for f in job_functions()}[spec.job]
    try:
        result = await (fn(ctx, row.period) if spec.takes_period else fn(ctx))
    except AppError as exc:  # a refusal the operator must see (e.g. close_month_not_ended)
        await _finish(run_id, RunStatus.failed, {}, f"{exc.code}: {exc.message}")
        return {"failed": exc.code}
    except Exception as exc:
        log.exception("batch run %s (%s) failed", run_id, row.run_key)
        await _finish(run_id, RunStatus.failed, {}, f"{type(exc).__name__}: {exc}")
        return {"failed": type(exc).__name__}
    counts = result if isinstance(result, dict) else {"count": result} if isinstance(result, int) else {}
    await _finish(run_id, RunStatus.done, counts, None)
    return counts


async def _finish(run_id: int, status: RunStatus, counts: dict[str, Any], error: str | None) -> None:
    await BatchRun.filter(id=run_id).update(
        status=status, counts=counts, error=error and error[:500], finished_at=now()
    )
