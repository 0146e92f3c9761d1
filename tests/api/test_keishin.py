"""経審 through the API, from the data firms keep in OpenCCUS: the seed's acceptance cases end to end."""

from datetime import date, timedelta

from api.keishin.w1 import W1_REVISION_PENDING_FROM
from tests.api.changes_helpers import approved_qualification
from tests.api.helpers import auth
from tests.api.site_world import make_world

SEED = {"base_date": "2015-11-30", "application_date": "2016-06-01", "industries": "01,05,29"}


async def _employee(client, w, *codes: str, employed_since="2010-04-01"):
    worker = await w.worker(w.prime)
    for code in codes:  # after approval, each qualification is a change application the operator approves
        await approved_qualification(client, w.op, w.prime["token"], worker.pk, code, "2005-02-01")
    r = await client.put(
        f"/api/v1/businesses/{w.prime['business']['id']}/employees/{worker.pk}/employment",
        headers=auth(w.prime["token"]),
        json={"employed_since": employed_since},
    )
    assert r.status_code == 204
    return worker


async def test_the_three_kagawa_technicians_choose_01_99(client):
    w = await make_world(client)
    for _ in range(3):
        await _employee(client, w, "113", "11C")
    recent = await _employee(client, w, "113", employed_since="2015-07-01")  # not more than 6 months
    url = f"/api/v1/businesses/{w.prime['business']['id']}/keishin/staff"
    r = await client.get(url, headers=auth(w.prime["token"]), params=SEED)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [[(g["industry_code"], g["qualification_code"]) for g in row["groups"]] for row in body["rows"]] == [
        [("01", "113"), ("99", "11C")]
    ] * 3
    assert {t["industry_code"]: t["points"] for t in body["totals"]} == {"01": 15, "05": 15, "29": 15, "99": 15}
    assert [e["code"] for e in body["excluded"]] == ["employed_6_months_or_less"]
    assert recent.technician_id in [e["technician_id"] for e in body["excluded"]]
    csv_r = await client.get(
        url, headers=auth(w.prime["token"]), params={**SEED, "format": "csv", "encoding": "shift_jis"}
    )
    assert csv_r.status_code == 200 and "113" in csv_r.content.decode("cp932")
    pdf = await client.get(url, headers=auth(w.prime["token"]), params={**SEED, "format": "pdf"})
    assert pdf.content.startswith(b"%PDF")


async def test_ccus_level_4_counts_3_points_from_2020_04(client):
    w = await make_world(client)
    worker = await _employee(client, w)
    from api.levels.models import AssessmentBody, JudgedLevel, LevelApplication, LevelRecord

    # The engine's estimate (a LevelRecord) is not official: it earns nothing.
    await LevelRecord.create(
        technician_id=worker.pk,
        trade="05-01",
        level=4,
        direction="first",
        criteria_version="rebar",
        evidence={},
        on=date(2020, 1, 10),
    )
    url = f"/api/v1/businesses/{w.prime['business']['id']}/keishin/staff"
    r = await client.get(url, headers=auth(w.prime["token"]), params={"base_date": "2021-03-31", "industries": "12"})
    assert {t["industry_code"]: t["points"] for t in r.json()["totals"]}.get("12") == 0
    # A level 4 judged by the trade's body (the judgement itself is tested in tests/api/test_judged_levels.py).
    body = await AssessmentBody.create(name="鉄筋", trades=["05-01"])
    app = await LevelApplication.create(
        technician_id=worker.pk,
        trade="05-01",
        body=body,
        applied_by_id=1,
        status="judged",
        estimate_level=4,
        criteria_version="rebar",
        evidence={},
    )
    await JudgedLevel.create(
        technician_id=worker.pk,
        trade="05-01",
        level=4,
        criteria_version="rebar",
        colour="gold",
        body=body,
        application=app,
        evidence={},
        judged_on=date(2020, 1, 10),
    )
    r = await client.get(url, headers=auth(w.prime["token"]), params={"base_date": "2021-03-31", "industries": "12"})
    assert r.status_code == 200, r.text
    assert {t["industry_code"]: t["points"] for t in r.json()["totals"]}.get("12") == 3
    r = await client.get(url, headers=auth(w.prime["token"]), params={"base_date": "2019-12-31", "industries": "12"})
    assert {t["industry_code"]: t["points"] for t in r.json()["totals"]}.get("12", 0) == 0


async def test_completed_works_and_bad_input(client):
    w = await make_world(client)
    pk, token = w.prime["business"]["id"], w.prime["token"]
    rows = [("とび工事A", True, 40_000, "05"), ("解体工事B", False, 10_000, "29")]
    for name, prime, amount, code in rows:
        r = await client.post(
            f"/api/v1/businesses/{pk}/contract-history",
            headers=auth(token),
            json={
                "customer": "○○○",
                "work_name": name,
                "prime": prime,
                "location": "香川県高松市",
                "amount_thousand_yen": amount,
                "started_on": "2016-07-01",
                "completed_on": "2017-01-31",
                "industry_code": code,
            },
        )
        assert r.status_code == 201, r.text
    bad = {
        "customer": "x",
        "work_name": "y",
        "prime": True,
        "location": "z",
        "amount_thousand_yen": 1,
        "completed_on": "2017-01-31",
    }
    r = await client.post(f"/api/v1/businesses/{pk}/contract-history", headers=auth(token), json=bad)
    assert r.status_code == 422 and r.json()["error"] == "missing_industry"
    r = await client.post(
        f"/api/v1/businesses/{pk}/contract-history", headers=auth(token), json={**bad, "industry_code": "30"}
    )
    assert r.status_code == 422
    url = f"/api/v1/businesses/{pk}/keishin/completed-works"
    q = {"base_date": "2017-03-31", "fiscal_year_end": "2017-03-31", "industries": "05,29", "averaging_years": 2}
    r = await client.get(url, headers=auth(token), params=q)
    assert r.status_code == 200, r.text
    by_code = {row["code"]: row for row in r.json()["rows"] if row.get("code")}
    assert by_code["050"]["years"][0] == {"completed": 40_000, "prime": 40_000}
    assert by_code["290"]["years"][0] == {"completed": 10_000, "prime": 0}
    # The transitional 300 total (とび・土工 050 + 解体 290), as in the seed's patterns.
    assert by_code["300"]["years"][0]["completed"] == 50_000
    assert by_code["050"]["average"] == {"completed": 20_000, "prime": 20_000}  # 2-year average, one year of work
    # 99 is valid only 2016-06-01 … 2019-05-31.
    r = await client.get(
        f"/api/v1/businesses/{pk}/keishin/staff",
        headers=auth(token),
        params={"base_date": "2020-03-31", "industries": "99"},
    )
    assert r.status_code == 422
    r = await client.get(
        f"/api/v1/businesses/{pk}/keishin/staff",
        headers=auth(token),
        params={"base_date": "2020-03-31", "industries": "30"},
    )
    assert r.status_code == 422
    other = w.sub["token"]
    assert (await client.get(url, headers=auth(other), params=q)).status_code == 403


async def test_w1_compares_the_firms_own_prime_works_with_ccus(client):
    """Worked example (docs/keishin.md, W1⑩): the year's 元請 works of the 工事経歴書 against CCUS."""
    from tortoise.timezone import now

    from api.workrecords.models import WorkRecord

    w = await make_world(client)
    pk, token = w.prime["business"]["id"], w.prime["token"]
    today = date.today()
    q = {"base_date": today.isoformat(), "fiscal_year_start": date(today.year - 1, 4, 1).isoformat()}
    rows = f"/api/v1/businesses/{pk}/contract-history"

    async def w1() -> dict:
        r = await client.get(f"/api/v1/businesses/{pk}/keishin/w1", headers=auth(token), params=q)
        assert r.status_code == 200, r.text
        return r.json()

    def work(name: str, **over) -> dict:
        return {
            "customer": "高松市",
            "work_name": name,
            "prime": True,
            "location": "香川県高松市",
            "amount_thousand_yen": 30_000,
            "started_on": (today - timedelta(days=90)).isoformat(),
            "completed_on": today.isoformat(),
            "industry_code": "01",
            "public": True,
            **over,
        }

    # A CCUS site alone is no 元請 work of the 工事経歴書: nothing to assess.
    assert (await w1())["points"] == 0
    # 市道 is linked to the CCUS site, where a card reader is enrolled: 15.
    road = await client.post(rows, headers=auth(token), json=work("市道改良工事", site_id=w.site["id"]))
    assert road.status_code == 201, road.text
    assert (await w1())["points"] == 15
    # A single approved direct input on that site does not undo it (the reader was in use).
    me = await w.worker(w.prime)
    await WorkRecord.create(
        technician_id=me.pk, site_id=w.site["id"], work_date=today, method="direct", folded_at=now()
    )
    assert (await w1())["points"] == 15
    # A public prime work the firm never registered in CCUS (the reproduction): 0.
    bridge = await client.post(rows, headers=auth(token), json=work("橋梁補修工事"))
    result = await w1()
    assert (
        result["points"] == 0
        and {
            "code": "w1_site_not_registered",
            "text": "橋梁補修工事: site and contract not registered in CCUS",
            "params": {"site": "橋梁補修工事"},
        }
        in result["reasons"]
    )
    # It was 災害応急工事: the exemption is set on the row (a correction, so with a reason) and it is left out.
    fixed = {**work("橋梁補修工事"), "exemption": "disaster"}
    r = await client.put(f"{rows}/{bridge.json()['id']}", headers=auth(token), json=fixed)
    assert (r.status_code, r.json()["error"]) == (422, "reason_required")
    r = await client.put(f"{rows}/{bridge.json()['id']}", headers=auth(token), json={**fixed, "reason": "災害応急工事"})
    assert r.status_code == 200 and r.json()["exemption"] == "disaster"
    result = await w1()
    assert result["points"] == 15 and ("w1_exempt", {"site": "橋梁補修工事", "exemption": "disaster"}) in [
        (x["code"], x["params"]) for x in result["reasons"]
    ]
    # A private prime work on a site where only 直接入力 recorded work: the public test still passes (10).
    shed = await w.create_site(name="倉庫新築工事")
    await WorkRecord.create(technician_id=me.pk, site_id=shed["id"], work_date=today, method="direct", folded_at=now())
    r = await client.post(rows, headers=auth(token), json=work("倉庫新築工事", site_id=shed["id"], public=False))
    assert r.status_code == 201
    result = await w1()
    assert result["points"] == 10
    assert ("w1_site_direct_only", {"site": "倉庫新築工事"}) in [(x["code"], x["params"]) for x in result["reasons"]]
    # Phone check-in is a means of recording too (not 直接入力): with it on the site the private work counts again.
    await WorkRecord.create(
        technician_id=me.pk, site_id=shed["id"], work_date=today - timedelta(days=1), method="phone", folded_at=now()
    )
    result = await w1()
    assert result["points"] == 15
    # From the base dates an announced, unpublished revision may reach, the result says it is provisional.
    assert result["provisional"] == (today >= W1_REVISION_PENDING_FROM)
    # A row cannot be linked to another firm's site.
    other = await client.post(rows, headers=auth(w.sub["token"]).copy(), json=work("他社", site_id=w.site["id"]))
    assert other.status_code == 403 or other.json()["error"] == "site_not_prime"


async def test_contract_rows_are_corrected_and_deleted_with_the_audit_trail(client):
    w = await make_world(client)
    pk, token = w.prime["business"]["id"], w.prime["token"]
    rows = f"/api/v1/businesses/{pk}/contract-history"
    row = {
        "customer": "○○○",
        "work_name": "○○基礎工事",
        "prime": True,
        "location": "香川県高松市",
        "amount_thousand_yen": 10_000,
        "completed_on": "2019-05-31",
        "industry_code": "05",
    }
    created = (await client.post(rows, headers=auth(token), json=row)).json()
    url = f"{rows}/{created['id']}"
    r = await client.put(url, headers=auth(token), json={**row, "amount_thousand_yen": 12_000, "reason": " "})
    assert (r.status_code, r.json()["error"]) == (422, "reason_required")
    r = await client.put(
        url,
        headers=auth(token),
        json={**row, "amount_thousand_yen": 12_000, "industry_code": "29", "reason": "決算変更届に合わせて訂正"},
    )
    assert r.status_code == 200 and (r.json()["amount_thousand_yen"], r.json()["industry_code"]) == (12_000, "29")
    assert (await client.put(url, headers=auth(w.sub["token"]), json={**row, "reason": "xxx"})).status_code == 403
    assert (await client.delete(url, headers=auth(token))).json()["error"] == "reason_required"
    assert (await client.delete(url, headers=auth(token), params={"reason": "重複して登録"})).status_code == 204
    assert (await client.get(rows, headers=auth(token))).json() == []
    assert (await client.delete(url, headers=auth(token), params={"reason": "重複して登録"})).status_code == 404
    trail = (
        await client.get(f"/api/v1/audit?entity_type=contract_history&entity_id={created['id']}", headers=auth(w.op))
    ).json()
    assert [(e["action"], e["reason"], e["actor_role"]) for e in trail] == [
        ("contract_history.delete", "重複して登録", "business_admin"),
        ("contract_history.correct", "決算変更届に合わせて訂正", "business_admin"),
    ]
    assert trail[1]["before"] == {"amount_thousand_yen": 10_000, "industry_code": "05"}
    assert trail[1]["after"] == {"amount_thousand_yen": 12_000, "industry_code": "29"}
    assert trail[0]["before"]["work_name"] == "○○基礎工事" and trail[0]["after"] is None


async def test_kaitai_evidence_is_a_reviewed_change_before_29_counts(client):
    """A 1級土木 passed in 1995 earns nothing in 解体 until the technician's 登録解体工事講習 is approved."""
    from api.timeutil import today_jst
    from tests.api.changes_helpers import apply_change

    w = await make_world(client)
    worker = await _employee(client, w)
    await approved_qualification(client, w.op, w.prime["token"], worker.pk, "113", "1995-08-01")
    url = f"/api/v1/businesses/{w.prime['business']['id']}/keishin/staff"
    params = {"base_date": today_jst().isoformat(), "industries": "01,29"}

    async def points() -> dict:
        r = await client.get(url, headers=auth(w.prime["token"]), params=params)
        assert r.status_code == 200, r.text
        return {t["industry_code"]: t["points"] for t in r.json()["totals"]}

    assert await points() == {"01": 5, "29": 0}
    course = {"kind": "course", "completed_on": "2019-06-30"}
    r = await apply_change(client, w.prime["token"], worker.pk, "kaitai", course, with_file=False)
    assert (r.status_code, r.json()["error"]) == (422, "document_required")
    r = await apply_change(
        client, w.prime["token"], worker.pk, "kaitai", {"kind": "seminar", "completed_on": "2019-06-30"}
    )
    assert (r.status_code, r.json()["error"]) == (422, "invalid_payload")
    r = await apply_change(client, w.prime["token"], worker.pk, "kaitai", course)
    assert r.status_code == 201
    assert await points() == {"01": 5, "29": 0}
    assert (
        await client.post(f"/api/v1/review/applications/{r.json()['id']}/approve", headers=auth(w.op))
    ).status_code == 200
    assert await points() == {"01": 5, "29": 5}


async def test_years_after_passing_and_inferred_rows_through_the_api(client):
    """Item 4 end to end: a 2級とび技能士 (257) counts 3 years after passing, not six months after (the issue's
    reproduction); 131 1級電気通信工事施工管理技士 earns 5 in 通 (22), labelled as an inferred row."""
    w = await make_world(client)
    tobi = await _employee(client, w)
    await approved_qualification(client, w.op, w.prime["token"], tobi.pk, "257", "2023-09-30")
    tsushin = await _employee(client, w)
    await approved_qualification(client, w.op, w.prime["token"], tsushin.pk, "131", "2020-03-01")
    url = f"/api/v1/businesses/{w.prime['business']['id']}/keishin/staff"

    async def staff(base: str) -> dict:
        r = await client.get(url, headers=auth(w.prime["token"]), params={"base_date": base, "industries": "05,22"})
        assert r.status_code == 200, r.text
        return r.json()

    six_months = await staff("2024-03-31")
    assert {t["industry_code"]: t["points"] for t in six_months["totals"]} == {"05": 0, "22": 5}
    waiting = next(n for n in six_months["notes"] if n["code"] == "needs_experience")
    assert (waiting["params"]["qualification"], waiting["params"]["counts_from"]) == ("257", "2026-09-30")
    assert [n["params"]["qualification"] for n in six_months["notes"] if n["code"] == "inferred_code_row"] == ["131"]
    three_years = await staff("2026-09-30")
    assert {t["industry_code"]: t["points"] for t in three_years["totals"]} == {"05": 1, "22": 5}
    assert "needs_experience" not in [n["code"] for n in three_years["notes"]]
