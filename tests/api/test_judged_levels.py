"""Judged levels (issue 18 item 2) and pre-registration experience from a 経歴証明書 (item 3), through the API.

Worked example (docs/levels.md): a とび worker (06-01) with 645 recorded 職長 days, an approved 経歴証明書 of 860
prior days and the approved T05 (職長・安全衛生責任者教育) is estimated at level 3 (1,505 days ≥ 1,505, 645 lead days ≥
215, T05; criteria default-2019-04-01). Only when the trade's body judges level 3 does it become official (silver
card) and earn 2 points (703) in 05 (とび・土工)."""

from api.timeutil import today_jst
from tests.api.changes_helpers import apply_change, approve, approved_change, approved_qualification
from tests.api.helpers import PASSWORD, auth, login, table_counts
from tests.api.level_helpers import assessment_body, work_days
from tests.api.site_world import make_world
from tests.api.test_change_applications import detailed_worker


async def _estimate(client, token, pk, trade="05-01") -> dict:
    r = await client.post(f"/api/v1/technicians/{pk}/levels", headers=auth(token))
    assert r.status_code == 200, r.text
    return next(t for t in r.json()["trades"] if t["trade"] == trade)


async def _tobi_points(client, w) -> int:
    r = await client.get(
        f"/api/v1/businesses/{w.prime['business']['id']}/keishin/staff",
        headers=auth(w.prime["token"]),
        params={"base_date": today_jst().isoformat(), "industries": "05"},
    )
    assert r.status_code == 200, r.text
    return {t["industry_code"]: t["points"] for t in r.json()["totals"]}.get("05", 0)


async def _technician_list(client, w) -> str:
    r = await client.get(
        f"/api/v1/businesses/{w.prime['business']['id']}/technician-list", headers=auth(w.prime["token"])
    )
    assert r.status_code == 200
    return r.content.decode("utf-8-sig")


async def _career(pk: int) -> tuple:
    """The career summary's とび line (level, criteria version, what it says) and its judged history."""
    from api.registration.models import Technician
    from api.reports.service import career

    summary = await career(tech=await Technician.get(id=pk))
    line = next(t for t in summary.trades if t.trade == "とび工")
    history = [(h.from_level, h.to_level, h.criteria_version) for h in summary.history]
    return line.level, line.criteria_version, line.missing_for_next, history


async def test_a_level_is_official_only_once_its_body_judges_it(client):
    w = await make_world(client)
    tobi = await assessment_body(client, w.op, "(一社)日本鳶工業連合会", ["06-01", "07-01"], "tobi-body")
    rebar = await assessment_body(client, w.op, "(公社)全国鉄筋工事業協会", ["05-01"], "tekkin-body")
    worker = await detailed_worker(client, w, trades=["06-01"])
    admin = w.prime["token"]
    await work_days(worker.pk, w.site["id"], 645, position="foreman", trade="06-01")
    # Item 1: T05 in a change application counts nowhere, in the estimate neither, until the operator approves it.
    t05 = await apply_change(client, admin, worker.pk, "qualification", {"code": "T05", "acquired_on": "2009-04-01"})
    assert t05.status_code == 201, t05.text
    assert "職長・安全衛生責任者教育" in (await _estimate(client, worker.token, worker.pk, "06-01"))["missing_for_next"]
    assert (await approve(client, w.op, t05.json()["id"])).status_code == 200
    assert (
        "職長・安全衛生責任者教育"
        not in (await _estimate(client, worker.token, worker.pk, "06-01"))["missing_for_next"]
    )

    # Item 3: the date of the oldest qualification (2009) is no experience; a 経歴証明書 is, once approved.
    est = await _estimate(client, worker.token, worker.pk, "06-01")
    assert (est["level"], est["counted_days"], est["estimate"], est["official_level"]) == (2, 645, True, 1)
    prior = {
        "trade": "06-01",
        "days": 860,
        "period_from": "2010-04-01",
        "period_to": "2016-03-31",
        "certifier": "有限会社前田鉄筋",
    }
    r = await apply_change(client, admin, worker.pk, "prior_experience", prior, with_file=False)
    assert (r.status_code, r.json()["error"]) == (422, "document_required")
    r = await apply_change(
        client, admin, worker.pk, "prior_experience", {**prior, "days": 2200, "period_to": "2010-12-31"}
    )
    assert (r.status_code, r.json()["error"]) == (422, "prior_days_exceed_period")
    r = await apply_change(client, admin, worker.pk, "prior_experience", {**prior, "period_to": "2099-01-01"})
    assert (r.status_code, r.json()["error"]) == (422, "prior_period_after_registration")
    r = await apply_change(client, admin, worker.pk, "prior_experience", prior)
    assert r.status_code == 201
    assert (await _estimate(client, worker.token, worker.pk, "06-01"))["counted_days"] == 645  # not before approval
    assert (
        await client.post(f"/api/v1/review/applications/{r.json()['id']}/approve", headers=auth(w.op))
    ).status_code == 200
    est = await _estimate(client, worker.token, worker.pk, "06-01")
    assert (est["level"], est["counted_days"], est["official_level"], est["official_colour"]) == (3, 1505, 1, "white")
    overlap = await apply_change(
        client, admin, worker.pk, "prior_experience", {**prior, "period_from": "2015-04-01", "days": 100}
    )
    assert (overlap.status_code, overlap.json()["error"]) == (409, "prior_period_overlaps")
    # The estimate earns nothing in 経審 and is no level in the reports: the list says 未評価, the career summary
    # prints the official level 1 and only says that a judgement is worth applying for.
    assert await _tobi_points(client, w) == 0
    assert "とび工,未評価" in await _technician_list(client, w)
    assert await _career(worker.pk) == (1, None, ("推定レベル 3: 能力評価の申請で判定を受けられます",), [])

    # The employer applies for the technician; one open application per trade.
    url = f"/api/v1/technicians/{worker.pk}/level-applications"
    r = await client.post(url, headers=auth(admin), json={"trade": "05-01"})
    assert (r.status_code, r.json()["error"]) == (422, "trade_not_registered")
    r = await client.post(url, headers=auth(admin), json={"trade": "06-01"})
    assert r.status_code == 201, r.text
    app = r.json()
    assert (app["status"], app["estimate_level"], app["proxy"], app["body"], app["criteria_version"]) == (
        "submitted",
        3,
        True,
        "(一社)日本鳶工業連合会",
        "default-2019-04-01",
    )
    assert app["evidence"]["evidence"]["lead_days"] == 645 and app["evidence"]["evidence"]["qualifications"] == ["T05"]
    assert app["evidence"]["evidence"]["certified_prior_days"] == 860
    again = await client.post(url, headers=auth(worker.token), json={"trade": "06-01"})
    assert (again.status_code, again.json()["error"]) == (409, "level_application_open")

    judge = f"/api/v1/assessment/level-applications/{app['id']}/judgement"
    # The wrong body (not its trade): 403 with a code, nothing decided. Nobody else may judge.
    before = await table_counts()
    r = await client.post(judge, headers=auth(rebar), json={"decision": "raise", "level": 3})
    assert (r.status_code, r.json()["error"]) == (403, "wrong_assessment_body")
    assert await table_counts() == before
    assert (await client.post(judge, headers=auth(w.op), json={"decision": "raise", "level": 3})).status_code == 403
    assert (await client.get("/api/v1/assessment/level-applications", headers=auth(rebar))).json() == []
    queue = (await client.get("/api/v1/assessment/level-applications", headers=auth(tobi))).json()
    assert [q["id"] for q in queue] == [app["id"]]
    # More than the evidence supports: refused.
    r = await client.post(judge, headers=auth(tobi), json={"decision": "raise", "level": 4})
    assert (r.status_code, r.json()["error"]) == (422, "level_not_supported")
    r = await client.post(judge, headers=auth(tobi), json={"decision": "reject"})
    assert (r.status_code, r.json()["error"]) == (422, "reason_required")
    # Level 1 is where every registered technician starts: no judgement "raises" to it.
    r = await client.post(judge, headers=auth(tobi), json={"decision": "raise", "level": 1})
    assert (r.status_code, r.json()["error"], r.json()["fields"][0]["field"]) == (422, "validation_error", "level")
    assert await table_counts() == before
    assert await _tobi_points(client, w) == 0

    r = await client.post(judge, headers=auth(tobi), json={"decision": "raise", "level": 3})
    assert r.status_code == 200 and (r.json()["status"], r.json()["judged_level"]) == ("judged", 3)
    second = await client.post(judge, headers=auth(tobi), json={"decision": "raise", "level": 3})
    assert (second.status_code, second.json()["error"]) == (409, "already_decided")
    official = (await client.get(f"/api/v1/technicians/{worker.pk}/official-levels", headers=auth(worker.token))).json()
    assert official["levels"] == [
        {
            "trade": "06-01",
            "level": 3,
            "colour": "silver",
            "criteria_version": "default-2019-04-01",
            "body": "(一社)日本鳶工業連合会",
            "judged_on": today_jst().isoformat(),
        }
    ]
    assert [(h["level"], h["from_level"]) for h in official["history"]] == [(3, None)]
    # Now, and only now, the firm's 経審 points move: level 3 = 703 = 2 points in とび・土工; reports print it.
    assert await _tobi_points(client, w) == 2
    assert "とび工,レベル3" in await _technician_list(client, w)
    level, version, missing, history = await _career(worker.pk)
    assert (level, version, history) == (3, "default-2019-04-01", [(None, 3, "default-2019-04-01")])
    assert not any("推定レベル" in m for m in missing)  # official and estimate agree: what level 4 needs

    # W1⑧ counts judged rises only: this one, in the 3 years to the base date.
    r = await client.get(
        f"/api/v1/businesses/{w.prime['business']['id']}/keishin/w1-skills",
        headers=auth(admin),
        params={"base_date": today_jst().isoformat()},
    )
    assert r.status_code == 200 and (r.json()["risen"], r.json()["risen_ids"]) == (1, [worker.pk])

    # Judged levels never go down: the evidence shrinks (an operator deletes T05), the estimate drops, the official
    # level stays, and there is nothing to apply for.
    qid = (await client.get(f"/api/v1/technicians/{worker.pk}", headers=auth(w.op))).json()["qualifications"][0]["id"]
    r = await client.post(
        f"/api/v1/admin/technicians/{worker.pk}/qualifications/{qid}/corrections",
        headers=auth(w.op),
        json={"action": "delete", "reason": "修了証の再確認"},
    )
    assert r.status_code == 200
    est = await _estimate(client, worker.token, worker.pk, "06-01")
    assert (est["level"], est["official_level"], est["official_colour"]) == (2, 3, "silver")
    r = await client.post(url, headers=auth(admin), json={"trade": "06-01"})
    assert (r.status_code, r.json()["error"]) == (409, "estimate_not_above_official")
    assert await _tobi_points(client, w) == 2
    assert (await _career(worker.pk))[0] == 3 and "とび工,レベル3" in await _technician_list(client, w)


async def test_a_body_can_reject_with_a_reason_and_other_people_cannot_apply(client):
    w = await make_world(client)
    rebar = await assessment_body(client, w.op, "鉄筋協会", ["05-01"], "tekkin2")
    worker = await detailed_worker(client, w)
    await approved_qualification(client, w.op, worker.token, worker.pk, "T01", "2012-04-01")
    await work_days(worker.pk, w.site["id"], 645)
    url = f"/api/v1/technicians/{worker.pk}/level-applications"
    assert (await client.post(url, headers=auth(w.sub["token"]), json={"trade": "05-01"})).status_code == 404
    app = (await client.post(url, headers=auth(worker.token), json={"trade": "05-01"})).json()
    assert app["proxy"] is False and app["estimate_level"] == 2
    r = await client.post(
        f"/api/v1/assessment/level-applications/{app['id']}/judgement",
        headers=auth(rebar),
        json={"decision": "reject", "reason": "就業履歴の現場確認が必要"},
    )
    assert r.status_code == 200 and (r.json()["status"], r.json()["reason"]) == ("rejected", "就業履歴の現場確認が必要")
    official = (await client.get(f"/api/v1/technicians/{worker.pk}/official-levels", headers=auth(worker.token))).json()
    assert official["levels"][0]["level"] == 1 and official["history"] == []
    # A rejected application frees the trade for a new one.
    again = await client.post(url, headers=auth(worker.token), json={"trade": "05-01"})
    assert again.status_code == 201
    # Judged levels never go down nor stand still: should the official level already be 2 when the body decides
    # (a judgement recorded meanwhile), raising to 2 is refused and nothing is written.
    from api.levels.models import AssessmentBody, JudgedLevel, LevelApplication

    body = await AssessmentBody.get(name="鉄筋協会")
    earlier = await LevelApplication.create(
        technician_id=worker.pk,
        trade="05-01",
        body=body,
        applied_by_id=1,
        status="judged",
        estimate_level=2,
        criteria_version="rebar-2019-10-08",
        evidence={},
    )
    await JudgedLevel.create(
        technician_id=worker.pk,
        trade="05-01",
        level=2,
        criteria_version="rebar-2019-10-08",
        colour="blue",
        body=body,
        application=earlier,
        evidence={},
        judged_on=today_jst(),
    )
    before = await table_counts()
    r = await client.post(
        f"/api/v1/assessment/level-applications/{again.json()['id']}/judgement",
        headers=auth(rebar),
        json={"decision": "raise", "level": 2},
    )
    assert (r.status_code, r.json()["error"]) == (409, "level_not_higher")
    assert await table_counts() == before
    official = (await client.get(f"/api/v1/technicians/{worker.pk}/official-levels", headers=auth(worker.token))).json()
    assert [(x["trade"], x["level"]) for x in official["levels"]] == [("05-01", 2)]
    # A trade without a body cannot be applied for.
    r = await approved_change(
        client, w.op, worker.token, worker.pk, "data", {"changes": {"trades": ["05-01", "06-01"]}}
    )
    r = await client.post(url, headers=auth(worker.token), json={"trade": "06-01"})
    assert r.status_code == 409 and r.json()["error"] in ("no_assessment_body", "not_evaluable")


async def test_one_body_per_trade_and_refused_registrations_leave_nothing(client):
    w = await make_world(client)
    await assessment_body(client, w.op, "鉄筋協会", ["05-01"], "tekkin3")
    url = "/api/v1/admin/assessment-bodies"

    def new(**over) -> dict:
        return {
            "name": "型枠協会",
            "trades": ["09-01"],
            "login": "katawaku",
            "password": PASSWORD,
            "display_name": "型枠",
            **over,
        }

    before = await table_counts()
    refusals = [
        (new(trades=["09-01", "05-01"]), 409, "trade_has_body"),  # a trade already judged by another body
        (new(name="鉄筋協会"), 409, "duplicate_body"),
        (
            new(login="tekkin3"),
            409,
            "login_unavailable",
        ),  # a taken login: refused after the body's checks, rolled back with it
        (new(password="short"), 422, None),
        (new(trades=["99-99"]), 422, "unknown_trade"),
    ]
    for payload, status, code in refusals:
        r = await client.post(url, headers=auth(w.op), json=payload)
        assert r.status_code == status, (payload, r.text)
        assert code is None or r.json()["error"] == code
    assert await table_counts() == before
    names = [b["name"] for b in (await client.get("/api/v1/assessment-bodies", headers=auth(w.op))).json()]
    assert names == ["鉄筋協会"]
    r = await client.post(url, headers=auth(w.op), json=new())
    assert r.status_code == 201 and r.json()["trades"] == ["09-01"]
    # A raise needs its level; only an assessment body judges.
    worker = await detailed_worker(client, w)
    await approved_qualification(client, w.op, worker.token, worker.pk, "T01", "2012-04-01")
    await work_days(worker.pk, w.site["id"], 645)
    app = (
        await client.post(
            f"/api/v1/technicians/{worker.pk}/level-applications", headers=auth(worker.token), json={"trade": "05-01"}
        )
    ).json()
    judge = f"/api/v1/assessment/level-applications/{app['id']}/judgement"
    rebar = await login(client, "tekkin3")
    r = await client.post(judge, headers=auth(rebar), json={"decision": "raise"})
    assert (r.status_code, r.json()["error"]) == (422, "level_required")
    r = await client.post(judge, headers=auth(w.prime["token"]), json={"decision": "raise", "level": 2})
    assert r.status_code == 403
