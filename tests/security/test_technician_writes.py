"""Reading is not writing (issue 15 item 1): the prime sees a subcontractor's technician while on its site, but only the
technician, the employer and the operator change the technician — no 詳細型 overwrite, no qualification, no upgrade
billed to the subcontractor, no card reissue (which would revoke the card everywhere and bill 1,000 yen)."""

from __future__ import annotations

from tests.api.helpers import auth, jpeg, table_counts
from tests.api.site_world import make_world


async def test_prime_reads_but_cannot_write_a_subcontractors_technician(client):
    w = await make_world(client)
    await w.join(w.sub, w.prime)
    tech = await w.worker(w.sub)
    await w.roster(w.sub, tech)
    prime = auth(w.prime["token"])
    base = f"/api/v1/technicians/{tech.pk}"

    r = await client.get(base, headers=prime)
    assert r.status_code == 200, r.text  # on the prime's site: visible
    before = r.json()
    counts = await table_counts()

    writes = [
        ("PUT", "/detailed", {"json": {"labour_insurance_special": True}}),
        (
            "POST",
            "/qualifications",
            {
                "data": {"code": "T01", "acquired_on": "2015-04-01"},
                "files": {"file": ("c.jpg", jpeg(800, 600), "image/jpeg")},
            },
        ),
        ("POST", "/applications", {"json": {"kind": "upgrade"}}),
        ("POST", "/card-reissue", {"json": {"reason": "lost"}}),
        ("POST", "/levels", {}),
        ("PATCH", "", {"json": {"address": "東京都港区1-1"}}),
        ("PUT", "/photo", {"files": {"file": ("p.jpg", jpeg(), "image/jpeg")}}),
        (
            "POST",
            "/change-applications",
            {
                "data": {"type": "data", "payload": '{"address": "東京都港区1-1"}'},
                "files": {"file": ("d.jpg", jpeg(), "image/jpeg")},
            },
        ),
        ("POST", "/level-applications", {"json": {"trade": "05-01"}}),
    ]
    for method, suffix, kw in writes:
        r = await client.request(method, base + suffix, headers=prime, **kw)
        assert r.status_code == 403, (suffix, r.text)
        assert r.json()["error"] == "technician_read_only", suffix
    assert await table_counts() == counts  # nothing written, nothing billed
    after = (await client.get(base, headers=prime)).json()
    assert after["card"] == before["card"] and after["card"]["status"] == "active"
    assert after["detailed"] == before["detailed"] and after["qualifications"] == before["qualifications"]

    # The employer still can (the upgrade path starts with the 詳細型 data).
    r = await client.put(base + "/detailed", headers=auth(w.sub["token"]), json={"labour_insurance_special": True})
    assert r.status_code == 200, r.text
    # An unrelated firm neither sees nor writes: 404, the technician's existence is not revealed.
    r = await client.put(base + "/detailed", headers=auth(w.sub2["token"]), json={"labour_insurance_special": True})
    assert r.status_code == 404


async def test_off_the_site_the_prime_neither_sees_nor_writes(client):
    w = await make_world(client)
    await w.join(w.sub, w.prime)
    tech = await w.worker(w.sub)  # employed by the subcontractor, but not on the prime's roster
    r = await client.post(
        f"/api/v1/technicians/{tech.pk}/card-reissue", headers=auth(w.prime["token"]), json={"reason": "lost"}
    )
    assert r.status_code == 404
