"""Card and konbini payment through the official Stripe SDK against a local fake API, webhooks signed with
Stripe's real scheme: duplicates and out-of-order events never apply twice, bad signatures change nothing."""

import time

from api.payments.models import OnlinePayment, Payment
from tests.api.helpers import auth, operator_token, table_counts
from tests.billing.world import billed_business, close, invoices_of
from tests.payments.fake_stripe import API_KEY, signed

HOOK = "/api/v1/payments/stripe/webhook"


async def _invoice(client, drain):
    op = await operator_token(client)
    biz = await billed_business(client, op)
    await close(client, op, drain)
    [inv] = await invoices_of(client, biz["token"], biz["business"]["id"])
    return op, biz, inv


async def _post(client, event, **kw):
    payload, headers = signed(event, **kw)
    return await client.post(HOOK, content=payload, headers=headers)


async def test_card_payment_succeeds_once_whatever_the_webhook_order(client, drain, fake_stripe):
    op, biz, inv = await _invoice(client, drain)
    url = f"/api/v1/invoices/{inv['id']}/payments"
    r = await client.post(url, headers=auth(biz["token"]), json={"method": "card"})
    assert r.status_code == 201, r.text
    pay = r.json()
    assert (pay["amount_yen"], pay["status"], pay["method"]) == (59_400, "requires_payment_method", "card")
    req = fake_stripe.requests[-1]
    assert req["auth"] == f"Bearer {API_KEY}" and req["idempotency_key"]
    assert req["body"]["currency"] == "jpy" and req["body"]["amount"] == "59400"  # JPY: zero-decimal, in yen
    assert req["body"]["metadata"]["invoice_id"] == str(inv["id"])
    # A double click gives the same intent (idempotency key), not a second charge.
    again = await client.post(url, headers=auth(biz["token"]), json={"method": "card"})
    assert again.json()["intent_id"] == pay["intent_id"]
    assert await OnlinePayment.all().count() == 1

    pid, t0 = pay["intent_id"], int(time.time())
    processing = fake_stripe.event(pid, "processing", created=t0)
    succeeded = fake_stripe.event(pid, "succeeded", created=t0 + 5)
    # succeeded arrives first, processing (older) afterwards: the state converges to succeeded.
    r = await _post(client, succeeded)
    assert r.status_code == 200 and r.json()["status"] == "processed", r.text
    assert "applied" in r.json()["result"]
    r = await _post(client, processing)
    assert r.status_code == 200 and "ignored" in r.json()["result"]
    detail = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=auth(biz["token"]))).json()
    assert (detail["status"], detail["paid_yen"], detail["payment_status"]) == ("paid", 59_400, "paid")
    assert detail["online_payments"][0]["status"] == "succeeded"
    assert detail["payments"] == [
        {
            "payment_pk": detail["payments"][0]["payment_pk"],
            "source": "card",
            "amount_yen": 59_400,
            "received_on": detail["payments"][0]["received_on"],
            "matched_by": "online",
        }
    ]
    # The same event again, and the same outcome under a new event id: nothing applies twice.
    before = await table_counts()
    r = await _post(client, succeeded)
    assert r.json()["status"] == "duplicate"
    assert await table_counts() == before
    r = await _post(client, fake_stripe.event(pid, "succeeded", created=t0 + 9))
    assert r.json()["status"] == "processed" and "ignored" in r.json()["result"]
    assert await Payment.all().count() == 1
    # Paying a paid invoice is refused before the provider is called.
    before, calls = await table_counts(), len(fake_stripe.requests)
    r = await client.post(url, headers=auth(biz["token"]), json={"method": "konbini"})
    assert r.status_code == 409 and r.json()["error"] == "invoice_already_paid"
    assert await table_counts() == before and len(fake_stripe.requests) == calls
    r = await client.get(f"/api/v1/invoices/{inv['id']}/receipt", headers=auth(biz["token"]))
    assert r.status_code == 200


async def test_bad_signatures_are_refused_and_change_nothing(client, drain, fake_stripe):
    _, biz, inv = await _invoice(client, drain)
    r = await client.post(
        f"/api/v1/invoices/{inv['id']}/payments", headers=auth(biz["token"]), json={"method": "konbini"}
    )
    assert r.status_code == 201 and fake_stripe.requests[-1]["body"]["payment_method_types"] == {"0": "konbini"}
    event = fake_stripe.event(r.json()["intent_id"], "succeeded")
    before = await table_counts()
    payload, headers = signed(event, secret="whsec_wrong")
    r = await client.post(HOOK, content=payload, headers=headers)
    assert r.status_code == 400 and r.json()["error"] == "bad_signature"
    payload, headers = signed(event, at=int(time.time()) - 3600)  # replayed an hour later: outside the tolerance
    assert (await client.post(HOOK, content=payload, headers=headers)).json()["error"] == "bad_signature"
    payload, headers = signed(event)
    tampered = payload.replace(b'"amount_received": 59400', b'"amount_received": 1')
    assert (await client.post(HOOK, content=tampered, headers=headers)).json()["error"] == "bad_signature"
    assert (await client.post(HOOK, content=payload)).json()["error"] == "bad_signature"  # no header at all
    assert await table_counts() == before


async def test_webhook_before_our_own_write_and_a_second_payment_goes_to_the_queue(client, drain, fake_stripe):
    op, biz, inv = await _invoice(client, drain)
    # An intent we never stored (the webhook beat the request that created it): created from its metadata.
    intent = {
        "id": "pi_external_1",
        "object": "payment_intent",
        "amount": 59_400,
        "currency": "jpy",
        "metadata": {"invoice_id": str(inv["id"])},
        "payment_method_types": ["konbini"],
    }
    r = await _post(client, fake_stripe.event("pi_external_1", "succeeded", intent=intent))
    assert "applied" in r.json()["result"], r.text
    row = await OnlinePayment.get(intent_id="pi_external_1")
    assert (row.status, row.method) == ("succeeded", "konbini")
    # A card payment made for the same invoice in another tab also succeeds: the money is a 誤入金 for the queue.
    intent2 = {**intent, "id": "pi_external_2", "payment_method_types": ["card"]}
    r = await _post(client, fake_stripe.event("pi_external_2", "succeeded", intent=intent2))
    assert "queued: invoice_already_paid" in r.json()["result"]
    [item] = (await client.get("/api/v1/admin/payments/exceptions", headers=auth(op))).json()
    assert (item["reason"], item["amount_yen"], item["candidate_invoice_pk"]) == (
        "invoice_already_paid",
        59_400,
        inv["id"],
    )
    # The operator refunds it: through Stripe for a card, idempotently, and audited.
    r = await client.post(
        f"/api/v1/admin/payments/exceptions/{item['id']}/refund", headers=auth(op), json={"reason": "二重払いの返金"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["resolution"] == "refunded" and r.json()["unapplied_yen"] == 0
    assert fake_stripe.refunds == [
        {
            "id": fake_stripe.refunds[0]["id"],
            "object": "refund",
            "amount": 59_400,
            "payment_intent": "pi_external_2",
            "status": "succeeded",
            "currency": "jpy",
        }
    ]
    r = await client.post(
        f"/api/v1/admin/payments/exceptions/{item['id']}/refund", headers=auth(op), json={"reason": "もう一度"}
    )
    assert r.status_code == 409 and r.json()["error"] == "already_resolved"
    trail = (await client.get("/api/v1/audit", headers=auth(op), params={"entity_type": "payment"})).json()
    assert trail[0]["action"] == "payment.refunded" and trail[0]["reason"] == "二重払いの返金"
    # Events of intents that are not ours are stored and ignored.
    r = await _post(
        client, fake_stripe.event("pi_other", "succeeded", intent={**intent, "id": "pi_other", "metadata": {}})
    )
    assert "not an OpenCCUS invoice" in r.json()["result"]


async def test_payment_failure_is_shown_and_the_provider_refusal_is_a_502(client, drain, fake_stripe):
    _, biz, inv = await _invoice(client, drain)
    r = await client.post(f"/api/v1/invoices/{inv['id']}/payments", headers=auth(biz["token"]), json={"method": "card"})
    pid = r.json()["intent_id"]
    t0 = int(time.time())
    await _post(client, fake_stripe.event(pid, "processing", created=t0))
    await _post(
        client, fake_stripe.event(pid, "requires_payment_method", created=t0 + 1, error="カードが拒否されました")
    )
    [online] = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=auth(biz["token"]))).json()["online_payments"]
    assert (online["status"], online["failure_message"]) == ("requires_payment_method", "カードが拒否されました")
    fake_stripe.fail_next = True
    before = await table_counts()
    r = await client.post(
        f"/api/v1/invoices/{inv['id']}/payments", headers=auth(biz["token"]), json={"method": "konbini"}
    )
    assert r.status_code == 502 and r.json()["error"] == "payment_provider_error"
    assert await table_counts() == before


async def test_hosted_payment_page_pays_through_the_webhook(client, drain, fake_stripe):
    _, biz, inv = await _invoice(client, drain)
    url = f"/api/v1/invoices/{inv['id']}/payments"
    r = await client.post(
        url, headers=auth(biz["token"]), json={"method": "card", "return_path": f"/firm/invoices/{inv['id']}"}
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["hosted_url"].endswith("/pay/" + next(iter(fake_stripe.sessions))) and out["client_secret"] is None
    req = fake_stripe.requests[-1]["body"]
    assert req["success_url"] == f"http://127.0.0.1:8000/firm/invoices/{inv['id']}?payment=done"
    assert req["payment_intent_data"]["metadata"]["invoice_id"] == str(inv["id"])
    assert req["line_items"]["0"]["price_data"]["unit_amount"] == "59400"
    # A return path outside OpenCCUS (an open redirect) is refused.
    for bad in ("https://evil.example/x", "//evil.example", "/x?y=1"):
        r = await client.post(url, headers=auth(biz["token"]), json={"method": "card", "return_path": bad})
        assert r.status_code == 422, bad
    # The payer pays on the provider's page; the provider reports it by webhook with the invoice in the metadata.
    session = next(iter(fake_stripe.sessions.values()))
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake_stripe.app), base_url="http://fake") as page:
        r = await page.post(f"/pay/{session['id']}", data={"card": "4242 4242 4242 4242"})
    assert r.status_code == 303 and r.headers["location"].endswith("?payment=done")
    r = await _post(client, fake_stripe.event(session["payment_intent"], "succeeded"))
    assert r.status_code == 200 and "applied" in r.json()["result"], r.text
    detail = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=auth(biz["token"]))).json()
    assert (detail["status"], detail["paid_yen"]) == ("paid", 59_400)
