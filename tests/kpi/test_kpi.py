"""Operator KPIs: revenue by fee type against the seed's 2020 plan, registrations and work records by segment
against the 低位推計 targets, per fiscal quarter."""

from datetime import date

from api.billing.jobs import billing_close
from api.billing.periods import fiscal_year
from api.timeutil import today_jst
from tests.api.helpers import auth, operator_token
from tests.billing.world import billed_business, site_for, technicians, work_records


async def test_revenue_against_the_2020_plan_and_registrations_by_segment(client):
    op = await operator_token(client)
    tokyo = await billed_business(client, op, prefecture="13", permitted_industries=["01"], capital_yen=30_000_000)
    osaka = await billed_business(client, op, prefecture="27", permitted_industries=["05", "01"], capital_yen=3_000_000)
    techs = await technicians(10, tokyo["business"]["id"])
    site = await site_for(tokyo)
    await work_records(site, techs, [date(2020, 10, 1), date(2020, 10, 2)], employer_pk=tokyo["business"]["id"])
    await billing_close({}, "2020-10")  # 20 records × 10 yen of 現場利用料, accrued in FY2020 Q3 (carried)

    r = await client.get("/api/v1/admin/kpi/revenue", headers=auth(op), params={"fiscal_year": 2020})
    assert r.status_code == 200, r.text
    rev = r.json()
    by = {c["code"]: c for c in rev["categories"]}
    assert rev["plan_total_yen"] == 1_418_473_000 and "000_f029179d1f8b8278" in rev["plan_source"]
    assert by["technician_registration"]["plan_yen"] == 659_146_000
    assert "line 694" in by["technician_registration"]["plan_cite"]
    assert by["site_usage"]["plan_yen"] == 46_846_000 and by["site_usage"]["accrued_yen"] == 200
    assert [q["actual_yen"] for q in by["site_usage"]["quarters"]] == [0, 0, 200, 0]
    assert sum(c["plan_yen"] for c in rev["categories"]) == rev["plan_total_yen"]

    fy = fiscal_year(today_jst())
    now = (await client.get("/api/v1/admin/kpi/revenue", headers=auth(op), params={"fiscal_year": fy})).json()
    by = {c["code"]: c for c in now["categories"]}
    assert by["business_registration"]["accrued_yen"] == 48_000 + 6_000
    assert by["admin_id"]["accrued_yen"] == 2 * 11_400
    assert (by["admin_id"]["plan_yen"] is None) == (fy != 2020)

    r = await client.get("/api/v1/admin/kpi/registrations", headers=auth(op), params={"fiscal_year": 2020})
    q = r.json()["quarters"]
    assert [x["work_records"]["quarter"] for x in q] == [0, 0, 20, 0]
    assert q[0]["technicians"]["year_to_date_target"] == 70_000  # 28万 new in FY2020, a quarter of it
    assert q[3]["technicians"]["all_time_target"] == 500_000 and q[3]["businesses"]["all_time_target"] == 70_000
    assert q[3]["work_records"]["year_to_date_target"] == 7_200_000
    assert q[2]["segments"]["prefecture"] == [{"key": "13", "technicians": 0, "businesses": 0, "work_records": 20}]
    assert q[2]["segments"]["size"][0]["key"] == "20m_to_50m"

    current = (
        await client.get("/api/v1/admin/kpi/registrations", headers=auth(op), params={"fiscal_year": fy})
    ).json()["quarters"]
    this_q = next(x for x in current if x["first_day"] <= today_jst().isoformat() <= x["last_day"])
    assert this_q["businesses"]["quarter"] == 2 and this_q["technicians"]["quarter"] == 10
    seg = {s["key"]: s for s in this_q["segments"]["industry"]}
    # A business counts under each of its permitted industries.
    assert (seg["01"]["businesses"], seg["01"]["technicians"], seg["05"]["businesses"]) == (2, 10, 1)
    assert {s["key"] for s in this_q["segments"]["prefecture"]} == {"13", "27"}
    assert (await client.get("/api/v1/admin/kpi/revenue", headers=auth(osaka["token"]))).status_code == 403
    assert (
        await client.get("/api/v1/admin/kpi/revenue", headers=auth(op), params={"fiscal_year": "x"})
    ).status_code == 422
