"""Helpers for billing, payments and KPI tests: approved businesses (which accrue their registration and admin-ID
fees), the monthly close through the API, work records written directly (thousands of taps would only slow the
tests down; the fold has its own tests)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import httpx

from api.billing.periods import month_start
from api.timeutil import add_months
from api.timeutil import JST, today_jst
from tests.api.helpers import approved_business, auth

THIS_MONTH = month_start(today_jst())


def period(day: date) -> str:
    return day.strftime("%Y-%m")


LAST_MONTH = add_months(THIS_MONTH, -1)


async def month_passes() -> None:
    """A month goes by: fees that arose this month (registration, admin IDs) fall due at the close of the month they
    are counted in, and only an ended month can be closed, so the pending ones are counted in last month."""
    from api.billing.models import Charge

    await Charge.filter(invoice_id=None, counted_in__gt=LAST_MONTH).update(counted_in=LAST_MONTH)


async def close(client: httpx.AsyncClient, op: str, drain, day: date | None = None) -> dict:
    """The monthly close through the API (by default of last month, after month_passes), run by the worker; the run
    must finish done."""
    if day is None:
        await month_passes()
    r = await client.post("/api/v1/admin/billing/close", headers=auth(op), json={"period": period(day or LAST_MONTH)})
    assert r.status_code == 202, r.text
    await drain()
    run = await client.get(f"/api/v1/admin/batches/runs/{r.json()['run_id']}", headers=auth(op))
    assert run.json()["status"] == "done", run.text
    return r.json()


async def invoices_of(client: httpx.AsyncClient, token: str, business_pk: int) -> list[dict]:
    r = await client.get(f"/api/v1/businesses/{business_pk}/invoices", headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()


async def billed_business(client: httpx.AsyncClient, op: str, **over) -> dict:
    """An approved business (capital 3,000万 → 事業者登録料 48,000 + 管理者ID 11,400 = 59,400 yen pending)."""
    return await approved_business(client, op, **over)


async def site_for(prime: dict) -> int:
    """A site registered directly (sites have their own API tests)."""
    from api.ids import new_ccus_id
    from api.sites.models import OrderType, Site

    today = today_jst()
    site = await Site.create(
        site_id=new_ccus_id(),
        prime_id=prime["business"]["id"],
        name="請求テスト現場",
        address="東京都",
        order_type=OrderType.private,
        window_start=today - timedelta(days=900),
        window_end=today + timedelta(days=300),
    )
    return site.id


async def technicians(n: int, employer_pk: int) -> list[int]:
    from api.businesses.models import ReviewStatus
    from api.ids import new_ccus_id
    from api.registration.models import Technician

    ids = [new_ccus_id() for _ in range(n)]
    await Technician.bulk_create(
        [
            Technician(
                technician_id=tid,
                employer_id=employer_pk,
                status=ReviewStatus.approved,
                family_name="山田",
                given_name=f"{i}",
                family_name_kana="ヤマダ",
                given_name_kana="タロウ",
                birth_date=date(1980, 1, 1),
                sex="male",
                nationality="JP",
                postal_code="100-0001",
                address="東京都",
                phone="090-0000-0000",
                registered_on=today_jst(),
            )
            for i, tid in enumerate(ids)
        ]
    )
    return list(await Technician.filter(technician_id__in=ids).order_by("id").values_list("id", flat=True))


async def work_records(site_pk: int, tech_pks: list[int], days: list[date], employer_pk: int | None = None) -> int:
    """One record per technician × day at the site."""
    from tortoise.timezone import now

    from api.workrecords.models import WorkRecord

    rows = [
        WorkRecord(
            technician_id=t,
            site_id=site_pk,
            work_date=d,
            method="card",
            taps=2,
            folded_at=now(),
            employer_id=employer_pk,
            first_in=datetime.combine(d, time(8), JST),
            last_out=datetime.combine(d, time(17), JST),
        )
        for d in days
        for t in tech_pks
    ]
    await WorkRecord.bulk_create(rows, batch_size=1000)
    return len(rows)


def month_days(first: date, n: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(n)]


__all__ = ["THIS_MONTH", "add_months"]
