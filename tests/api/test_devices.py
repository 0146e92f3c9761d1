from tests.api.helpers import auth
from tests.api.site_world import make_world


async def test_enrolment_heartbeat_rotation_and_revocation(client):
    w = await make_world(client)
    site = w.site["id"]
    r = await client.post(
        f"/api/v1/sites/{site}/devices", headers=auth(w.prime["token"]), json={"kind": "reader", "name": "ゲート2"}
    )
    created = r.json()
    did, code = created["device"]["id"], created["enrolment_code"]
    token = (await client.post("/api/v1/devices/enrol", json={"code": code})).json()["device_token"]
    r = await client.post("/api/v1/devices/enrol", json={"code": code})
    assert r.status_code == 401 and r.json()["error"] == "invalid_enrolment_code"  # one use only

    r = await client.post(
        "/api/v1/devices/heartbeat",
        headers=auth(token),
        json={"software_version": "0.2", "outbox_depth": 3, "reader": "Virtual PCD 00 00"},
    )
    assert r.status_code == 200 and r.json() == {"revocations_version": 0}
    devices = (await client.get(f"/api/v1/sites/{site}/devices", headers=auth(w.prime["token"]))).json()
    mine = next(d for d in devices if d["id"] == did)
    assert (mine["software_version"], mine["outbox_depth"], mine["reader_name"]) == ("0.2", 3, "Virtual PCD 00 00")
    assert mine["last_seen_at"] is not None

    r = await client.post(f"/api/v1/sites/{site}/devices/{did}/rotate", headers=auth(w.prime["token"]))
    new_code = r.json()["enrolment_code"]
    assert (
        await client.post(
            "/api/v1/devices/heartbeat", headers=auth(token), json={"software_version": "0.2", "outbox_depth": 0}
        )
    ).status_code == 401
    token2 = (await client.post("/api/v1/devices/enrol", json={"code": new_code})).json()["device_token"]
    assert (
        await client.post(
            "/api/v1/devices/heartbeat", headers=auth(token2), json={"software_version": "0.2", "outbox_depth": 0}
        )
    ).status_code == 200
    r = await client.post(f"/api/v1/sites/{site}/devices/{did}/revoke", headers=auth(w.prime["token"]))
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert (
        await client.post(
            "/api/v1/devices/heartbeat", headers=auth(token2), json={"software_version": "0.2", "outbox_depth": 0}
        )
    ).status_code == 401


async def test_revoked_cards_reach_readers(client):
    w = await make_world(client)
    a, b = await w.worker(w.prime), await w.worker(w.prime)
    r = await client.get("/api/v1/devices/revocations", headers=auth(w.device_token))
    assert r.json() == {"version": 0, "full": True, "revoked": []}
    assert (
        await client.post(f"/api/v1/cards/{a.serial}/revoke", headers=auth(b.token), json={"reason": "lost"})
    ).status_code == 404  # not b's card
    assert (
        await client.post(f"/api/v1/cards/{a.serial}/revoke", headers=auth(a.token), json={"reason": "lost"})
    ).status_code == 200
    assert (
        await client.post(f"/api/v1/cards/{a.serial}/revoke", headers=auth(a.token), json={"reason": "lost"})
    ).status_code == 409
    v1 = (
        await client.post(
            "/api/v1/devices/heartbeat", headers=auth(w.device_token), json={"software_version": "1", "outbox_depth": 0}
        )
    ).json()["revocations_version"]
    assert v1 >= 1
    assert (
        await client.post(f"/api/v1/cards/{b.serial}/revoke", headers=auth(w.op), json={"reason": "withdrawn"})
    ).status_code == 200
    delta = (await client.get(f"/api/v1/devices/revocations?since={v1}", headers=auth(w.device_token))).json()
    assert delta["full"] is False and delta["revoked"] == [b.serial]
    full = (await client.get("/api/v1/devices/revocations?since=0", headers=auth(w.device_token))).json()
    assert full["full"] is True and full["revoked"] == [a.serial, b.serial]
    trail = (await client.get("/api/v1/audit?entity_type=card", headers=auth(w.op))).json()
    assert "card.revoke" in [e["action"] for e in trail]


async def test_device_endpoints_need_a_device(client):
    w = await make_world(client)
    r = await client.post("/api/v1/taps/batch", headers=auth(w.prime["token"]), json={"taps": [{}]})
    assert r.status_code == 403
    r = await client.post("/api/v1/taps/batch", headers=auth("oc_wrong"), json={"taps": [{}]})
    assert r.status_code == 401
