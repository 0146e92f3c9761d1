"""The code tables are part of the contract: what /masters lists is what the API accepts."""

from __future__ import annotations

from tests.api.helpers import approved_business, auth, operator_token, submitted_technician


async def test_every_table_is_listed_with_its_source(client):
    r = await client.get("/api/v1/masters")
    assert r.status_code == 200
    body = r.json()
    tables = {t["name"]: t for t in body["tables"]}
    assert set(tables) == {"trades", "positions", "qualifications", "industries", "prefectures"}
    assert all(t["source"] for t in tables.values())
    assert len(tables["industries"]["codes"]) == 29 and len(tables["prefectures"]["codes"]) == 47
    assert tables["prefectures"]["codes"][12] == {
        "code": "13",
        "name": "東京都",
        "name_en": None,
        "category": None,
        "keishin_industry": None,
    }
    # The trade codes are OpenCCUS's own while the official list is not public: labelled so.
    assert tables["trades"]["provisional"] is True and "not public" in tables["trades"]["source"]
    assert "Damm" in body["id_check_digit"]
    one = await client.get("/api/v1/masters/positions")
    assert one.status_code == 200 and [c["code"] for c in one.json()["codes"]] == [
        "foreman",
        "team_leader",
        "worker",
        "apprentice",
    ]
    missing = await client.get("/api/v1/masters/levels")
    assert missing.status_code == 404 and missing.json()["error"] == "master_not_found"


async def test_the_listed_codes_are_the_accepted_ones(client):
    """A trade from the table registers; a code the table does not list is refused. The positions table is what
    the roster takes."""
    trades = [c["code"] for c in (await client.get("/api/v1/masters/trades")).json()["codes"]]
    op = await operator_token(client)
    biz = await approved_business(client, op)
    listed = await submitted_technician(
        client, employer_business_id=biz["business"]["business_id"], trades=[trades[-1]]
    )
    assert listed["pk"]
    bad = await client.post("/api/v1/technicians", json={**(await _payload()), "trades": ["99-99"]})
    assert bad.status_code == 422 and any("trades" in f["field"] for f in bad.json()["fields"]), bad.text
    positions = [c["code"] for c in (await client.get("/api/v1/masters/positions")).json()["codes"]]
    from api.sites.models import Position

    assert positions == [p.value for p in Position]
    r = await client.get("/api/v1/masters/industries", headers=auth(op))
    assert r.status_code == 200


async def _payload() -> dict:
    from tests.api.helpers import technician_payload

    return technician_payload()
