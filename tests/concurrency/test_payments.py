"""Money under concurrent requests on the live server (two processes, PostgreSQL): two provider events of an intent
not stored yet, three operator decisions on one queue item, one bank file imported twice — each at one moment,
many rounds, the invariant checked after every round."""

from __future__ import annotations

import time
from datetime import date

import pytest

from api.billing.periods import month_start
from api.timeutil import add_months
from api.payments import zengin
from api.timeutil import today_jst
from tests.api.helpers import approved_business, auth, login
from tests.concurrency.conftest import race, start_live
from tests.payments.fake_stripe import API_KEY, WEBHOOK_SECRET, FakeStripe, Server, signed

HOOK = "/api/v1/payments/stripe/webhook"
ROUNDS = 12
LAST_MONTH = add_months(month_start(today_jst()), -1)


@pytest.fixture(scope="module")
def stripe():
    fake = FakeStripe()
    with Server(fake) as server:
        yield fake, server.url


@pytest.fixture(scope="module")
def live(tmp_path_factory, stripe):
    _, url = stripe
    server = start_live(
        tmp_path_factory.mktemp("live-payments"),
        "payments",
        extra_env={
            "OPENCCUS_STRIPE_API_KEY": API_KEY,
            "OPENCCUS_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "OPENCCUS_STRIPE_API_BASE": url,
        },
    )
    try:
        yield server
    finally:
        server.stop()


async def _invoices(live, http, n: int) -> tuple[str, list[dict]]:
    """n open invoices of 59,400 yen (registration + admin ID), from one close of last month."""
    op = await login(http, "op")
    firms = [await approved_business(http, op) for _ in range(n)]
    await live.fetch("UPDATE charge SET counted_in = $1 WHERE invoice_id IS NULL", LAST_MONTH)
    r = await http.post("/api/v1/admin/billing/close", headers=auth(op), json={"period": f"{LAST_MONTH:%Y-%m}"})
    assert r.status_code == 202, r.text
    live.drain()
    ids = [f["business"]["id"] for f in firms]
    rows = await live.fetch(
        "SELECT id, total_yen FROM invoice WHERE business_id = ANY($1::bigint[]) AND paid_yen = 0 ORDER BY id", ids
    )
    assert len(rows) == n, rows
    return op, [dict(r) for r in rows]


def _intent(pid: str, inv: dict, amount: int, method: str = "card") -> dict:
    return {
        "id": pid,
        "object": "payment_intent",
        "amount": amount,
        "currency": "jpy",
        "status": "processing",
        "metadata": {"invoice_id": str(inv["id"])},
        "payment_method_types": [method],
        "amount_received": 0,
    }


def _event(kind: str, obj: dict, created: int) -> dict:
    return {
        "id": f"evt_{obj['id']}_{kind}_{created}",
        "object": "event",
        "type": kind,
        "created": created,
        "data": {"object": obj},
        "livemode": False,
    }


def _pair(round_no: int, inv: dict) -> tuple[str, list[dict]]:
    """Two events reporting one intent we have not stored: processing + succeeded, or the hosted checkout's
    session.completed + payment_intent.succeeded (as Stripe sends them, within milliseconds)."""
    pid, t0 = f"pi_race_{round_no}", int(time.time())
    obj = _intent(pid, inv, inv["total_yen"])
    succeeded = _event(
        "payment_intent.succeeded", {**obj, "status": "succeeded", "amount_received": obj["amount"]}, t0 + 1
    )
    if round_no % 2:
        session = {
            "id": f"cs_race_{round_no}",
            "object": "checkout.session",
            "payment_intent": pid,
            "payment_status": "paid",
            "amount_total": obj["amount"],
            "metadata": obj["metadata"],
            "payment_method_types": ["card"],
        }
        return pid, [_event("checkout.session.completed", session, t0 + 1), succeeded]
    return pid, [_event("payment_intent.processing", obj, t0), succeeded]


async def test_two_events_of_a_new_intent_at_once_pay_the_invoice_once(live, http):
    _, invoices = await _invoices(live, http, ROUNDS)
    for i, inv in enumerate(invoices):
        pid, events = _pair(i, inv)
        bodies = [signed(e) for e in events]
        answers = await race(*[lambda b=b: http.post(HOOK, content=b[0], headers=b[1]) for b in bodies])
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        # Neither event is taken for a duplicate of the other: both are stored and applied.
        assert [a.json()["status"] for a in answers] == ["processed", "processed"], [a.text for a in answers]
        row = (await live.fetch("SELECT status, paid_yen, total_yen FROM invoice WHERE id = $1", inv["id"]))[0]
        assert (row["status"], row["paid_yen"]) == ("paid", row["total_yen"]), (i, dict(row))
        assert await live.fetchval("SELECT count(*) FROM payment WHERE external_id = $1", f"stripe:{pid}") == 1
        assert (
            await live.fetchval("SELECT sum(amount_yen) FROM payment_allocation WHERE invoice_id = $1", inv["id"])
            == row["total_yen"]
        )
        assert await live.fetchval("SELECT status FROM online_payment WHERE intent_id = $1", pid) == "succeeded"
        assert (
            await live.fetchval(
                "SELECT count(*) FROM payment_exception e JOIN payment p ON p.id = e.payment_id "
                "WHERE p.external_id = $1",
                f"stripe:{pid}",
            )
            == 0
        )
        # The same two events again, at once: duplicates, nothing changes.
        again = await race(*[lambda b=b: http.post(HOOK, content=b[0], headers=b[1]) for b in bodies])
        assert [a.json()["status"] for a in again] == ["duplicate", "duplicate"]
        assert await live.fetchval("SELECT paid_yen FROM invoice WHERE id = $1", inv["id"]) == row["total_yen"]


async def test_one_queue_item_three_decisions_at_once_one_wins(live, http, stripe):
    fake, _ = stripe
    op, invoices = await _invoices(live, http, ROUNDS)
    for i, inv in enumerate(invoices):
        # 1,000 yen for a 59,400 yen invoice: an amount mismatch, queued for the operator.
        pid = f"pi_queue_{i}"
        fake.intents[pid] = _intent(pid, inv, 1_000)
        payload, headers = signed(
            _event(
                "payment_intent.succeeded",
                {**fake.intents[pid], "status": "succeeded", "amount_received": 1_000},
                int(time.time()),
            )
        )
        assert "queued: amount_mismatch" in (await http.post(HOOK, content=payload, headers=headers)).json()["result"]
        item = await live.fetchval(
            "SELECT e.id FROM payment_exception e JOIN payment p ON p.id = e.payment_id WHERE p.external_id = $1",
            f"stripe:{pid}",
        )
        base = f"/api/v1/admin/payments/exceptions/{item}"
        answers = await race(
            lambda: http.post(f"{base}/assign", headers=auth(op), json={"invoice_id": inv["id"], "reason": "一部入金"}),
            lambda: http.post(f"{base}/refund", headers=auth(op), json={"reason": "金額違いの返金"}),
            lambda: http.post(
                f"{base}/split",
                headers=auth(op),
                json={"parts": [{"invoice_id": inv["id"], "amount_yen": 400}], "refund_yen": 600, "reason": "分割"},
            ),
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 409, 409], [a.text for a in answers]
        assert all(a.json()["error"] == "already_resolved" for a in answers if a.status_code == 409)
        winner = next(a.json() for a in answers if a.status_code == 200)
        pay = (
            await live.fetch(
                "SELECT id, amount_yen, allocated_yen, refunded_yen FROM payment WHERE external_id = $1",
                f"stripe:{pid}",
            )
        )[0]
        # The money is either applied or refunded, once: never both in full.
        assert pay["allocated_yen"] + pay["refunded_yen"] == pay["amount_yen"] == 1_000
        expected = {"assigned": (1_000, 0), "refunded": (0, 1_000), "split": (400, 600)}[winner["resolution"]]
        assert (pay["allocated_yen"], pay["refunded_yen"]) == expected
        assert await live.fetchval("SELECT paid_yen FROM invoice WHERE id = $1", inv["id"]) == expected[0]
        assert sum(r["amount"] for r in fake.refunds if r["payment_intent"] == pid) == expected[1]
        assert (
            await live.fetchval(
                "SELECT count(*) FROM audit_entry WHERE entity_type = 'payment' AND entity_id = $1 "
                "AND action LIKE 'payment.%'",
                str(pay["id"]),
            )
            == 1
        )


async def test_one_bank_file_imported_twice_at_once_records_each_credit_once(live, http):
    op, invoices = await _invoices(live, http, ROUNDS)
    header = zengin.NoticeHeader(
        created_on=date.today(),
        period_from=date.today(),
        period_to=date.today(),
        bank_code="0005",
        bank_name="ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ",
        branch_code="001",
        branch_name="ﾎﾝﾃﾝ",
        account_type="1",
        account_number="1234567",
        account_name="ｵ-ﾌﾟﾝｼ-ｼ-ﾕ-ｴｽ",
    )
    for i, inv in enumerate(invoices):
        reference = (await http.get(f"/api/v1/invoices/{inv['id']}", headers=auth(op))).json()["payment_reference"]
        transfers = [
            zengin.Transfer(
                inquiry_number=f"{i:03d}{k:03d}",
                posted_on=date.today(),
                amount_yen=amount,
                payer_name=name,
                value_on=date.today(),
                remitting_bank_name="ﾐｽﾞﾎ",
                remitting_branch_name="ｼﾝｼﾞﾕｸ",
                edi_info=edi,
            )
            for k, (amount, name, edi) in enumerate([(inv["total_yen"], "ｻｸﾗｹﾝｾﾂ", reference), (7_777, "ﾌﾒｲ ﾀﾛｳ", "")])
        ]
        data = zengin.write_transfer_notice(accounts=[(header, transfers)])
        answers = await race(
            *[
                lambda: http.post(
                    "/api/v1/admin/payments/bank-imports",
                    headers=auth(op),
                    files={"file": ("notice.txt", data, "text/plain")},
                )
                for _ in range(2)
            ]
        )
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        assert sorted(a.json()["new_payments"] for a in answers) == [0, 2]
        assert sorted(a.json()["duplicates"] for a in answers) == [0, 2]
        assert await live.fetchval("SELECT paid_yen FROM invoice WHERE id = $1", inv["id"]) == inv["total_yen"]
        assert (
            await live.fetchval(
                "SELECT count(*) FROM payment WHERE amount_yen = 7777 AND details->>'inquiry_number' = $1",
                f"{i:03d}001",
            )
            == 1
        )
        assert (
            await live.fetchval(
                "SELECT count(*) FROM payment_exception e JOIN payment p ON p.id = e.payment_id "
                "WHERE p.details->>'inquiry_number' = $1",
                f"{i:03d}001",
            )
            == 1
        )
