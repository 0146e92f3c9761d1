"""Decisions are made once under concurrency: a change application approved twice at one moment (or approved and
returned), an identical change applied for twice, and a level application judged by two requests at once."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import partial

from tests.api.helpers import (
    PASSWORD,
    approved_business,
    auth,
    jpeg,
    login,
    register_technician,
    submitted_technician,
    upload,
)
from tests.concurrency.conftest import race

ROUNDS = 10


async def _detailed_tech(http, op: str, biz: dict) -> dict:
    t = await submitted_technician(http, employer_business_id=biz["business"]["business_id"], trades=["06-01"])
    assert (
        await http.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    ).status_code == 200
    h = auth(t["token"])
    assert (
        await http.put(f"/api/v1/technicians/{t['pk']}/detailed", headers=h, json={"labour_insurance_special": False})
    ).status_code == 200
    up = (await http.post(f"/api/v1/technicians/{t['pk']}/applications", headers=h, json={"kind": "upgrade"})).json()
    assert (await http.post(f"/api/v1/review/applications/{up['id']}/approve", headers=auth(op))).status_code == 200
    return t


def _change(payload: dict) -> dict:
    return {
        "type": (None, "qualification"),
        "payload": (None, json.dumps(payload)),
        "file": ("c.jpg", jpeg(800, 600), "image/jpeg"),
    }


async def test_a_change_application_is_decided_once(live, http):
    op = await login(http, "op")
    biz = await approved_business(http, op)
    t = await _detailed_tech(http, op, biz)
    url = f"/api/v1/technicians/{t['pk']}/change-applications"
    ever_approved = False
    for n in range(ROUNDS):
        payload = {"code": "T01", "acquired_on": (date(2010, 1, 1) + timedelta(days=n)).isoformat()}
        # The same change sent twice at one moment: one application.
        applied = await race(
            lambda: http.post(url, headers=auth(t["token"]), files=_change(payload)),
            lambda: http.post(url, headers=auth(t["token"]), files=_change(payload)),
        )
        codes = sorted(r.status_code for r in applied)
        assert codes == [201, 409], [r.text for r in applied]
        app_id = next(r.json()["id"] for r in applied if r.status_code == 201)
        assert next(r.json()["error"] for r in applied if r.status_code == 409) == "change_application_open"
        # Two approvals and a return at one moment: exactly one decision.
        decided = await race(
            lambda: http.post(f"/api/v1/review/applications/{app_id}/approve", headers=auth(op)),
            lambda: http.post(f"/api/v1/review/applications/{app_id}/approve", headers=auth(op)),
            lambda: http.post(
                f"/api/v1/review/applications/{app_id}/return",
                headers=auth(op),
                json={"reasons": [{"field": "acquired_on", "reason": "確認"}]},
            ),
        )
        assert sorted(r.status_code for r in decided) == [200, 409, 409], [r.text for r in decided]
        assert all(r.json()["error"] == "already_decided" for r in decided if r.status_code == 409)
        status = await live.fetchval("SELECT status FROM application WHERE id = $1", app_id)
        approved = decided[2].status_code == 409
        assert status == ("approved" if approved else "returned")
        audits = await live.fetchval(
            "SELECT count(*) FROM audit_entry WHERE (action LIKE 'change.%' AND "
            "after->>'application' = $1) OR (action = 'application.return' AND entity_id = $1)",
            str(app_id),
        )
        assert audits == 1
        if not approved:  # free the subject for the next round
            await live.fetch("UPDATE application SET status = 'approved', change_key = NULL WHERE id = $1", app_id)
        ever_approved = ever_approved or approved
        # One qualification row whatever was approved how often: an approval updates the one the code names.
        assert await live.fetchval("SELECT count(*) FROM qualification WHERE technician_id = $1", t["pk"]) == int(
            ever_approved
        )


async def test_a_level_application_is_judged_once(live, http):
    op = await login(http, "op")
    biz = await approved_business(http, op)
    r = await http.post(
        "/api/v1/admin/assessment-bodies",
        headers=auth(op),
        json={
            "name": "(一社)日本鳶工業連合会",
            "trades": ["06-01"],
            "login": "tobi-race",
            "password": PASSWORD,
            "display_name": "鳶連",
        },
    )
    assert r.status_code == 201, r.text
    body = await login(http, "tobi-race")
    site = await http.post(
        "/api/v1/sites",
        headers=auth(biz["token"]),
        json={
            "name": "現場",
            "address": "東京都",
            "order_type": "private",
            "window_start": "2020-01-01",
            "window_end": "2030-12-31",
            "cutoff_hour": 5,
        },
    )
    assert site.status_code == 201, site.text
    for n in range(ROUNDS):
        t = await _detailed_tech(http, op, biz)
        await live.fetch(
            "INSERT INTO work_record (technician_id, site_id, work_date, trade, position, method, taps, missing_exit, "
            "folded_at) SELECT $1, $2, DATE '2021-01-01' + g, '06-01', 'worker', 'card', 2, false, now() "
            "FROM generate_series(0, 644) g",
            t["pk"],
            site.json()["id"],
        )
        app = await http.post(
            f"/api/v1/technicians/{t['pk']}/level-applications", headers=auth(t["token"]), json={"trade": "06-01"}
        )
        assert app.status_code == 201, app.text
        url = f"/api/v1/assessment/level-applications/{app.json()['id']}/judgement"
        results = await race(
            lambda: http.post(url, headers=auth(body), json={"decision": "raise", "level": 2}),
            lambda: http.post(url, headers=auth(body), json={"decision": "raise", "level": 2}),
            lambda: http.post(url, headers=auth(body), json={"decision": "reject", "reason": "再確認"}),
        )
        assert sorted(r.status_code for r in results) == [200, 409, 409], [r.text for r in results]
        judged = await live.fetchval("SELECT count(*) FROM judged_level WHERE technician_id = $1", t["pk"])
        status = await live.fetchval("SELECT status FROM level_application WHERE id = $1", app.json()["id"])
        assert (status, judged) in (("judged", 1), ("rejected", 0))


async def test_an_approved_change_or_a_correction_during_a_departure_keeps_the_departure(live, http, orm):
    """The employer records that a technician has left while the operator approves the technician's change of
    address, or corrects their data. The departure is held open here after its writes and the decision arrives
    meanwhile: the technician stays without an employer. Before, the decision saved the whole technician row as it
    had read it (the employer still committed) and put the employer back: the technician was the employee of a firm
    they had left (its admins saw and managed them again, 経審 counted them)."""
    import asyncio

    from tortoise.transactions import in_transaction

    from api.businesses.models import Business
    from api.registration.service import leave_employer

    op = await login(http, "op")
    biz = await approved_business(http, op)
    for n in range(4):
        t = await submitted_technician(http, employer_business_id=biz["business"]["business_id"])
        r = await http.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
        assert r.status_code == 200, r.text
        address = f"東京都千代田区{n}丁目"
        if n % 2 == 0:  # the technician's change application, approved by the operator
            r = await http.post(
                f"/api/v1/technicians/{t['pk']}/change-applications",
                headers=auth(t["token"]),
                files={"type": (None, "data"), "payload": (None, json.dumps({"changes": {"address": address}}))},
            )
            assert r.status_code == 201, r.text
            decide = partial(http.post, f"/api/v1/review/applications/{r.json()['id']}/approve", headers=auth(op))
        else:  # the operator's correction
            decide = partial(
                http.post,
                f"/api/v1/admin/technicians/{t['pk']}/corrections",
                headers=auth(op),
                json={"changes": {"address": address}, "reason": "住所の誤記"},
            )
        left = asyncio.Event()

        async def leave(pk=t["pk"], left=left):
            async with in_transaction("default"):
                await leave_employer(business=await Business.get(id=biz["business"]["id"]), pk=pk)
                left.set()
                await asyncio.sleep(0.4)  # the decision arrives meanwhile

        async def decided(decide=decide, left=left):
            await left.wait()
            return await decide()

        done, r = await race(leave, decided)
        assert done is None, done
        assert r.status_code == 200, (n, r.text)
        row = await live.fetch("SELECT employer_id, address FROM technician WHERE id = $1", t["pk"])
        assert (row[0]["employer_id"], row[0]["address"]) == (None, address), (n, dict(row[0]))


async def test_a_registration_edited_while_it_is_submitted_is_not_changed(live, http, orm):
    """A technician applies (their registration becomes submitted, and what the operator reviews) while the same
    registration is being edited in another tab (or by the agent filing it). The application is held open here after
    its writes and the edit arrives meanwhile: it is refused, 409 not_editable, and the data under review is what was
    applied with. Before, the edit read the registration as still a draft and changed it under review (before the
    edits saved only their fields, it also put the status back to draft beside the open application)."""
    import asyncio

    from tortoise.transactions import in_transaction

    from api.accounts.models import Account
    from api.registration.models import ApplicationKind, Technician
    from api.registration.review import submit

    for n in range(4):
        reg = await register_technician(http)
        pk, token = reg["technician"]["id"], reg["token"]
        assert (await upload(http, token, pk, "photo", jpeg())).status_code == 200
        assert (await upload(http, token, pk, "id-document", jpeg(800, 500))).status_code == 200
        applied = asyncio.Event()

        async def applying(pk=pk, applied=applied):
            async with in_transaction("default"):
                account = await Account.get(technician_id=pk)
                await submit(actor=account, tech=await Technician.get(id=pk), kind=ApplicationKind.new)
                applied.set()
                await asyncio.sleep(0.4)  # the edit arrives meanwhile

        async def edit(pk=pk, token=token, applied=applied, n=n):
            await applied.wait()
            return await http.patch(
                f"/api/v1/technicians/{pk}", headers=auth(token), json={"address": f"大阪府大阪市{n}丁目"}
            )

        done, r = await race(applying, edit)
        assert done is None, done
        assert r.status_code == 409 and r.json()["error"] == "not_editable", (n, r.status_code, r.text)
        row = (await live.fetch("SELECT status, address FROM technician WHERE id = $1", pk))[0]
        assert row["status"] == "submitted" and not row["address"].startswith("大阪府"), (n, dict(row))


async def test_overlapping_prior_experience_is_approved_once(live, http):
    """Two 経歴証明書 for overlapping periods in one trade (from two former employers, say), both open at once — the
    check when applying sees only approved certificates — approved at the same moment: one is approved, the other is
    refused 409 prior_period_overlaps and stays open to be returned. Before, both were approved and the overlapping
    days counted twice towards the technician's level."""
    op = await login(http, "op")
    biz = await approved_business(http, op)
    t = await submitted_technician(http, employer_business_id=biz["business"]["business_id"])
    r = await http.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    url = f"/api/v1/technicians/{t['pk']}/change-applications"
    for n in range(4):
        year = 1990 + 4 * n
        apps = []
        for start, end in ((f"{year}-04-01", f"{year + 2}-03-31"), (f"{year + 1}-04-01", f"{year + 3}-03-31")):
            payload = {"trade": "06-01", "days": 300, "period_from": start, "period_to": end, "certifier": f"前職{n}"}
            r = await http.post(
                url,
                headers=auth(t["token"]),
                files={"type": (None, "prior_experience"), "payload": (None, json.dumps(payload))}
                | {"file": ("c.jpg", jpeg(800, 600), "image/jpeg")},
            )
            assert r.status_code == 201, r.text
            apps.append(r.json()["id"])
        decided = await race(
            *[partial(http.post, f"/api/v1/review/applications/{a}/approve", headers=auth(op)) for a in apps]
        )
        assert sorted(r.status_code for r in decided) == [200, 409], (n, [r.text for r in decided])
        assert next(r.json()["error"] for r in decided if r.status_code == 409) == "prior_period_overlaps"
        rows = await live.fetchval(
            "SELECT count(*) FROM prior_experience WHERE technician_id = $1 AND period_from >= $2 AND period_to <= $3",
            t["pk"],
            date(year, 1, 1),
            date(year + 4, 1, 1),
        )
        assert rows == 1, n
