"""No 500 for bad input (issue 15 item 5): each of these gets a precise 4xx with its code and changes nothing, on
PostgreSQL and on the embedded SQLite default."""

from __future__ import annotations

import json

from api.timeutil import today_jst
from tests.api.helpers import (
    auth,
    business_payload,
    corporate_number,
    operator_token,
    register_business,
    table_counts,
    technician_payload,
)
from tests.api.site_world import make_world

BIG = 2**63
BIG32 = 2**31


async def _refused(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == code, body
    return body


async def _field(r, field: str, kind: str) -> None:
    """A 422 that names the field and why: not some other field's refusal passing for this one."""
    assert r.status_code == 422, r.text
    assert any(f["field"] == field and f["type"] == kind for f in r.json()["fields"]), r.text


async def test_json_guards(client):
    before = await table_counts()
    deep = "[" * 40 + "]" * 40
    r = await client.post(
        "/api/v1/technicians", content=b'{"a": ' + deep.encode() + b"}", headers={"Content-Type": "application/json"}
    )
    await _refused(r, 400, "json_too_deep")
    very_deep = "[" * 100_000 + "]" * 100_000  # beyond the parser's own recursion limit
    r = await client.post(
        "/api/v1/technicians", content=very_deep.encode(), headers={"Content-Type": "application/json"}
    )
    await _refused(r, 400, "json_too_deep")
    for text in ("山田\u0000", "\ud800"):
        # json.dumps escapes both (\u0000, \ud800): valid JSON text that decodes to what no column can hold.
        r = await client.post(
            "/api/v1/technicians",
            content=json.dumps(technician_payload(family_name=text)),
            headers={"Content-Type": "application/json"},
        )
        body = await _refused(r, 422, "invalid_character")
        assert body["fields"][0]["field"] == "family_name"
    r = await client.post(
        "/api/v1/technicians", content=b'{"family_name": NaN}', headers={"Content-Type": "application/json"}
    )
    await _refused(r, 422, "number_out_of_range")
    r = await client.post("/api/v1/businesses", json=business_payload(capital_yen=BIG))
    await _field(r, "capital_yen", "number_out_of_range")
    r = await client.post("/api/v1/businesses", content=b"[1, 2]", headers={"Content-Type": "application/json"})
    await _refused(r, 422, "json_object_required")
    assert await table_counts() == before


async def test_integers_beyond_their_columns(client):
    w = await make_world(client)
    prime = auth(w.prime["token"])
    site = w.site["id"]
    # Path ids beyond a bigint name nothing.
    for path in (f"/api/v1/sites/{BIG}", f"/api/v1/technicians/{BIG}", f"/api/v1/sites/{site}/roster/{BIG * 10}"):
        r = (
            await client.get(path, headers=prime)
            if "roster/" not in path
            else await client.patch(path, headers=prime, json={"work_content": "x"})
        )
        await _refused(r, 404, "record_not_found")
    # Query and body integers: 64-bit and 32-bit columns.
    r = await client.get("/api/v1/invoices", headers=prime, params={"before_id": str(BIG)})
    await _field(r, "before_id", "number_out_of_range")
    r = await client.post(
        f"/api/v1/sites/{site}/contracts",
        headers=prime,
        json={"business_id": w.sub["business"]["business_id"], "parent_contract_id": BIG},
    )
    await _field(r, "parent_contract_id", "number_out_of_range")
    r = await client.post(
        f"/api/v1/sites/{site}/contracts",
        headers=prime,
        json={"business_id": w.sub["business"]["business_id"], "parent_contract_id": str(BIG)},
    )
    await _field(r, "parent_contract_id", "less_than_equal")  # a string that lax parsing would make a huge int
    r = await client.post(
        "/api/v1/devices/heartbeat",
        headers=auth(w.device_token),
        json={"software_version": "0.1", "outbox_depth": BIG32},
    )
    await _field(r, "outbox_depth", "less_than_equal")  # an integer column: 32 bits
    r = await client.post(
        "/api/v1/devices/heartbeat",
        headers=auth(w.device_token),
        json={"software_version": "0.1", "outbox_depth": BIG32 - 1},
    )
    assert r.status_code == 200, r.text  # the largest 32-bit value fits


async def test_months_and_dates_out_of_range(client):
    w = await make_world(client)
    prime = auth(w.prime["token"])
    pk = w.prime["business"]["id"]
    for month in ("0000-01", "9999-12"):
        r = await client.get(f"/api/v1/businesses/{pk}/kentaikyo", headers=prime, params={"month": month})
        await _field(r, "month", "string_pattern_mismatch")
        r = await client.get("/api/v1/invoices", headers=prime, params={"period": month})
        await _field(r, "period", "string_pattern_mismatch")
    tech = await w.worker(w.prime)
    r = await client.get(f"/api/v1/technicians/{tech.pk}/work-records", headers=prime, params={"month": "9999-12"})
    await _field(r, "month", "string_pattern_mismatch")
    r = await client.get("/api/v1/tariffs", params={"on": "0001-01-01"})
    await _refused(r, 422, "date_out_of_range")
    for start, end, field, kind in (
        ("0001-01-01", "2027-01-01", "window_start", "greater_than_equal"),
        ("2026-01-01", "9999-12-31", "window_end", "less_than_equal"),
    ):
        r = await client.post(
            "/api/v1/sites",
            headers=prime,
            json={
                "name": "現場",
                "address": "東京都",
                "order_type": "private",
                "window_start": start,
                "window_end": end,
            },
        )
        await _field(r, field, kind)
    r = await client.put(
        f"/api/v1/businesses/{pk}/employees/{tech.pk}/employment",
        headers=prime,
        json={"employed_since": today_jst().replace(year=today_jst().year + 1).isoformat()},
    )
    await _field(r, "employed_since", "date_in_future")
    r = await client.post(
        "/api/v1/technicians",
        json=technician_payload(nationality="VN", residence_status="特定技能1号", residence_expiry="2020-01-01"),
    )
    await _field(r, "residence_expiry", "residence_expired")


async def test_strings_match_their_columns(client):
    r = await client.post("/api/v1/technicians", json=technician_payload(family_name="山" * 101))
    await _field(r, "family_name", "string_too_long")
    r = await client.post("/api/v1/technicians", json=technician_payload(family_name="山" * 100))
    assert r.status_code == 201, r.text
    biz = await register_business(client)
    r = await client.post(
        f"/api/v1/businesses/{biz['business']['id']}/site-managers",
        headers=auth(biz["token"]),
        json={"password": "a-long-test-password", "display_name": "名" * 101},
    )
    await _field(r, "display_name", "string_too_long")


async def test_roster_patch_null_and_long_card_serial(client):
    w = await make_world(client)
    tech = await w.worker(w.prime)
    await w.roster(w.prime, tech)
    roster = (await client.get(f"/api/v1/sites/{w.site['id']}/roster", headers=auth(w.prime["token"]))).json()
    r = await client.patch(
        f"/api/v1/sites/{w.site['id']}/roster/{roster[0]['id']}", headers=auth(w.prime["token"]), json={"active": None}
    )
    await _field(r, "body", "null_not_allowed")
    assert "active" in r.json()["fields"][0]["message"]
    serial = "0" * 40
    r = await client.post(f"/api/v1/cards/{serial}/revoke", headers=auth(w.op), json={"reason": "lost"})
    await _refused(r, 404, "card_not_found")
    r = await client.get(f"/api/v1/cards/{serial}/personalisation", headers=auth(w.op))
    await _refused(r, 404, "card_not_found")


async def test_full_width_corporate_number_is_the_same_firm(client):
    """Normalised (NFKC) before the duplicate check: the full-width number is the same firm's. The registration is
    answered like any other (public registration does not tell who is registered: tests/security/test_enumeration.py)
    and kept as a claim on the number, which the operator cannot approve as a second firm."""
    number = corporate_number(4242)
    first = await register_business(client, corporate_number=number)
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    r = await client.post("/api/v1/businesses", json=business_payload(corporate_number=full_width))
    assert r.status_code == 201, r.text
    assert r.json()["business"]["corporate_number"] == number
    op = await operator_token(client)
    r = await client.post(f"/api/v1/review/applications/{r.json()['application_id']}/approve", headers=auth(op))
    await _refused(r, 409, "duplicate_business")
    assert first["business"]["business_id"] in r.json()["message"]


async def test_batch_items_out_of_range_are_refused_item_by_item(client):
    """Taps and attendance records are validated one by one: a bad item is refused with its index, the rest count."""
    w = await make_world(client)
    tech = await w.worker(w.prime)
    good = tech.tap("ok-1")
    bad_time = {**tech.tap("bad-1"), "device_time": "0001-01-01T00:00:00+00:00"}
    bad_seq = {**tech.tap("bad-2"), "device_seq": str(BIG * 10)}
    far = {**tech.tap("bad-3"), "device_time": "9999-12-31T23:59:59+09:00"}
    r = await w.upload(good, bad_time, bad_seq, far)
    assert r.status_code == 200, r.text
    body = r.json()
    assert sorted(e["index"] for e in body["errors"]) == [1, 2, 3], body
    assert {e["error"] for e in body["errors"]} == {"invalid_tap"}
    assert [x["status"] for x in body["results"]] != [], body
