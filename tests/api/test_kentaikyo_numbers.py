"""建退共 numbers (issue 21, item 3): the employer's 共済契約者番号 and its technicians' 被共済者番号, entered by the
employer and printed in the export — on PostgreSQL and SQLite."""

from __future__ import annotations

import csv
import io

from tests.api.helpers import auth
from tests.api.test_kentaikyo import DAYS, MONTH, _base, _records, _world


async def test_numbers_fill_the_export_and_silence_the_warnings(client):
    w, me = await _world(client)
    await _records(w, me, w.sub, DAYS[:2])
    h = auth(w.sub["token"])
    r = await client.get(f"{_base(w)}/month", headers=h, params={"month": MONTH})
    assert any("共済契約者番号が未登録" in x for x in r.json()["warnings"])
    assert any("被共済者番号が未登録" in x for x in r.json()["warnings"])
    # Confirmed before the numbers are known: the export fills them in later (identifiers, not reported data).
    assert (await client.post(f"{_base(w)}/confirm", headers=h, json={"month": MONTH})).status_code == 200

    # Bad input: a malformed number, another employer's technician — refused whole, nothing stored.
    other = await w.worker(w.prime)
    for body, code in (
        ({"contract_number": "12a"}, "validation_error"),
        ({"members": [{"technician_id": other.technician_id, "number": "1234567"}]}, "not_your_technician"),
    ):
        r = await client.put(f"{_base(w)}/numbers", headers=h, json={"contract_number": "1300-12345", **body})
        assert r.status_code == 422 and r.json()["error"] == code, r.text
    r = await client.get(f"{_base(w)}/numbers", headers=h)
    assert r.json()["contract_number"] is None
    assert r.json()["members"] == [
        {"technician_id": me.technician_id, "name": r.json()["members"][0]["name"], "number": None}
    ]

    body = {"contract_number": "1300-12345", "members": [{"technician_id": me.technician_id, "number": "88-0001234"}]}
    r = await client.put(f"{_base(w)}/numbers", headers=h, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["contract_number"] == "1300-12345" and r.json()["members"][0]["number"] == "88-0001234"
    # Only the employer sets them; the operator reads them.
    r = await client.put(f"{_base(w)}/numbers", headers=auth(w.prime["token"]), json=body)
    assert r.status_code == 403
    assert (await client.get(f"{_base(w)}/numbers", headers=auth(w.op))).status_code == 200

    r = await client.get(f"{_base(w)}/export", headers=h, params={"month": MONTH})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [(x["共済契約者番号"], x["被共済者番号"], x["技能者ID"]) for x in rows] == [
        ("1300-12345", "88-0001234", me.technician_id)
    ]
    # Saving again replaces (one row each); null removes a technician's number.
    body["members"][0]["number"] = None
    r = await client.put(f"{_base(w)}/numbers", headers=h, json=body)
    assert r.json()["members"][0]["number"] is None and r.json()["contract_number"] == "1300-12345"
