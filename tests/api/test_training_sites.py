"""Training sites (CCUS登録教育訓練機関, api/sites/training.py): registered by the operator only, from 2025-10-01; any
registered technician's taps accepted with no contract tree; the days count for levels (a day is a day), are marked as
training, and are never charged, nor 建退共 days, nor 経審 W1 works."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from api.billing.jobs import billing_close
from api.billing.periods import month_start
from api.timeutil import add_months
from api.timeutil import JST, today_jst
from tests.api.helpers import auth, jpeg
from tests.api.site_world import make_world

BASIS = {
    "basis": "vocational_training",
    "basis_detail": "職業訓練法人全国建設産業教育訓練協会",
    "source_url": "https://www.fuji-kkc.ac.jp/news/8921",
    "source_date": "2025-10-01",
}
LAST_MONTH = add_months(month_start(today_jst()), -1)


@pytest.fixture
async def settings(settings):
    return settings.model_copy(update={"lump_sum_enabled": True})  # to show a training site refuses it anyway


def body(w, **over) -> dict:
    today = today_jst()
    return {
        **BASIS,
        "name": "富士教育訓練センター",
        "address": "静岡県富士宮市根原",
        "prime_business_id": w.prime["business"]["business_id"],
        "window_start": (today - timedelta(days=90)).isoformat(),
        "window_end": (today + timedelta(days=300)).isoformat(),
        **over,
    }


async def create(client, w, **over) -> dict:
    r = await client.post("/api/v1/training-sites", headers=auth(w.op), json=body(w, **over))
    assert r.status_code == 201, r.text
    return r.json()


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), JST)


async def test_only_the_operator_registers_from_2025_10_01_with_its_basis(client):
    w = await make_world(client)
    site = await create(client, w)
    assert (site["kind"], site["prime_pk"]) == ("training", w.prime["business"]["id"])
    assert site["training"]["basis"] == "vocational_training"
    assert site["training"]["source_url"] == BASIS["source_url"] and site["training"]["source_date"] == "2025-10-01"
    got = (await client.get(f"/api/v1/sites/{site['id']}", headers=auth(w.prime["token"]))).json()
    assert got["kind"] == "training" and got["training"]["basis_detail"] == BASIS["basis_detail"]
    assert w.site["kind"] == "work" and w.site["training"] is None
    # Not the prime, not a technician.
    for token in (w.prime["token"], w.sub["token"]):
        r = await client.post("/api/v1/training-sites", headers=auth(token), json=body(w))
        assert r.status_code == 403
    # The day the rule starts is accepted; the day before is refused, naming the field.
    assert (await create(client, w, window_start="2025-10-01"))["window_start"] == "2025-10-01"
    r = await client.post("/api/v1/training-sites", headers=auth(w.op), json=body(w, window_start="2025-09-30"))
    assert r.status_code == 422 and r.json()["error"] == "training_before_2025_10_01"
    assert r.json()["fields"][0]["field"] == "window_start"
    # Bad input: precise 422s.
    for over, field in (
        ({"basis": "company_training"}, "basis"),
        ({"source_url": "ftp://example.jp/x"}, "source_url"),
        ({"source_url": "https://" + "x" * 500}, "source_url"),
        ({"source_date": (today_jst() + timedelta(days=2)).isoformat()}, "source_date"),
        ({"basis_detail": ""}, "basis_detail"),
        ({"prime_business_id": "12345678901234"}, "prime_business_id"),
        ({"kind": "training"}, "kind"),
        ({"window_end": "2025-10-02", "window_start": "2025-10-03"}, None),
    ):
        r = await client.post("/api/v1/training-sites", headers=auth(w.op), json=body(w, **over))
        assert r.status_code == 422, (over, r.text)
        if field:
            assert r.json()["fields"][0]["field"] == field, r.text
        else:
            assert r.json()["fields"][0]["type"] == "window_end_before_start", r.text
    from tests.api.helpers import register_business

    pending = await register_business(client)
    r = await client.post(
        "/api/v1/training-sites",
        headers=auth(w.op),
        json=body(w, prime_business_id=pending["business"]["business_id"]),
    )
    assert r.status_code == 422 and r.json()["error"] == "business_not_registered"


async def test_marking_an_unused_site_only(client):
    w = await make_world(client)
    fresh = await w.create_site(name="研修センター")
    r = await client.post(f"/api/v1/sites/{fresh['id']}/training", headers=auth(w.prime["token"]), json=BASIS)
    assert r.status_code == 403
    r = await client.post(f"/api/v1/sites/{fresh['id']}/training", headers=auth(w.op), json=BASIS)
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "training" and r.json()["training"]["basis"] == "vocational_training"
    r = await client.post(f"/api/v1/sites/{fresh['id']}/training", headers=auth(w.op), json=BASIS)
    assert r.status_code == 409 and r.json()["error"] == "already_training_site"
    # A site with a tap is a construction site for good.
    me = await w.worker(w.prime)
    assert (await w.upload(me.tap("m1", at=at(today_jst() - timedelta(days=1), 8)))).status_code == 200
    r = await client.post(f"/api/v1/sites/{w.site['id']}/training", headers=auth(w.op), json=BASIS)
    assert r.status_code == 409 and r.json()["error"] == "site_has_records"
    # A window starting before 2025-10-01 cannot be a training site.
    old = await w.create_site(name="古い現場", window_start="2025-09-01")
    r = await client.post(f"/api/v1/sites/{old['id']}/training", headers=auth(w.op), json=BASIS)
    assert r.status_code == 422 and r.json()["error"] == "training_before_2025_10_01"


async def _detailed(client, op: str, worker) -> None:
    """A 詳細型 technician (levels are estimated for them only)."""
    r = await client.post(
        f"/api/v1/technicians/{worker.pk}/qualifications",
        headers=auth(worker.token),
        files={"file": ("c.jpg", jpeg(800, 600), "image/jpeg")},
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


async def test_trainee_taps_count_as_work_days_but_are_never_charged_nor_kentaikyo(client, drain):
    w = await make_world(client)
    construction = w.site
    training = await create(client, w)
    w.site = training
    reader = await w.enrol_device()  # the loaned reader, registered by the site's 元請 side
    # sub2 is in no contract tree at all; its technician also works on the construction site that day.
    trainee = await w.worker(w.sub2)
    await _detailed(client, w.op, trainee)
    from api.registration.models import Technician

    await Technician.filter(id=trainee.pk).update(registered_on=date(2015, 4, 1))
    # Only the training site's staff (or the operator) enrol; an ordinary site has no trainees.
    enrol = {"technician_id": trainee.technician_id, "trade": "05-01", "course": "鉄筋 基礎コース"}
    r = await client.post(f"/api/v1/sites/{training['id']}/trainees", headers=auth(w.sub2["token"]), json=enrol)
    assert r.status_code == 404  # not in its tree: the site is not visible to it
    r = await client.post(f"/api/v1/sites/{construction['id']}/trainees", headers=auth(w.op), json=enrol)
    assert r.status_code == 409 and r.json()["error"] == "not_training_site"
    r = await client.post(
        f"/api/v1/sites/{training['id']}/trainees", headers=auth(w.prime["token"]), json={**enrol, "trade": "99-99"}
    )
    assert r.status_code == 422 and r.json()["error"] == "unknown_trade"
    r = await client.post(f"/api/v1/sites/{training['id']}/trainees", headers=auth(w.prime["token"]), json=enrol)
    assert r.status_code == 201, r.text
    [entry] = r.json()
    assert (entry["employer_pk"], entry["trade"]) == (w.sub2["business"]["id"], "05-01")
    r = await client.post(f"/api/v1/sites/{training['id']}/trainees", headers=auth(w.op), json=enrol)
    assert r.status_code == 409 and r.json()["error"] == "already_on_roster"

    d1, d2 = LAST_MONTH + timedelta(days=3), LAST_MONTH + timedelta(days=4)
    r = await w.upload(
        trainee.tap("t1", at=at(d1, 8)),
        trainee.tap("t2", at=at(d1, 16), seq=2),
        trainee.tap("t3", at=at(d2, 8), seq=3),
        trainee.tap("t4", at=at(d2, 16), seq=4),
        token=reader,
    )
    assert [x["status"] for x in r.json()["results"]] == ["accepted"] * 4  # no tree, never pending
    # The same technician on the construction site on d1, through its employer's place in the tree.
    w.site = construction
    await w.join(w.sub2, w.prime)
    await w.roster(w.sub2, trainee)
    r = await w.upload(trainee.tap("c1", at=at(d1, 18)), trainee.tap("c2", at=at(d1, 21), seq=2))
    assert [x["status"] for x in r.json()["results"]] == ["accepted"] * 2
    r = await client.post("/api/v1/admin/batches/fold", headers=auth(w.op))
    assert r.status_code == 202, r.text
    await drain()

    # The records: the employer of the day is kept; the training day is marked as such.
    r = await client.get(
        f"/api/v1/technicians/{trainee.pk}/work-records",
        headers=auth(trainee.token),
        params={"month": LAST_MONTH.strftime("%Y-%m")},
    )
    recs = sorted((x["work_date"], x["site_pk"], x["training"], x["employer_pk"], x["trade"]) for x in r.json())
    sub2 = w.sub2["business"]["id"]
    assert recs == [
        (d1.isoformat(), construction["id"], False, sub2, "05-01"),
        (d1.isoformat(), training["id"], True, sub2, "05-01"),
        (d2.isoformat(), training["id"], True, sub2, "05-01"),
    ]
    r = await client.get(
        f"/api/v1/sites/{training['id']}/work-records", headers=auth(w.op), params={"work_date": d2.isoformat()}
    )
    assert [x["training"] for x in r.json()] == [True]

    # Levels: three records, two days — a training day and a site day on one date are one day.
    r = await client.post(f"/api/v1/technicians/{trainee.pk}/levels", headers=auth(trainee.token))
    rebar = next(t for t in r.json()["trades"] if t["trade"] == "05-01")
    assert rebar["counted_days"] == 2

    # The career view marks the training site.
    from api.reports.service import career

    summary = await career(tech=await Technician.get(id=trainee.pk))
    assert sorted((s.site_id, s.training, s.days) for s in summary.sites) == sorted(
        [(construction["site_id"], False, 1), (training["site_id"], True, 2)]
    )

    # 建退共: the employer's month holds the construction day only.
    r = await client.get(
        f"/api/v1/businesses/{sub2}/kentaikyo/month",
        headers=auth(w.sub2["token"]),
        params={"month": LAST_MONTH.strftime("%Y-%m")},
    )
    assert r.status_code == 200, r.text
    assert [(x["site_pk"], x["total"]) for x in r.json()["rows"]] == [(construction["id"], 1)]

    # Billing: the close charges the construction day to its prime, never the training days to anyone.
    from api.billing.models import Charge, ChargedWorkRecord

    result = await billing_close({}, LAST_MONTH.strftime("%Y-%m"))
    assert result["usage_charges"] == 1
    assert await ChargedWorkRecord.filter(site_id=training["id"]).count() == 0
    assert await Charge.filter(site_id=training["id"]).count() == 0
    [usage] = await Charge.filter(fee_type="site_usage")
    assert (usage.site_id, usage.quantity) == (construction["id"], 1)
    assert (await billing_close({}, LAST_MONTH.strftime("%Y-%m")))["usage_charges"] == 0
    r = await client.post(
        f"/api/v1/sites/{training['id']}/lump-sum", headers=auth(w.prime["token"]), json={"estimated_person_days": 10}
    )
    assert r.status_code == 409 and r.json()["error"] == "training_site_not_billed"

    # 経審 W1⑩: a training site is no 元請 work.
    r = await client.post(
        f"/api/v1/businesses/{w.prime['business']['id']}/contract-history",
        headers=auth(w.prime["token"]),
        json={
            "customer": "建設業振興基金",
            "work_name": "訓練",
            "prime": True,
            "location": "静岡県",
            "amount_thousand_yen": 0,
            "industry_code": "01",
            "site_id": training["id"],
        },
    )
    assert r.status_code == 422 and r.json()["error"] == "training_site_not_a_work"


async def test_enrolling_after_the_taps_refolds_their_days_into_the_trade(client, drain):
    """A record takes its trade from the roster; a trainee enrolled after tapping gets the trade on the next fold."""
    w = await make_world(client)
    training = await create(client, w)
    w.site = training
    reader = await w.enrol_device()
    trainee = await w.worker(w.sub)
    day = today_jst() - timedelta(days=2)
    r = await w.upload(trainee.tap("e1", at=at(day, 9)), trainee.tap("e2", at=at(day, 15), seq=2), token=reader)
    assert [x["status"] for x in r.json()["results"]] == ["accepted"] * 2
    from api.workrecords.jobs import fold_recent
    from api.workrecords.models import WorkRecord

    await fold_recent({})
    [rec] = await WorkRecord.filter(technician_id=trainee.pk)
    assert rec.trade is None  # not counted for levels yet: no trade
    r = await client.post(
        f"/api/v1/sites/{training['id']}/trainees",
        headers=auth(w.op),
        json={"technician_id": trainee.technician_id, "trade": "05-01", "position": "apprentice"},
    )
    assert r.status_code == 201, r.text
    await drain()  # the enrolment refolds the trainee's days there
    [rec] = await WorkRecord.filter(technician_id=trainee.pk)
    assert (rec.trade, rec.position, rec.employer_id) == ("05-01", "apprentice", w.sub["business"]["id"])
