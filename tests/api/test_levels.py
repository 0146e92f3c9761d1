from datetime import date

from tests.api.helpers import auth, jpeg
from tests.api.level_helpers import work_days as _days
from tests.api.site_world import make_world


async def _detailed(client, w, worker, op):
    files = {"file": ("c.jpg", jpeg(800, 600), "image/jpeg")}
    r = await client.post(
        f"/api/v1/technicians/{worker.pk}/qualifications",
        headers=auth(worker.token),
        files=files,
        data={"code": "T01", "acquired_on": "2015-04-01"},
    )
    assert r.status_code == 201, r.text
    await client.put(
        f"/api/v1/technicians/{worker.pk}/detailed",
        headers=auth(worker.token),
        json={"labour_insurance_special": False},
    )
    app = (
        await client.post(
            f"/api/v1/technicians/{worker.pk}/applications", headers=auth(worker.token), json={"kind": "upgrade"}
        )
    ).json()
    assert (await client.post(f"/api/v1/review/applications/{app['id']}/approve", headers=auth(op))).status_code == 200


async def test_level_per_trade_with_what_is_missing_and_history(client):
    w = await make_world(client)
    me = await w.worker(w.prime)
    simple = await w.worker(w.prime)
    await _detailed(client, w, me, w.op)
    from api.registration.models import Technician

    # Registered just now: no pre-registration credit beyond the qualification date (2015) … make it count nothing.
    await Technician.filter(id=me.pk).update(registered_on=date(2015, 4, 1))
    await _days(me.pk, w.site["id"], 644)
    r = await client.post(f"/api/v1/technicians/{me.pk}/levels", headers=auth(me.token))
    assert r.status_code == 200, r.text
    rebar = next(t for t in r.json()["trades"] if t["trade"] == "05-01")
    assert (rebar["level"], rebar["counted_days"]) == (1, 644)
    assert rebar["missing_for_next"] == ["就業日数 あと 1 日"]
    await _days(me.pk, w.site["id"], 1, earlier=700)  # one more day, long before the others
    r = await client.post(f"/api/v1/technicians/{me.pk}/levels", headers=auth(me.token))
    rebar = next(t for t in r.json()["trades"] if t["trade"] == "05-01")
    assert rebar["level"] == 2 and rebar["missing_for_next"]
    assert [(h["level"], h["direction"]) for h in r.json()["history"]] == [(2, "up"), (1, "first")]
    # Evaluating again changes nothing in the history.
    r = await client.post(f"/api/v1/technicians/{me.pk}/levels", headers=auth(me.token))
    assert len(r.json()["history"]) == 2
    # 簡略型 technicians are not evaluated, and are told why.
    r = await client.post(f"/api/v1/technicians/{simple.pk}/levels", headers=auth(simple.token))
    assert [t["reason"] for t in r.json()["trades"]] == ["simplified_tier"]
    # Others' levels are private like the rest of their data.
    assert (await client.post(f"/api/v1/technicians/{me.pk}/levels", headers=auth(simple.token))).status_code == 404


async def test_a_day_is_a_day_two_sites_on_one_date_count_once(client):
    """Work days, 職長 days toward levels are distinct Japan dates per technician and trade, not records."""
    w = await make_world(client)
    me = await w.worker(w.prime)
    await _detailed(client, w, me, w.op)
    from api.registration.models import Technician

    await Technician.filter(id=me.pk).update(registered_on=date(2015, 4, 1))
    second = await w.create_site(name="第二現場")
    await _days(me.pk, w.site["id"], 644)  # every one of these dates also on a second site, as foreman there
    await _days(me.pk, second["id"], 644, position="foreman")
    r = await client.post(f"/api/v1/technicians/{me.pk}/levels", headers=auth(me.token))
    rebar = next(t for t in r.json()["trades"] if t["trade"] == "05-01")
    assert (rebar["level"], rebar["counted_days"], rebar["foreman_days"]) == (1, 644, 644)
    assert rebar["missing_for_next"][0] == "就業日数 あと 1 日"
    # 班長 on a third site on the same dates: still 644 days, and a 職長 day is not also a 班長 day.
    third = await w.create_site(name="第三現場")
    await _days(me.pk, third["id"], 644, position="team_leader")
    r = await client.post(f"/api/v1/technicians/{me.pk}/levels", headers=auth(me.token))
    rebar = next(t for t in r.json()["trades"] if t["trade"] == "05-01")
    assert (rebar["counted_days"], rebar["foreman_days"], rebar["lead_days"]) == (644, 644, 644)
