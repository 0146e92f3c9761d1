"""Issue 14 item 7 through the HTTP API: the lump-sum site fee (一括支払方式, seed ⑥-6) is off by default, can't
prepay fewer person-days than the site already has, and its excess is charged once after the window."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.billing.periods import month_start
from api.timeutil import add_months
from api.timeutil import today_jst
from tests.api.helpers import auth, operator_token, table_counts
from tests.billing.world import billed_business, month_days, site_for, technicians, work_records


@pytest.fixture
async def settings(settings, request):
    """The option is on for these tests (an operator who has set a price), except the one about it being off."""
    if "disabled" in request.node.name:
        return settings
    return settings.model_copy(update={"lump_sum_enabled": True})


async def test_lump_sum_is_disabled_by_default_and_says_why(client):
    op = await operator_token(client)
    prime = await billed_business(client, op)
    site = await site_for(prime)
    before = await table_counts()
    r = await client.post(
        f"/api/v1/sites/{site}/lump-sum", headers=auth(prime["token"]), json={"estimated_person_days": 100}
    )
    assert r.status_code == 409 and r.json()["error"] == "lump_sum_disabled"
    assert "not public" in r.json()["message"]
    r = await client.get(f"/api/v1/sites/{site}/lump-sum", headers=auth(prime["token"]))
    assert r.status_code == 409 and r.json()["error"] == "lump_sum_disabled"
    assert await table_counts() == before


async def test_prepaid_person_days_cannot_be_below_the_records_already_on_the_site(client):
    op = await operator_token(client)
    prime = await billed_business(client, op)
    site = await site_for(prime)
    techs = await technicians(10, prime["business"]["id"])
    await work_records(site, techs, month_days(today_jst() - timedelta(days=20), 16))  # 160 records, not charged
    before = await table_counts()
    r = await client.post(
        f"/api/v1/sites/{site}/lump-sum", headers=auth(prime["token"]), json={"estimated_person_days": 159}
    )
    assert r.status_code == 422 and r.json()["error"] == "person_days_below_records", r.text
    assert "160" in r.json()["message"]
    # A band's estimate is held to the same rule (under 1,000万: 150 person-days).
    r = await client.post(
        f"/api/v1/sites/{site}/lump-sum", headers=auth(prime["token"]), json={"contract_amount_yen": 5_000_000}
    )
    assert r.status_code == 422 and r.json()["error"] == "person_days_below_records"
    assert await table_counts() == before
    r = await client.post(
        f"/api/v1/sites/{site}/lump-sum", headers=auth(prime["token"]), json={"estimated_person_days": 160}
    )
    assert r.status_code == 201, r.text
    assert r.json()["amount_yen"] == 1_600 and r.json()["settled_on"] is None


async def _run_settlement(client, op, drain) -> dict:
    r = await client.post("/api/v1/admin/batches/lump-sum-settle", headers=auth(op))
    assert r.status_code == 202, r.text
    await drain()
    run = (await client.get(f"/api/v1/admin/batches/runs/{r.json()['id']}", headers=auth(op))).json()
    assert run["status"] == "done", run
    return run["counts"]


async def test_excess_records_are_charged_once_after_the_window(client, drain):
    from api.billing.lump_sum import settle
    from api.sites.models import Site

    op = await operator_token(client)
    prime = await billed_business(client, op)
    site, other = await site_for(prime), await site_for(prime)
    techs = await technicians(10, prime["business"]["id"])
    for s in (site, other):
        r = await client.post(
            f"/api/v1/sites/{s}/lump-sum", headers=auth(prime["token"]), json={"estimated_person_days": 100}
        )
        assert r.status_code == 201, r.text
    first = add_months(month_start(today_jst()), -3)
    await work_records(site, techs, month_days(first, 12))  # 120 records: 20 over the estimate
    await work_records(other, techs, month_days(first, 12))
    # The window ended on the last day of the month before last: its late records could arrive until the end of last
    # month, so it is due now. The other site's window is still open: not settled.
    await Site.filter(id=site).update(window_end=add_months(month_start(today_jst()), -1) - timedelta(days=1))
    counts = await _run_settlement(client, op, drain)
    assert counts == {"settled": 1, "excess_yen": 200}
    again = await _run_settlement(client, op, drain)
    assert again == {"settled": 0, "excess_yen": 0}
    assert await settle(lump_ids=None) == {"settled": 0, "excess_yen": 0}
    pending = (
        await client.get(f"/api/v1/businesses/{prime['business']['id']}/charges", headers=auth(prime["token"]))
    ).json()
    excess = [c for c in pending if c["fee_type"] == "site_lump_sum_excess"]
    assert [(c["quantity"], c["unit_price_yen"], c["amount_yen"], c["site_pk"]) for c in excess] == [
        (20, 10, 200, site)
    ]
    lump = (await client.get(f"/api/v1/sites/{site}/lump-sum", headers=auth(prime["token"]))).json()
    assert (lump["actual_person_days"], lump["excess_person_days"], lump["excess_yen"]) == (120, 20, 200)
    assert lump["settled_on"] == today_jst().isoformat()
    assert (await client.get(f"/api/v1/sites/{other}/lump-sum", headers=auth(prime["token"]))).json()[
        "settled_on"
    ] is None


async def test_settlement_run_twice_at_once_charges_once(client, backend):
    """Two settlements of the same sites at the same moment (on PostgreSQL each on its own connection)."""
    import asyncio

    from api.billing.lump_sum import settle
    from api.billing.models import Charge, LumpSumSite
    from api.sites.models import Site

    op = await operator_token(client)
    prime = await billed_business(client, op)
    techs = await technicians(3, prime["business"]["id"])
    ended = add_months(month_start(today_jst()), -1) - timedelta(days=1)
    sites = []
    for _ in range(5):
        s = await site_for(prime)
        r = await client.post(
            f"/api/v1/sites/{s}/lump-sum", headers=auth(prime["token"]), json={"estimated_person_days": 1}
        )
        assert r.status_code == 201, r.text
        await work_records(s, techs, month_days(add_months(ended, -1), 2))  # 6 records: 5 over
        await Site.filter(id=s).update(window_end=ended)
        sites.append(s)
    ids = list(await LumpSumSite.filter(site_id__in=sites).values_list("id", flat=True))
    results = await asyncio.gather(settle(lump_ids=ids), settle(lump_ids=ids), settle(lump_ids=None))
    assert sum(r["settled"] for r in results) == 5
    assert sum(r["excess_yen"] for r in results) == 5 * 5 * 10
    assert await Charge.filter(fee_type="site_lump_sum_excess").count() == 5
