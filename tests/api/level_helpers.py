"""Work days and assessment bodies for level tests."""

from __future__ import annotations

from datetime import timedelta

from api.timeutil import today_jst
from tests.api.helpers import PASSWORD, auth, login


async def work_days(
    tech_pk: int, site_pk: int, n: int, *, position: str = "worker", trade: str = "05-01", earlier: int = 0
) -> None:
    """n past work days as the fold would have left them (direct rows: folding years of taps is the fold's test)."""
    from tortoise.timezone import now

    from api.workrecords.models import WorkRecord

    start = today_jst() - timedelta(days=n + 1 + earlier)
    await WorkRecord.bulk_create(
        [
            WorkRecord(
                technician_id=tech_pk,
                site_id=site_pk,
                work_date=start + timedelta(days=i),
                trade=trade,
                position=position,
                method="card",
                taps=2,
                folded_at=now(),
            )
            for i in range(n)
        ]
    )


async def assessment_body(client, op: str, name: str, trades: list[str], login_name: str) -> str:
    """Registers the body through the operator's API and returns its token."""
    r = await client.post(
        "/api/v1/admin/assessment-bodies",
        headers=auth(op),
        json={"name": name, "trades": trades, "login": login_name, "password": PASSWORD, "display_name": name},
    )
    assert r.status_code == 201, r.text
    return await login(client, login_name)
