"""The monthly close through the API: registration and admin-ID fees, gap-free numbers, idempotent re-runs,
qualified-invoice tax, 現場利用料 by tariff version, carry-forward, late work records, lump-sum sites."""

from datetime import date

import pytest

from api.billing.jobs import billing_close
from tests.api.helpers import auth, submitted_technician, table_counts
from tests.billing.world import (
    THIS_MONTH,
    add_months,
    billed_business,
    close,
    invoices_of,
    month_days,
    site_for,
    technicians,
    work_records,
)


@pytest.fixture
async def settings(settings):
    """The lump-sum option on (it is off by default while its official price is not public: tests/billing/
    test_lump_sum.py)."""
    return settings.model_copy(update={"lump_sum_enabled": True})


async def test_registration_fees_are_invoiced_once_with_gap_free_numbers(client, drain):
    from tests.api.helpers import operator_token

    op = await operator_token(client)
    a = await billed_business(client, op, capital_yen=30_000_000)
    b = await billed_business(client, op, capital_yen=None, corporate_number=None)  # individual: 6,000
    # A 第1階層管理者ID (11,400 a year) and a free 現場管理者ID.
    r = await client.post(
        f"/api/v1/businesses/{a['business']['id']}/admins",
        headers=auth(a["token"]),
        json={"password": "a-long-test-password", "display_name": "支店", "tier": 1},
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/v1/businesses/{a['business']['id']}/site-managers",
        headers=auth(a["token"]),
        json={"password": "a-long-test-password", "display_name": "現場"},
    )
    assert r.status_code == 201, r.text
    # A technician registered by a's employee: the employer pays the 2,500 yen (簡略型).
    t = await submitted_technician(client, employer_business_id=a["business"]["business_id"])
    r = await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    pending = (await client.get(f"/api/v1/businesses/{a['business']['id']}/charges", headers=auth(a["token"]))).json()
    assert sorted(c["amount_yen"] for c in pending) == [2_500, 11_400, 11_400, 48_000]

    await close(client, op, drain)
    [inv_a] = await invoices_of(client, a["token"], a["business"]["id"])
    [inv_b] = await invoices_of(client, b["token"], b["business"]["id"])
    assert inv_a["total_yen"] == 73_300 and inv_a["tax_yen"] == 73_300 * 10 // 110 == 6_663
    assert inv_a["by_rate"] == [{"tax_rate_percent": 10, "amount_yen": 73_300, "tax_yen": 6_663}]
    # 6,000 + 11,400 = 17,400 ≥ 10,000: invoiced, numbered after a (business order), no gap.
    assert inv_b["total_yen"] == 17_400
    numbers = sorted([inv_a["number"], inv_b["number"]])
    assert numbers[1].endswith(f"{int(numbers[0][-7:]) + 1:07d}") and numbers[0].startswith("INV-")
    assert inv_a["status"] == "open" and inv_a["balance_yen"] == 73_300 and inv_a["payment_status"] == "unpaid"
    detail = (await client.get(f"/api/v1/invoices/{inv_a['id']}", headers=auth(a["token"]))).json()
    assert sum(x["amount_yen"] for x in detail["lines"]) == 73_300 and len(detail["lines"]) == 4
    assert (
        await client.get(f"/api/v1/businesses/{a['business']['id']}/charges", headers=auth(a["token"]))
    ).json() == []
    # Another business cannot see it; the operator can.
    assert (await client.get(f"/api/v1/invoices/{inv_a['id']}", headers=auth(b["token"]))).status_code == 404
    assert (await client.get(f"/api/v1/invoices/{inv_a['id']}", headers=auth(op))).status_code == 200

    # Running the close again changes nothing: same invoices, same numbers, no new rows but its run and audit entry.
    before = await table_counts()
    await close(client, op, drain)
    after = await table_counts()
    assert {k: v for k, v in after.items() if v != before[k]} == {
        "audit_entry": before["audit_entry"] + 1,
        "batch_run": before["batch_run"] + 1,
    }
    assert await invoices_of(client, a["token"], a["business"]["id"]) == [inv_a]
    runs = (await client.get("/api/v1/admin/billing/runs", headers=auth(op))).json()
    assert runs[0]["runs"] == 2 and runs[0]["invoices"] == 2


async def test_site_usage_by_tariff_version_and_carry_forward(client, drain):
    from tests.api.helpers import operator_token

    op = await operator_token(client)
    prime = await billed_business(client, op)
    site = await site_for(prime)
    techs = await technicians(100, prime["business"]["id"])
    # 2020-09-30 is billed at 3 yen, 2020-10-01 at 10 yen: the work day picks the price, whenever it is invoiced.
    await work_records(site, techs, [date(2020, 9, 30)])
    await work_records(site, techs[:50], [date(2020, 10, 1)])
    # September alone: 300 yen < 1,500 (the threshold before 2023-04): carried.
    assert (await billing_close({}, "2020-09"))["invoices"] == 0
    pending = (
        await client.get(f"/api/v1/businesses/{prime['business']['id']}/charges", headers=auth(prime["token"]))
    ).json()
    assert [
        (c["quantity"], c["unit_price_yen"], c["counted_in"]) for c in pending if c["fee_type"] == "site_usage"
    ] == [(100, 3, "2020-09-01")]
    # October: 300 + 500 = 800 yen, still carried … until the seventh close (March 2021) bills it anyway.
    for month in ("2020-10", "2020-11", "2020-12", "2021-01", "2021-02"):
        assert (await billing_close({}, month))["invoices"] == 0, month
    assert (await billing_close({}, "2021-03"))["invoices"] == 1
    [inv] = await invoices_of(client, prime["token"], prime["business"]["id"])
    assert inv["period"] == "2021-03-01" and inv["total_yen"] == 800 and inv["tax_yen"] == 72
    lines = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=auth(prime["token"]))).json()["lines"]
    assert sorted((x["unit_price_yen"], x["quantity"], x["amount_yen"]) for x in lines) == [
        (3, 100, 300),
        (10, 50, 500),
    ]


async def test_late_work_records_go_on_the_next_invoice_and_lump_sum_sites_are_not_charged(client, drain):
    from tests.api.helpers import operator_token

    op = await operator_token(client)
    prime = await billed_business(client, op)
    site, prepaid = await site_for(prime), await site_for(prime)
    techs = await technicians(40, prime["business"]["id"])
    first = add_months(THIS_MONTH, -3)
    r = await client.post(
        f"/api/v1/sites/{prepaid}/lump-sum", headers=auth(prime["token"]), json={"contract_amount_yen": 30_000_000}
    )
    assert r.status_code == 201, r.text
    assert (r.json()["band"], r.json()["estimated_person_days"], r.json()["amount_yen"]) == ("10m_to_50m", 600, 6_000)
    await work_records(site, techs, month_days(first, 25))  # 1,000 records = 10,000 yen: invoiced
    await work_records(prepaid, techs, month_days(first, 25))  # prepaid: never charged per record
    assert (await billing_close({}, first.strftime("%Y-%m")))["invoices"] == 1
    [inv] = await invoices_of(client, prime["token"], prime["business"]["id"])
    assert inv["total_yen"] == 10_000
    # Records for that month arriving after its close (a direct input approved later) are charged next month.
    await work_records(site, techs[:30], [first + __import__("datetime").timedelta(days=27)])
    nxt = add_months(first, 1)
    result = await billing_close({}, nxt.strftime("%Y-%m"))
    assert result["invoices"] == 0 and result["usage_charges"] == 1  # 300 yen, carried
    again = await billing_close({}, nxt.strftime("%Y-%m"))
    assert again["usage_charges"] == 0
    detail = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=auth(prime["token"]))).json()
    assert sum(x["quantity"] for x in detail["lines"]) == 1_000  # the issued invoice never changes
    # A site already charged per record cannot switch; a second choice is refused; others' sites are refused.
    before = await table_counts()
    r = await client.post(
        f"/api/v1/sites/{site}/lump-sum", headers=auth(prime["token"]), json={"estimated_person_days": 100}
    )
    assert r.status_code == 409 and r.json()["error"] == "usage_already_charged"
    r = await client.post(
        f"/api/v1/sites/{prepaid}/lump-sum", headers=auth(prime["token"]), json={"estimated_person_days": 100}
    )
    assert r.status_code == 409 and r.json()["error"] == "already_lump_sum"
    other = await billed_business(client, op)
    before = await table_counts()
    r = await client.post(
        f"/api/v1/sites/{site}/lump-sum", headers=auth(other["token"]), json={"estimated_person_days": 100}
    )
    assert r.status_code == 403
    r = await client.post(
        f"/api/v1/sites/{site}/lump-sum",
        headers=auth(prime["token"]),
        json={"estimated_person_days": 100, "contract_amount_yen": 5},
    )
    assert r.status_code == 422
    assert await table_counts() == before
