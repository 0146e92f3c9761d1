import pytest
from tortoise import connections

from tests.api.helpers import auth, operator_token, submitted_technician, table_counts


async def test_operator_correction_is_audited(client):
    op = await operator_token(client)
    t = await submitted_technician(client)
    pk = t["pk"]
    r = await client.post(
        f"/api/v1/admin/technicians/{pk}/corrections",
        headers=auth(op),
        json={"changes": {"given_name_kana": "ジロウ"}, "reason": "本人確認書類に基づく訂正"},
    )
    assert r.status_code == 200 and r.json()["given_name_kana"] == "ジロウ"
    trail = (await client.get(f"/api/v1/audit?entity_type=technician&entity_id={pk}", headers=auth(op))).json()
    assert len(trail) == 1
    entry = trail[0]
    assert entry["actor_login"] == "op" and entry["reason"] == "本人確認書類に基づく訂正"
    assert entry["before"] == {"given_name_kana": "タロウ"} and entry["after"] == {"given_name_kana": "ジロウ"}


async def test_correction_needs_reason_and_valid_data(client):
    op = await operator_token(client)
    t = await submitted_technician(client)
    before = await table_counts()
    url = f"/api/v1/admin/technicians/{t['pk']}/corrections"
    r = await client.post(url, headers=auth(op), json={"changes": {"given_name_kana": "ジロウ"}})
    assert (r.status_code, r.json()["error"], r.json()["fields"][0]["field"]) == (422, "reason_required", "reason")
    r = await client.post(url, headers=auth(op), json={"changes": {"given_name_kana": "ジロウ"}, "reason": "    "})
    assert (r.status_code, r.json()["error"]) == (422, "reason_required")
    r = await client.post(url, headers=auth(op), json={"changes": {"given_name_kana": "次郎"}, "reason": "訂正です"})
    assert r.status_code == 422
    r = await client.post(url, headers=auth(op), json={"changes": {"nationality": "VN"}, "reason": "訂正です"})
    assert r.status_code == 422  # a foreigner needs residence data: the whole record is re-validated
    r = await client.post(url, headers=auth(t["token"]), json={"changes": {"address": "x"}, "reason": "self"})
    assert r.status_code == 403
    assert await table_counts() == before


async def test_review_decisions_are_audited(client):
    op = await operator_token(client)
    t = await submitted_technician(client)
    await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    trail = (await client.get("/api/v1/audit?entity_type=application", headers=auth(op))).json()
    assert [e["action"] for e in trail] == ["application.approve"]
    assert trail[0]["before"]["status"] == "submitted" and trail[0]["after"]["status"] == "approved"


async def test_audit_trail_is_append_only_in_the_database(client):
    op = await operator_token(client)
    t = await submitted_technician(client)
    await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    conn = connections.get("default")
    with pytest.raises(Exception, match="append-only"):
        await conn.execute_script("UPDATE audit_entry SET reason = 'rewritten'")
    with pytest.raises(Exception, match="append-only"):
        await conn.execute_script("DELETE FROM audit_entry")
    trail = (await client.get("/api/v1/audit", headers=auth(op))).json()
    assert len(trail) == 1 and trail[0]["reason"] is None
