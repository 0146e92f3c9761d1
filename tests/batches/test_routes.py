"""Operator batches through the API (both back ends): the typed list, a run with its status and counts, asking again
while it is queued, refusals, and the audit trail."""

from tests.api.helpers import auth, operator_token, table_counts
from tests.billing.world import billed_business


async def test_batches_are_listed_run_and_reported(client, drain, settings):
    op = await operator_token(client)
    listed = (await client.get("/api/v1/admin/batches", headers=auth(op))).json()
    assert {b["name"] for b in listed} == {
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
    }
    assert [b["takes_period"] for b in listed if b["name"] == "billing-close"] == [True]

    r = await client.post("/api/v1/admin/batches/fold", headers=auth(op))
    assert r.status_code == 202, r.text
    run = r.json()
    assert run["name"] == "fold" and run["job_id"] == f"batch-run:{run['id']}" and not run["already_running"]
    if not settings.embedded:  # with a worker the run waits in the queue: asking again returns it
        assert run["status"] == "queued"
        again = (await client.post("/api/v1/admin/batches/fold", headers=auth(op))).json()
        assert (again["id"], again["already_running"]) == (run["id"], True)
    await drain()
    done = (await client.get(f"/api/v1/admin/batches/runs/{run['id']}", headers=auth(op))).json()
    assert done["status"] == "done" and done["counts"] == {"count": 0} and done["finished_at"], done
    # Finished: the next request is a new run.
    nxt = (await client.post("/api/v1/admin/batches/fold", headers=auth(op))).json()
    assert nxt["id"] != run["id"] and not nxt["already_running"]
    await drain()
    runs = (await client.get("/api/v1/admin/batches/runs", headers=auth(op), params={"name": "fold"})).json()
    assert [x["id"] for x in runs] == [nxt["id"], run["id"]]
    trail = (await client.get("/api/v1/audit", headers=auth(op), params={"entity_type": "batch_run"})).json()
    assert sorted(int(e["entity_id"]) for e in trail if e["action"] == "batch.run") == sorted([run["id"], nxt["id"]])


async def test_a_failed_run_says_why(client, settings):
    """A run whose job is refused when it runs (here a close of the current month, queued by hand: the endpoint
    refuses it at once) ends failed with the error code; a second delivery of its job does not run it again."""
    from tortoise.timezone import now

    from api.batches import service
    from api.batches.models import BatchRun
    from api.timeutil import today_jst

    op = await operator_token(client)
    month = today_jst().strftime("%Y-%m")
    run = await BatchRun.create(name="billing-close", run_key=f"billing-close:{month}", period=month, created_at=now())
    assert await service.run({"settings": settings}, run.id) == {"failed": "close_month_not_ended"}
    out = (await client.get(f"/api/v1/admin/batches/runs/{run.id}", headers=auth(op))).json()
    assert out["status"] == "failed" and out["error"].startswith("close_month_not_ended:"), out
    assert await service.run({"settings": settings}, run.id) == {"skipped": "not queued"}


async def test_refusals_change_nothing(client, drain):
    op = await operator_token(client)
    firm = await billed_business(client, op)
    before = await table_counts()
    r = await client.post("/api/v1/admin/batches/everything", headers=auth(op))
    assert r.status_code == 404 and r.json()["error"] == "no_such_batch"
    r = await client.post("/api/v1/admin/batches/fold", headers=auth(firm["token"]))
    assert r.status_code == 403
    assert (await client.get("/api/v1/admin/batches/runs", headers=auth(firm["token"]))).status_code == 403
    r = await client.post("/api/v1/admin/batches/billing-close", headers=auth(op), json={"period": "2020-13"})
    assert r.status_code == 422
    assert (await client.get("/api/v1/admin/batches/runs/999999", headers=auth(op))).json()[
        "error"
    ] == "no_such_batch_run"
    assert await table_counts() == before


async def test_asking_again_while_a_run_runs_returns_the_running_one(client, drain, settings, monkeypatch):
    """The run is running (its job holds it: a fold that waits here): asking again answers that run, `running`, and
    starts nothing — no second run, no audit entry; once it ends the run is done with its counts."""
    import asyncio

    from api import job_registry
    from api.batches import service

    gate = asyncio.Event()
    real = job_registry.job_functions

    async def fold_recent(ctx):
        await gate.wait()
        return 7

    monkeypatch.setattr(
        job_registry, "job_functions", lambda: [fold_recent if f.__name__ == "fold_recent" else f for f in real()]
    )
    op = await operator_token(client)
    first = (await client.post("/api/v1/admin/batches/fold", headers=auth(op))).json()
    # The embedded default runs the job in-process at once; with Redis the worker would pick it up: here, this task.
    worker = None if settings.embedded else asyncio.create_task(service.run({"settings": settings}, first["id"]))
    for _ in range(200):
        run = (await client.get(f"/api/v1/admin/batches/runs/{first['id']}", headers=auth(op))).json()
        if run["status"] != "queued":
            break
        await asyncio.sleep(0.05)
    assert run["status"] == "running" and run["started_at"] and not run["finished_at"], run
    before = await table_counts()
    again = (await client.post("/api/v1/admin/batches/fold", headers=auth(op))).json()
    assert (again["id"], again["status"], again["already_running"]) == (first["id"], "running", True), again
    assert await table_counts() == before
    gate.set()
    if worker is not None:
        assert await worker == {"count": 7}
    await drain()  # with Redis, the queued job's delivery finds the run no longer queued and skips it
    done = (await client.get(f"/api/v1/admin/batches/runs/{first['id']}", headers=auth(op))).json()
    assert (done["status"], done["counts"]) == ("done", {"count": 7}), done
    runs = (await client.get("/api/v1/admin/batches/runs", headers=auth(op), params={"name": "fold"})).json()
    assert [x["id"] for x in runs] == [first["id"]]
