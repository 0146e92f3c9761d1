"""Once means once for batch runs: ten operators' requests for one batch at the same moment start one run, and all
ten get it back; after it finishes the next request starts a new one. On the live server (two processes)."""

from __future__ import annotations

from tests.api.helpers import auth, login
from tests.concurrency.conftest import race

ROUNDS = 10


async def test_ten_requests_at_once_start_one_run(live, http):
    op = await login(http, "op")
    seen: set[int] = set()
    for n in range(ROUNDS):
        name = ("fold", "levels")[n % 2]
        answers = await race(*[lambda: http.post(f"/api/v1/admin/batches/{name}", headers=auth(op)) for _ in range(10)])
        assert {a.status_code for a in answers} == {202}, [a.text for a in answers]
        ids = {a.json()["id"] for a in answers}
        assert len(ids) == 1, ids
        assert sum(not a.json()["already_running"] for a in answers) == 1
        [run_id] = ids
        assert run_id not in seen
        seen.add(run_id)
        assert await live.fetchval("SELECT count(*) FROM batch_run WHERE status IN ('queued', 'running')") == 1
        assert (
            await live.fetchval(
                "SELECT count(*) FROM audit_entry WHERE action = 'batch.run' AND entity_id = $1", str(run_id)
            )
            == 1
        )
        live.drain()
        run = (await http.get(f"/api/v1/admin/batches/runs/{run_id}", headers=auth(op))).json()
        assert run["status"] == "done" and run["started_at"] and run["finished_at"], run
    assert await live.fetchval("SELECT count(*) FROM batch_run") == ROUNDS
