"""Phone check-in with a selfie (issue 20, docs/phone.md): the selfie is matched 1:1 against the technician's own
enrolled faces with the real dlib engine; another person's face is `face_mismatch` (reviewed or refused by policy)."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from api.timeutil import JST
from tests.api.helpers import auth, table_counts
from tests.face.test_routes import _consent

LAT, LON = 35.681236, 139.767125


async def test_selfie_is_matched_one_to_one(client, drain, photos):
    from tests.api.site_world import make_world

    w = await make_world(client)
    obama = await w.worker(w.prime, photo=photos["obama.jpg"].read_bytes(), family_name="大間", given_name="穂")
    await w.roster(w.prime, obama)
    await _consent(client, obama)
    await drain()
    r = await client.put(
        f"/api/v1/sites/{w.site['id']}/phone-settings",
        headers=auth(w.prime["token"]),
        json={"geofence": {"lat": LAT, "lon": LON, "radius_m": 100}, "selfie_required": True},
    )
    assert r.status_code == 200, r.text

    def body(selfie: bytes | None):
        b = {
            "idempotency_key": uuid.uuid4().hex,
            "site_id": w.site["site_id"],
            "direction": "in",
            "client_time": datetime.now(JST).isoformat(),
            "lat": LAT,
            "lon": LON,
            "accuracy_m": 10,
        }
        if selfie is not None:
            b["selfie"] = "data:image/jpeg;base64," + base64.b64encode(selfie).decode()
        return b

    before = await table_counts()
    r = await client.post("/api/v1/phone/checkins", headers=auth(obama.token), json=body(None))
    assert (r.status_code, r.json()["error"]) == (422, "selfie_required")
    assert await table_counts() == before
    r = await client.post(
        "/api/v1/phone/checkins", headers=auth(obama.token), json=body(photos["obama2.jpg"].read_bytes())
    )
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "accepted" and r.json()["tap_status"] == "accepted"
    r = await client.post(
        "/api/v1/phone/checkins", headers=auth(obama.token), json=body(photos["biden.jpg"].read_bytes())
    )
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "review" and [x["code"] for x in r.json()["reasons"]] == ["face_mismatch"]
