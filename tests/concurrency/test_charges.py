"""Fees are charged once when an approval is sent twice at the same moment (a double click, two operators): a
business's registration and admin-ID fees, and a self-paying technician's registration fee with its immediate
invoice. On the live server; whatever the review answers the second request, no fee and no invoice is doubled and
nothing fails with a 500."""

from __future__ import annotations

from tests.api.helpers import auth, login, register_business, submitted_technician
from tests.concurrency.conftest import race

ROUNDS = 10


async def _approve_twice(http, op, application_id: int) -> list[int]:
    url = f"/api/v1/review/applications/{application_id}/approve"
    answers = await race(lambda: http.post(url, headers=auth(op)), lambda: http.post(url, headers=auth(op)))
    codes = sorted(a.status_code for a in answers)
    assert 200 in codes and set(codes) <= {200, 409}, [a.text for a in answers]
    return codes


async def test_a_business_approved_twice_at_once_is_charged_once(live, http):
    op = await login(http, "op")
    for _ in range(ROUNDS):
        reg = await register_business(http)
        await _approve_twice(http, op, reg["application_id"])
        rows = await live.fetch(
            "SELECT fee_type, count(*) AS n, sum(amount_yen) AS yen FROM charge "
            "WHERE business_id = $1 GROUP BY fee_type ORDER BY fee_type",
            reg["business"]["id"],
        )
        assert [(r["fee_type"], r["n"], r["yen"]) for r in rows] == [
            ("admin_id", 1, 11_400),
            ("business_registration", 1, 48_000),
        ]


async def test_a_self_paying_technician_approved_twice_at_once_is_invoiced_once(live, http):
    op = await login(http, "op")
    for _ in range(ROUNDS):
        tech = await submitted_technician(http)
        await _approve_twice(http, op, tech["application"]["id"])
        charges = await live.fetch("SELECT id, invoice_id FROM charge WHERE technician_id = $1", tech["pk"])
        assert len(charges) == 1 and charges[0]["invoice_id"] is not None, charges
        invoices = await live.fetch("SELECT id, total_yen FROM invoice WHERE technician_id = $1", tech["pk"])
        assert len(invoices) == 1 and invoices[0]["total_yen"] == 2_500, invoices
    seqs = [r["seq"] for r in await live.fetch("SELECT seq FROM invoice WHERE series = 'INV' ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
