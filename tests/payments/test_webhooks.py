"""Provider events beyond the happy path (both back ends): signatures dated in the future, a hosted checkout's two
events, a refund made at the provider (charge.refunded) before and after the money, and one made through the
correction queue that the provider then reports."""

import time

from api.payments.models import OnlinePayment, Payment, WebhookEvent
from tests.api.helpers import auth, table_counts
from tests.payments.fake_stripe import signed
from tests.payments.test_online import HOOK, _invoice, _post


def _charge_refunded(pid: str, refunded: int, *, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_refund_{pid}_{refunded}",
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "livemode": False,
        "data": {
            "object": {
                "id": f"ch_{pid}",
                "object": "charge",
                "payment_intent": pid,
                "amount": 59_400,
                "amount_refunded": refunded,
                "refunded": refunded >= 59_400,
            }
        },
    }


def _intent(pid: str, inv: dict, amount: int = 59_400) -> dict:
    return {
        "id": pid,
        "object": "payment_intent",
        "amount": amount,
        "currency": "jpy",
        "metadata": {"invoice_id": str(inv["id"])},
        "payment_method_types": ["card"],
    }


async def test_signatures_dated_in_the_future_are_refused(client, drain, fake_stripe):
    _, _, inv = await _invoice(client, drain)
    event = fake_stripe.event("pi_future", "succeeded", intent=_intent("pi_future", inv))
    before = await table_counts()
    payload, headers = signed(event, at=int(time.time()) + 3600)  # signed to be replayed in an hour
    r = await client.post(HOOK, content=payload, headers=headers)
    assert r.status_code == 400 and r.json()["error"] == "signature_in_future", r.text
    assert await table_counts() == before
    # Within the tolerance (a signing clock a minute ahead) it is accepted.
    payload, headers = signed(event, at=int(time.time()) + 60)
    assert (await client.post(HOOK, content=payload, headers=headers)).json()["status"] == "processed"


async def test_hosted_checkout_reports_twice_and_pays_once(client, drain, fake_stripe):
    _, biz, inv = await _invoice(client, drain)
    session = {
        "id": "cs_two",
        "object": "checkout.session",
        "payment_intent": "pi_two",
        "payment_status": "paid",
        "amount_total": 59_400,
        "metadata": {"invoice_id": str(inv["id"])},
        "payment_method_types": ["card"],
    }
    t0 = int(time.time())
    completed = {
        "id": "evt_cs_two",
        "object": "event",
        "type": "checkout.session.completed",
        "created": t0,
        "data": {"object": session},
    }
    r = await _post(client, completed)
    assert r.json()["status"] == "processed" and "applied" in r.json()["result"], r.text
    r = await _post(client, fake_stripe.event("pi_two", "succeeded", intent=_intent("pi_two", inv), created=t0))
    assert r.json()["status"] == "processed" and "ignored: intent already succeeded" in r.json()["result"], r.text
    detail = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=auth(biz["token"]))).json()
    assert (detail["status"], detail["paid_yen"], len(detail["payments"])) == ("paid", 59_400, 1)
    assert await WebhookEvent.all().count() == 2


async def test_a_refund_at_the_provider_reopens_the_invoice(client, drain, fake_stripe):
    op, biz, inv = await _invoice(client, drain)
    await _post(client, fake_stripe.event("pi_r", "succeeded", intent=_intent("pi_r", inv)))
    # A partial refund made in the provider's dashboard: the invoice owes that much again.
    r = await _post(client, _charge_refunded("pi_r", 9_400))
    assert r.json()["result"] == "refund of 9400 yen recorded, invoices [%d] open again" % inv["id"], r.text
    detail = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=auth(biz["token"]))).json()
    assert (detail["status"], detail["paid_yen"], detail["balance_yen"]) == ("open", 50_000, 9_400)
    payment = await Payment.get(external_id="stripe:pi_r")
    assert (payment.allocated_yen, payment.refunded_yen, payment.status.value) == (50_000, 9_400, "received")
    # The same refund reported again (a new event with the same total) takes nothing more; the full refund the rest.
    assert (await _post(client, _charge_refunded("pi_r", 9_400, event_id="evt_again"))).json()[
        "result"
    ] == "refund already recorded"
    await _post(client, _charge_refunded("pi_r", 59_400))
    payment = await Payment.get(external_id="stripe:pi_r")
    assert (payment.allocated_yen, payment.refunded_yen, payment.status.value) == (0, 59_400, "refunded")
    detail = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=auth(biz["token"]))).json()
    assert (detail["status"], detail["paid_yen"], detail["payments"]) == ("open", 0, [])
    trail = (await client.get("/api/v1/audit", headers=auth(op), params={"entity_type": "payment"})).json()
    assert [e["action"] for e in trail[:2]] == ["payment.provider_refund", "payment.provider_refund"]


async def test_a_refund_reported_before_the_money_is_applied_with_it(client, drain, fake_stripe):
    _, biz, inv = await _invoice(client, drain)
    await _post(client, fake_stripe.event("pi_early", "processing", intent=_intent("pi_early", inv)))
    r = await _post(client, _charge_refunded("pi_early", 59_400))
    assert "kept until the payment is reported" in r.json()["result"], r.text
    assert (await OnlinePayment.get(intent_id="pi_early")).refunded_yen == 59_400
    r = await _post(
        client,
        fake_stripe.event("pi_early", "succeeded", intent=_intent("pi_early", inv), created=int(time.time()) + 1),
    )
    assert "refund of 59400 yen recorded" in r.json()["result"], r.text
    detail = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=auth(biz["token"]))).json()
    assert (detail["status"], detail["paid_yen"]) == ("open", 0)


async def test_a_queue_refund_reported_back_by_the_provider_is_not_taken_twice(client, drain, fake_stripe):
    op, _, inv = await _invoice(client, drain)
    await _post(client, fake_stripe.event("pi_q", "succeeded", intent=_intent("pi_q", inv, 1_000)))
    [item] = (await client.get("/api/v1/admin/payments/exceptions", headers=auth(op))).json()
    fake_stripe.intents["pi_q"] = _intent("pi_q", inv, 1_000)
    r = await client.post(
        f"/api/v1/admin/payments/exceptions/{item['id']}/refund", headers=auth(op), json={"reason": "金額違い"}
    )
    assert r.status_code == 200, r.text
    r = await _post(client, _charge_refunded("pi_q", 1_000))
    assert r.json()["result"] == "refund already recorded"
    payment = await Payment.get(external_id="stripe:pi_q")
    assert (payment.refunded_yen, payment.status.value) == (1_000, "refunded")
    detail = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=auth(op))).json()
    assert detail["paid_yen"] == 0  # the queued money never touched the invoice
