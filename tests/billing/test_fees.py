"""Issue 14 items 5 and 6 through the HTTP API: fees priced on the application date (with a quote before applying),
card reissue that keeps the registration's expiry, and renewal (登録更新) as a reviewed, charged application."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from api.timeutil import JST, today_jst
from tests.api.helpers import auth, operator_token, register_business, submitted_technician, table_counts


async def _backdate(app_id: int, day: date) -> None:
    """Time passes: the application was submitted on `day` (what its submission stored then)."""
    from api.registration.models import Application

    await Application.filter(id=app_id).update(
        priced_on=day, submitted_at=datetime(day.year, day.month, day.day, 10, tzinfo=JST)
    )


async def _pending(client, business_pk: int, token: str) -> list[dict]:
    r = await client.get(f"/api/v1/businesses/{business_pk}/charges", headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()


# --- item 5: the quote and the application date ----------------------------------------------------------------


async def test_quote_prices_each_kind_on_the_day_asked(client):
    async def q(**params):
        return await client.get("/api/v1/fees/quote", params=params)

    r = await q(kind="technician_registration", tier="detailed", on="2021-04-01")
    assert r.status_code == 200, r.text
    assert (r.json()["amount_yen"], r.json()["priced_on"]) == (4_900, "2021-04-01")
    assert (await q(kind="technician_registration", tier="detailed", on="2021-03-31")).json()["amount_yen"] == 2_500
    assert (await q(kind="renewal", tier="simplified")).json()["amount_yen"] == 2_500
    assert (await q(kind="technician_upgrade")).json()["amount_yen"] == 2_400
    assert (await q(kind="card_reissue")).json()["amount_yen"] == 1_000
    # 資本金 3,000万: 24,000 before the 2020-10 revision, 48,000 from it; 一人親方 0.
    biz = dict(kind="business_registration", capital_yen=30_000_000, sole_proprietor="false")
    assert (await q(**biz, on="2020-09-30")).json()["amount_yen"] == 24_000
    assert (await q(**biz, on="2020-10-01")).json()["amount_yen"] == 48_000
    assert (await q(kind="business_registration", sole_proprietor="true")).json()["amount_yen"] == 0
    # Bad input: a precise 422 with a code.
    r = await q(kind="technician_registration")
    assert r.status_code == 422 and r.json()["error"] == "invalid_conditions"
    r = await q(kind="technician_upgrade", on="2020-01-01")  # two-stage registration did not exist yet
    assert r.status_code == 422 and r.json()["error"] == "no_tariff_for_date"
    assert (await q(kind="business_registration", capital_yen=1)).status_code == 422
    assert (await q(kind="nothing")).status_code == 422


async def test_registration_applied_before_a_tariff_change_and_approved_after_it_is_charged_the_old_price(client):
    op = await operator_token(client)
    reg = await register_business(client, capital_yen=30_000_000)
    app_id, pk, token = reg["application_id"], reg["business"]["id"], reg["token"]
    # Applied on 2020-09-30 (old table: 24,000), returned, resubmitted and approved under the new one (48,000).
    await _backdate(app_id, date(2020, 9, 30))
    r = await client.post(
        f"/api/v1/review/applications/{app_id}/return",
        headers=auth(op),
        json={"reasons": [{"field": "name", "reason": "登記簿の表記と違います"}]},
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/applications/{app_id}/resubmit", headers=auth(token))
    assert r.status_code == 200, r.text
    assert (r.json()["priced_on"], r.json()["fee_yen"]) == ("2020-09-30", 24_000)  # the first submission's date
    r = await client.post(f"/api/v1/review/applications/{app_id}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    fees = {c["label"]: c["amount_yen"] for c in await _pending(client, pk, token)}
    assert fees["事業者登録料（5年）"] == 24_000
    # Approved today, counted today: the approval day stays the event date.
    reg_charge = next(c for c in await _pending(client, pk, token) if c["label"] == "事業者登録料（5年）")
    assert reg_charge["event_date"] == today_jst().isoformat()


async def test_technician_fee_shown_on_submission_is_the_one_charged(client, monkeypatch):
    """A tariff change between submission and approval (a fixture table: 簡略型 3,000 from today) does not move the
    price of an application submitted the day before."""
    from api.fees import tariffs

    today = today_jst()
    real = tariffs.load_tariffs()
    op = await operator_token(client)
    t = await submitted_technician(client)
    assert (t["application"]["priced_on"], t["application"]["fee_yen"]) == (today.isoformat(), 2_500)
    await _backdate(t["application"]["id"], today - timedelta(days=1))
    new_rows = [r for r in real if not (r.fee_type == "technician_registration" and r.variant == "simplified")]
    old = next(r for r in real if r.fee_type == "technician_registration" and r.variant == "simplified")
    from dataclasses import replace

    new_rows += [
        replace(old, valid_to=today - timedelta(days=1)),
        replace(old, amount_yen=3_000, valid_from=today, source="test fixture"),
    ]
    monkeypatch.setattr(tariffs, "load_tariffs", lambda: tuple(new_rows))
    r = await client.get("/api/v1/fees/quote", params={"kind": "technician_registration", "tier": "simplified"})
    assert r.json()["amount_yen"] == 3_000  # today's price for a new applicant
    r = await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    [inv] = (await client.get("/api/v1/invoices", headers=auth(t["token"]))).json()
    assert inv["total_yen"] == 2_500  # the price of the submission day
    # Approving it again is refused and charges nothing more.
    r = await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    assert r.status_code == 409 and r.json()["error"] == "already_decided"
    assert len((await client.get("/api/v1/invoices", headers=auth(t["token"]))).json()) == 1


async def test_upgrade_fee_is_priced_on_its_submission_day(client, monkeypatch):
    """The 詳細型 upgrade too: submitted before a tariff change (a fixture table: 3,000 from today), approved after
    it, charged the price quoted on submission."""
    from dataclasses import replace

    from api.fees import tariffs
    from tests.api.helpers import jpeg

    today = today_jst()
    real = tariffs.load_tariffs()
    op = await operator_token(client)
    t = await _approved_technician(client, op)
    h = auth(t["token"])
    r = await client.post(
        f"/api/v1/technicians/{t['pk']}/qualifications",
        headers=h,
        files={"file": ("c.jpg", jpeg(800, 600), "image/jpeg")},
        data={"code": "T01", "acquired_on": "2015-04-01"},
    )
    assert r.status_code == 201, r.text
    r = await client.put(f"/api/v1/technicians/{t['pk']}/detailed", headers=h, json={"labour_insurance_special": False})
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/technicians/{t['pk']}/applications", headers=h, json={"kind": "upgrade"})
    assert r.status_code == 201, r.text
    app = r.json()
    assert (app["kind"], app["priced_on"], app["fee_yen"]) == ("upgrade", today.isoformat(), 2_400)
    await _backdate(app["id"], today - timedelta(days=1))
    old = next(r for r in real if r.fee_type == "technician_upgrade" and r.valid_to is None)
    rows = [r for r in real if r is not old] + [
        replace(old, valid_to=today - timedelta(days=1)),
        replace(old, amount_yen=3_000, valid_from=today, source="test fixture"),
    ]
    monkeypatch.setattr(tariffs, "load_tariffs", lambda: tuple(rows))
    assert (await client.get("/api/v1/fees/quote", params={"kind": "technician_upgrade"})).json()["amount_yen"] == 3_000
    r = await client.post(f"/api/v1/review/applications/{app['id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    invs = (await client.get("/api/v1/invoices", headers=h)).json()
    assert [i["total_yen"] for i in invs] == [2_400, 2_500]  # the upgrade at its submission day's price


# --- item 6: reissue keeps the expiry; renewal ------------------------------------------------------------------


async def _approved_technician(client, op: str) -> dict:
    t = await submitted_technician(client)
    r = await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    return t


async def _expires(pk: int, day: date) -> None:
    """Time passes: the registration now expires on `day` (a birthday, as expiries are)."""
    from api.cards.models import Card
    from api.registration.models import Technician

    await Technician.filter(id=pk).update(birth_date=date(1980, day.month, day.day))
    await Card.filter(technician_id=pk).update(valid_until=day)


def _day_in(days: int) -> date:
    day = today_jst() + timedelta(days=days)
    return day + timedelta(days=1) if (day.month, day.day) == (2, 29) else day


async def _me(client, t) -> dict:
    return (await client.get(f"/api/v1/technicians/{t['pk']}", headers=auth(t["token"]))).json()


async def test_reissue_keeps_the_expiry_and_an_expired_registration_is_not_reissued(client):
    op = await operator_token(client)
    t = await _approved_technician(client, op)
    expiry = _day_in(400)
    await _expires(t["pk"], expiry)
    r = await client.post(
        f"/api/v1/technicians/{t['pk']}/card-reissue", headers=auth(t["token"]), json={"reason": "damaged"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["valid_until"] == expiry.isoformat()  # not a new ten years for 1,000 yen
    assert (await _me(client, t))["registration_expires_on"] == expiry.isoformat()
    # Expired yesterday: no reissue (409 registration_expired), nothing written.
    await _expires(t["pk"], _day_in(-1))
    before = await table_counts()
    r = await client.post(
        f"/api/v1/technicians/{t['pk']}/card-reissue", headers=auth(t["token"]), json={"reason": "lost"}
    )
    assert r.status_code == 409 and r.json()["error"] == "registration_expired", r.text
    assert await table_counts() == before


async def test_renewal_opens_six_months_before_expiry_is_reviewed_charged_and_issues_the_next_card(client, drain):
    op = await operator_token(client)
    t = await _approved_technician(client, op)
    apply = lambda: client.post(
        f"/api/v1/technicians/{t['pk']}/applications",
        headers=auth(t["token"]),
        json={"kind": "renewal"},
    )
    # A fresh registration (≈10 years): too early, the refusal names the opening day.
    before = await table_counts()
    r = await apply()
    assert r.status_code == 409 and r.json()["error"] == "renewal_not_open_until", r.text
    me = await _me(client, t)
    assert me["renewal_opens_on"] in r.json()["message"]
    assert [{k: f[k] for k in ("field", "message")} for f in r.json()["fields"]] == [
        {"field": "opens_on", "message": me["renewal_opens_on"]}
    ]
    assert await table_counts() == before
    # Seven months before expiry: still closed; five months before: open.
    await _expires(t["pk"], _day_in(215))
    assert (await apply()).status_code == 409
    expiry = _day_in(150)
    await _expires(t["pk"], expiry)
    r = await apply()
    assert r.status_code == 201, r.text
    app = r.json()
    assert (app["kind"], app["fee_yen"], app["priced_on"]) == ("renewal", 2_500, today_jst().isoformat())
    assert (await _me(client, t))["open_renewal_pk"] == app["id"]
    r = await apply()
    assert r.status_code == 409 and r.json()["error"] == "renewal_open"
    # Reviewed like an application: returned, resubmitted, approved.
    r = await client.post(
        f"/api/v1/review/applications/{app['id']}/return",
        headers=auth(op),
        json={"reasons": [{"field": "photo", "reason": "顔写真が古いです"}]},
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/applications/{app['id']}/resubmit", headers=auth(t["token"]))
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/review/applications/{app['id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    me = await _me(client, t)
    new_expiry = expiry.replace(year=expiry.year + 10)  # the old expiry + the 10-year term
    assert me["card"]["valid_until"] == new_expiry.isoformat() == me["registration_expires_on"]
    assert me["open_renewal_pk"] is None
    # Charged the registration fee of the tier (a technician without an employer is invoiced at once).
    invs = (await client.get("/api/v1/invoices", headers=auth(t["token"]))).json()
    assert [i["total_yen"] for i in invs] == [2_500, 2_500]
    # A second approval is refused: one card, one charge.
    r = await client.post(f"/api/v1/review/applications/{app['id']}/approve", headers=auth(op))
    assert r.status_code == 409 and r.json()["error"] == "already_decided"
    from api.cards.models import Card

    assert await Card.filter(technician_id=t["pk"], valid_until=new_expiry).count() == 1
    # The holder is told of each decision.
    await drain()
    notes = (await client.get("/api/v1/notifications", headers=auth(t["token"]))).json()
    texts = [n["message"] for n in notes]
    assert any("登録の更新が承認されました" in x for x in texts) and any(
        "登録の更新の申請が差し戻されました" in x for x in texts
    ), texts


async def test_expired_registration_can_be_renewed_and_others_cannot_apply(client):
    op = await operator_token(client)
    t = await _approved_technician(client, op)
    old = _day_in(-20)
    await _expires(t["pk"], old)
    r = await client.post(
        f"/api/v1/technicians/{t['pk']}/applications", headers=auth(t["token"]), json={"kind": "renewal"}
    )
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/v1/review/applications/{r.json()['id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    assert (await _me(client, t))["registration_expires_on"] == old.replace(year=old.year + 10).isoformat()
    # A draft registration has nothing to renew.
    d = await submitted_technician(client)
    r = await client.post(
        f"/api/v1/technicians/{d['pk']}/applications", headers=auth(d["token"]), json={"kind": "renewal"}
    )
    assert r.status_code == 409 and r.json()["error"] == "not_renewable"
