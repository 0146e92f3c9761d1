"""変更申請 (issue 18 item 1): after approval a qualification or a data change counts only once the operator approves
its application; returns carry per-field reasons; history and the audit trail keep every step."""

import io

from PIL import Image

from tests.api.changes_helpers import apply_change, approve, approved_qualification
from tests.api.helpers import auth, jpeg, table_counts
from tests.api.site_world import make_world

STAFF = {"base_date": "2026-03-31", "industries": "01"}


async def detailed_worker(client, w, **over):
    """An approved 詳細型 technician of the prime (employed long enough to count in 経審)."""
    worker = await w.worker(w.prime, **over)
    h = auth(worker.token)
    assert (
        await client.put(
            f"/api/v1/technicians/{worker.pk}/detailed", headers=h, json={"labour_insurance_special": False}
        )
    ).status_code == 200
    app = (
        await client.post(f"/api/v1/technicians/{worker.pk}/applications", headers=h, json={"kind": "upgrade"})
    ).json()
    assert (await approve(client, w.op, app["id"])).status_code == 200
    r = await client.put(
        f"/api/v1/businesses/{w.prime['business']['id']}/employees/{worker.pk}/employment",
        headers=auth(w.prime["token"]),
        json={"employed_since": "2015-04-01"},
    )
    assert r.status_code == 204
    return worker


async def _points(client, w) -> int:
    r = await client.get(
        f"/api/v1/businesses/{w.prime['business']['id']}/keishin/staff", headers=auth(w.prime["token"]), params=STAFF
    )
    assert r.status_code == 200, r.text
    return {t["industry_code"]: t["points"] for t in r.json()["totals"]}.get("01", 0)


def blank_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (255, 255, 255)).save(buf, "JPEG")
    return buf.getvalue()


async def test_a_new_qualification_counts_only_after_its_change_application_is_approved(client):
    w = await make_world(client)
    worker = await detailed_worker(client, w)
    admin = w.prime["token"]
    # The old way (the reproduction): a direct add after approval is refused, nothing stored.
    r = await client.post(
        f"/api/v1/technicians/{worker.pk}/qualifications",
        headers=auth(admin),
        files={"file": ("c.jpg", jpeg(800, 600), "image/jpeg")},
        data={"code": "113", "acquired_on": "2017-02-01"},
    )
    assert (r.status_code, r.json()["error"]) == (409, "change_application_required")
    # Without the certificate, or with a blank one: precise 422s, nothing written (not even the image).
    before = await table_counts()
    r = await apply_change(
        client, admin, worker.pk, "qualification", {"code": "113", "acquired_on": "2017-02-01"}, with_file=False
    )
    assert (r.status_code, r.json()["error"]) == (422, "document_required")
    r = await apply_change(
        client, admin, worker.pk, "qualification", {"code": "113", "acquired_on": "2017-02-01"}, file=blank_jpeg()
    )
    assert (r.status_code, r.json()["error"]) == (422, "blank_document")
    r = await apply_change(client, admin, worker.pk, "qualification", {"code": "nope", "acquired_on": "2017-02-01"})
    assert (r.status_code, r.json()["error"]) == (422, "invalid_payload")
    assert await table_counts() == before
    assert (await client.get(f"/api/v1/technicians/{worker.pk}/change-applications", headers=auth(admin))).json() == []

    # Applied with its certificate: submitted, and counted nowhere yet.
    r = await apply_change(client, admin, worker.pk, "qualification", {"code": "113", "acquired_on": "2071-02-01"})
    assert (r.status_code, r.json()["error"]) == (422, "invalid_payload")  # acquired in the future
    r = await apply_change(client, admin, worker.pk, "qualification", {"code": "113", "acquired_on": "2007-02-01"})
    assert r.status_code == 201, r.text
    app = r.json()
    assert (app["kind"], app["change_type"], app["status"], app["proxy"], app["has_document"]) == (
        "change",
        "qualification",
        "submitted",
        True,
        True,
    )
    assert await _points(client, w) == 0
    tech = (await client.get(f"/api/v1/technicians/{worker.pk}", headers=auth(admin))).json()
    assert tech["qualifications"] == []
    # A second application for the same qualification while one is open: 409.
    again = await apply_change(client, admin, worker.pk, "qualification", {"code": "113", "acquired_on": "2007-02-01"})
    assert (again.status_code, again.json()["error"]) == (409, "change_application_open")

    # The operator sees the document, returns with a per-field reason (unknown fields refused).
    doc = await client.get(f"/api/v1/change-applications/{app['id']}/document", headers=auth(w.op))
    assert doc.status_code == 200 and doc.headers["content-type"] == "image/jpeg"
    bad = await client.post(
        f"/api/v1/review/applications/{app['id']}/return",
        headers=auth(w.op),
        json={"reasons": [{"field": "birth_date", "reason": "x"}]},
    )
    assert (bad.status_code, bad.json()["error"]) == (422, "unknown_field")
    r = await client.post(
        f"/api/v1/review/applications/{app['id']}/return",
        headers=auth(w.op),
        json={"reasons": [{"field": "acquired_on", "reason": "合格証明書の日付は2017年2月1日です"}]},
    )
    assert r.status_code == 200 and r.json()["application"]["status"] == "returned"
    assert r.json()["application"]["return_reasons"] == [
        {"field": "acquired_on", "reason": "合格証明書の日付は2017年2月1日です"}
    ]
    assert await _points(client, w) == 0
    # Resubmitted with the date corrected (the document stays), then approved: now it counts.
    r = await client.post(
        f"/api/v1/change-applications/{app['id']}/resubmit",
        headers=auth(admin),
        files={"type": (None, "qualification"), "payload": (None, '{"code": "113", "acquired_on": "2017-02-01"}')},
    )
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    assert (await approve(client, w.op, app["id"])).status_code == 200
    assert await _points(client, w) == 5
    second = await approve(client, w.op, app["id"])
    assert (second.status_code, second.json()["error"]) == (409, "already_decided")
    tech = (await client.get(f"/api/v1/technicians/{worker.pk}", headers=auth(admin))).json()
    assert [(q["code"], q["acquired_on"], q["approved"]) for q in tech["qualifications"]] == [
        ("113", "2017-02-01", True)
    ]
    # History: the application with its decisions, and the audit trail with before/after.
    history = (
        await client.get(f"/api/v1/technicians/{worker.pk}/change-applications", headers=auth(worker.token))
    ).json()
    assert [(h["status"], h["payload"]["acquired_on"]) for h in history] == [("approved", "2017-02-01")]
    trail = (await client.get(f"/api/v1/audit?entity_type=technician&entity_id={worker.pk}", headers=auth(w.op))).json()
    assert any(e["action"] == "change.qualification.approve" and e["after"]["code"] == "113" for e in trail)


async def test_a_changed_qualification_keeps_the_old_one_until_approved(client):
    w = await make_world(client)
    worker = await detailed_worker(client, w)
    await approved_qualification(client, w.op, worker.token, worker.pk, "T01", "2015-04-01")
    r = await apply_change(
        client,
        worker.token,
        worker.pk,
        "qualification",
        {"code": "T01", "acquired_on": "2015-04-01", "expires_on": "2030-03-31"},
    )
    assert r.status_code == 201 and r.json()["proxy"] is False
    tech = (await client.get(f"/api/v1/technicians/{worker.pk}", headers=auth(worker.token))).json()
    assert tech["qualifications"][0]["expires_on"] is None
    assert (await approve(client, w.op, r.json()["id"])).status_code == 200
    tech = (await client.get(f"/api/v1/technicians/{worker.pk}", headers=auth(worker.token))).json()
    assert tech["qualifications"][0]["expires_on"] == "2030-03-31"
    history = (await client.get(f"/api/v1/technicians/{worker.pk}/change-applications", headers=auth(w.op))).json()
    assert [h["payload"].get("expires_on") for h in history] == ["2030-03-31", None]


async def test_reviewed_data_changes_wait_for_approval(client):
    w = await make_world(client)
    worker = await detailed_worker(client, w)
    r = await apply_change(
        client, worker.token, worker.pk, "data", {"changes": {"trades": ["05-01", "06-01"]}}, with_file=False
    )
    assert r.status_code == 201, r.text
    tech = (await client.get(f"/api/v1/technicians/{worker.pk}", headers=auth(worker.token))).json()
    assert tech["trades"] == ["05-01"]
    bad = await apply_change(client, worker.token, worker.pk, "data", {"changes": {}}, with_file=False)
    assert (bad.status_code, bad.json()["error"]) == (422, "nothing_to_change")
    assert (await approve(client, w.op, r.json()["id"])).status_code == 200
    tech = (await client.get(f"/api/v1/technicians/{worker.pk}", headers=auth(worker.token))).json()
    assert tech["trades"] == ["05-01", "06-01"]
    # Operators correct rather than apply; others' technicians are not found.
    r = await apply_change(client, w.op, worker.pk, "data", {"changes": {"address": "x"}}, with_file=False)
    assert r.status_code == 403
    r = await apply_change(client, w.sub["token"], worker.pk, "data", {"changes": {"address": "x"}}, with_file=False)
    assert r.status_code == 404


async def test_operator_corrects_qualifications_and_business_data_with_a_reason(client):
    w = await make_world(client)
    worker = await detailed_worker(client, w)
    await approved_qualification(client, w.op, w.prime["token"], worker.pk, "113", "2017-02-01")
    assert await _points(client, w) == 5
    qid = (await client.get(f"/api/v1/technicians/{worker.pk}", headers=auth(w.op))).json()["qualifications"][0]["id"]
    url = f"/api/v1/admin/technicians/{worker.pk}/qualifications/{qid}/corrections"
    before = await table_counts()
    r = await client.post(url, headers=auth(w.op), json={"action": "delete"})
    assert (r.status_code, r.json()["error"]) == (422, "reason_required")
    assert await table_counts() == before and await _points(client, w) == 5
    r = await client.post(
        url, headers=auth(w.op), json={"action": "change", "acquired_on": "2018-02-01", "reason": "合格証明書と照合"}
    )
    assert r.status_code == 200 and r.json()["qualifications"][0]["acquired_on"] == "2018-02-01"
    r = await client.post(url, headers=auth(w.op), json={"action": "delete", "reason": "偽造の疑いで取消"})
    assert r.status_code == 200 and r.json()["qualifications"] == []
    assert await _points(client, w) == 0
    trail = (await client.get(f"/api/v1/audit?entity_type=technician&entity_id={worker.pk}", headers=auth(w.op))).json()
    assert [e["action"] for e in trail][:2] == ["qualification.delete", "qualification.correct"]
    assert trail[1]["before"]["acquired_on"] == "2017-02-01" and trail[1]["after"]["acquired_on"] == "2018-02-01"
    # Non-operators cannot correct.
    assert (
        await client.post(url, headers=auth(w.prime["token"]), json={"action": "delete", "reason": "xxx"})
    ).status_code == 403

    burl = f"/api/v1/admin/businesses/{w.prime['business']['id']}/corrections"
    before = await table_counts()
    r = await client.post(burl, headers=auth(w.op), json={"changes": {"capital_yen": 50_000_000}})
    assert (r.status_code, r.json()["error"]) == (422, "reason_required")
    r = await client.post(burl, headers=auth(w.op), json={"changes": {"capital_yen": 50_000_000}, "reason": "   "})
    assert (r.status_code, r.json()["error"]) == (422, "reason_required")
    business = (await client.get(f"/api/v1/businesses/{w.prime['business']['id']}", headers=auth(w.op))).json()
    assert business["capital_yen"] == 30_000_000 and await table_counts() == before  # nothing changed
    r = await client.post(
        burl, headers=auth(w.op), json={"changes": {"capital_yen": 50_000_000}, "reason": "登記簿謄本により訂正"}
    )
    assert r.status_code == 200 and r.json()["capital_yen"] == 50_000_000
    trail = (
        await client.get(
            f"/api/v1/audit?entity_type=business&entity_id={w.prime['business']['id']}", headers=auth(w.op)
        )
    ).json()
    assert trail[0]["action"] == "business.correct" and trail[0]["after"] == {"capital_yen": 50_000_000}


async def test_business_data_changes_wait_for_approval(client):
    w = await make_world(client)
    pk, token = w.prime["business"]["id"], w.prime["token"]
    url = f"/api/v1/businesses/{pk}/change-applications"
    r = await client.post(url, headers=auth(token), json={"changes": {}})
    assert (r.status_code, r.json()["error"]) == (422, "nothing_to_change")
    r = await client.post(
        url,
        headers=auth(token),
        json={"changes": {"capital_yen": 80_000_000, "permitted_industries": ["01", "05", "29"]}},
    )
    assert r.status_code == 201 and (r.json()["kind"], r.json()["change_type"]) == ("change", "business_data")
    again = await client.post(url, headers=auth(token), json={"changes": {"address": "千代田区2-2"}})
    assert (again.status_code, again.json()["error"]) == (409, "change_application_open")
    assert (
        await client.post(url, headers=auth(w.sub["token"]), json={"changes": {"capital_yen": 1}})
    ).status_code == 403
    business = (await client.get(f"/api/v1/businesses/{pk}", headers=auth(token))).json()
    assert business["capital_yen"] == 30_000_000  # unchanged until approved
    app = r.json()["id"]
    r = await client.post(
        f"/api/v1/review/applications/{app}/return",
        headers=auth(w.op),
        json={"reasons": [{"field": "capital_yen", "reason": "登記簿の資本金と一致しません"}]},
    )
    assert r.status_code == 200
    r = await client.post(
        f"/api/v1/change-applications/{app}/resubmit",
        headers=auth(token),
        files={"type": (None, "business_data"), "payload": (None, '{"changes": {"capital_yen": 50000000}}')},
    )
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    assert (await approve(client, w.op, app)).status_code == 200
    business = (await client.get(f"/api/v1/businesses/{pk}", headers=auth(token))).json()
    assert business["capital_yen"] == 50_000_000
    trail = (await client.get(f"/api/v1/audit?entity_type=business&entity_id={pk}", headers=auth(w.op))).json()
    assert trail[0]["action"] == "change.business_data.approve" and trail[0]["after"]["capital_yen"] == 50_000_000
    history = (await client.get(url, headers=auth(token))).json()
    assert [(h["status"], h["payload"]["changes"]) for h in history] == [("approved", {"capital_yen": 50_000_000})]


async def test_a_qualification_added_before_the_upgrade_counts_only_once_the_upgrade_is_approved(client):
    """The other way a qualification enters: an approved 簡略型 technician's employer adds it directly, to be reviewed
    with the upgrade to 詳細型. Until the operator approves the upgrade it counts nowhere: not in 経審, not as approved
    on the record; a blank certificate is refused on this path too."""
    w = await make_world(client)
    worker = await w.worker(w.prime)
    admin = w.prime["token"]
    r = await client.put(
        f"/api/v1/businesses/{w.prime['business']['id']}/employees/{worker.pk}/employment",
        headers=auth(admin),
        json={"employed_since": "2015-04-01"},
    )
    assert r.status_code == 204
    add = f"/api/v1/technicians/{worker.pk}/qualifications"
    before = await table_counts()
    r = await client.post(
        add,
        headers=auth(admin),
        files={"file": ("c.jpg", blank_jpeg(), "image/jpeg")},
        data={"code": "113", "acquired_on": "2017-02-01"},
    )
    assert (r.status_code, r.json()["error"]) == (422, "blank_document")
    assert await table_counts() == before
    r = await client.post(
        add,
        headers=auth(admin),
        files={"file": ("c.jpg", jpeg(800, 600), "image/jpeg")},
        data={"code": "113", "acquired_on": "2017-02-01"},
    )
    assert r.status_code == 201, r.text
    tech = (await client.get(f"/api/v1/technicians/{worker.pk}", headers=auth(admin))).json()
    assert [(q["code"], q["approved"]) for q in tech["qualifications"]] == [("113", False)]
    assert await _points(client, w) == 0
    # The upgrade, approved by the operator: now it counts.
    h = auth(worker.token)
    assert (
        await client.put(
            f"/api/v1/technicians/{worker.pk}/detailed", headers=h, json={"labour_insurance_special": False}
        )
    ).status_code == 200
    app = (
        await client.post(f"/api/v1/technicians/{worker.pk}/applications", headers=h, json={"kind": "upgrade"})
    ).json()
    assert await _points(client, w) == 0
    assert (await approve(client, w.op, app["id"])).status_code == 200
    assert await _points(client, w) == 5


async def test_a_code_withdrawn_from_the_masters_after_submission_does_not_break_the_application(client):
    """A change is checked against the masters when submitted. If a code leaves the masters later (a new data file),
    the waiting application still reads back, and its approval applies what was submitted: the person did get that
    qualification; it was valid when applied for."""
    from api.registration.masters import qualifications, trades

    w = await make_world(client)
    worker = await detailed_worker(client, w)
    q = await apply_change(
        client, worker.token, worker.pk, "qualification", {"code": "T01", "acquired_on": "2015-04-01"}
    )
    d = await apply_change(
        client, worker.token, worker.pk, "data", {"changes": {"trades": ["05-01", "06-01"]}}, with_file=False
    )
    assert q.status_code == 201 and d.status_code == 201
    withdrawn_q, withdrawn_t = qualifications().pop("T01"), trades().pop("06-01")
    try:
        r = await client.get(f"/api/v1/technicians/{worker.pk}/change-applications", headers=auth(worker.token))
        assert r.status_code == 200, r.text
        assert {a["change_type"]: a["payload"] for a in r.json()} == {
            "qualification": {"code": "T01", "acquired_on": "2015-04-01", "expires_on": None},
            "data": {"changes": {"trades": ["05-01", "06-01"]}},
        }
        assert (await approve(client, w.op, q.json()["id"])).status_code == 200
        assert (await approve(client, w.op, d.json()["id"])).status_code == 200
        tech = (await client.get(f"/api/v1/technicians/{worker.pk}", headers=auth(worker.token))).json()
        assert [x["code"] for x in tech["qualifications"]] == ["T01"]
        assert tech["trades"] == ["05-01", "06-01"]
        # A new application with the withdrawn code is refused.
        r = await apply_change(
            client, worker.token, worker.pk, "qualification", {"code": "T01", "acquired_on": "2016-04-01"}
        )
        assert (r.status_code, r.json()["error"]) == (422, "invalid_payload")
    finally:
        qualifications()["T01"], trades()["06-01"] = withdrawn_q, withdrawn_t
