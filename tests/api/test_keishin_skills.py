"""W1⑧ (issue 18 item 5) through the API: a firm's W1⑧ moves only after an assessment body judges a level rise —
never on the engine's estimate, nor on an application. Worked example in docs/keishin.md §5 "W1⑧"."""

from api.timeutil import today_jst
from tests.api.changes_helpers import approved_qualification
from tests.api.helpers import auth
from tests.api.level_helpers import assessment_body, work_days
from tests.api.site_world import make_world
from tests.api.test_change_applications import detailed_worker
from tests.billing.world import technicians


async def test_w1_8_moves_only_after_a_judged_rise(client):
    w = await make_world(client)
    tobi = await assessment_body(client, w.op, "(一社)日本鳶工業連合会", ["06-01"], "tobi-w18")
    worker = await detailed_worker(client, w, trades=["06-01"])
    admin = w.prime["token"]
    await approved_qualification(client, w.op, admin, worker.pk, "T05", "2009-04-01")
    await work_days(worker.pk, w.site["id"], 645, position="foreman", trade="06-01")
    await technicians(7, w.prime["business"]["id"])  # 8 技能者 in all
    base = today_jst().isoformat()
    firm = f"/api/v1/businesses/{w.prime['business']['id']}/keishin"
    year = {"base_date": base, "fiscal_year_start": today_jst().replace(month=1, day=1).isoformat()}

    async def w18(**params) -> dict:
        r = await client.get(f"{firm}/w1-skills", headers=auth(admin), params={"base_date": base, **params})
        assert r.status_code == 200, r.text
        return r.json()

    before = await w18(engineers=2, engineer_value=5)
    assert (before["technicians"], before["risen"], before["skill_value"]) == (8, 0, 0)
    assert (before["computed_value"], before["points"]) == (1.0, 1)  # 2/10 × 5: the 技術者 part only

    # The estimate says level 2, and the employer applies: still no rise.
    est = (await client.post(f"/api/v1/technicians/{worker.pk}/levels", headers=auth(worker.token))).json()
    assert next(t for t in est["trades"] if t["trade"] == "06-01")["level"] == 2
    r = await client.post(
        f"/api/v1/technicians/{worker.pk}/level-applications", headers=auth(admin), json={"trade": "06-01"}
    )
    assert r.status_code == 201, r.text
    assert await w18(engineers=2, engineer_value=5) == before

    # The body judges level 2: 1 of 8 rose (12.5% → B = 8), W1⑧ = 2/10 × 5 + 8/10 × 8 = 7.4 → 7 points.
    r = await client.post(
        f"/api/v1/assessment/level-applications/{r.json()['id']}/judgement",
        headers=auth(tobi),
        json={"decision": "raise", "level": 2},
    )
    assert r.status_code == 200, r.text
    after = await w18(engineers=2, engineer_value=5)
    assert (after["risen"], after["risen_ids"], after["ratio"], after["skill_value"]) == (1, [worker.pk], 0.125, 8)
    assert (after["computed_value"], after["points"]) == (7.4, 7)
    # Without 技術者数 the 評点 is not guessed; the W1 output shows W1⑧ beside W1⑩.
    assert (await w18())["points"] is None
    r = await client.get(f"{firm}/w1", headers=auth(admin), params={**year, "engineers": 0})
    assert r.status_code == 200, r.text
    assert (r.json()["skills"]["skill_value"], r.json()["skills"]["points"]) == (8, 8)
    # A base date before the judgement: nothing yet.
    assert (await w18(base_date="2020-01-01"))["risen"] == 0
    # Bad input: a precise 422 naming the field.
    for bad in ({"engineers": -1}, {"engineer_value": 11}, {"engineers": "x"}):
        r = await client.get(f"{firm}/w1-skills", headers=auth(admin), params={"base_date": base, **bad})
        assert r.status_code == 422 and r.json()["fields"][0]["field"] == next(iter(bad)), (bad, r.text)
