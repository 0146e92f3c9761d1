"""Card and convenience-store (konbini) payment of an invoice through Stripe PaymentIntents, and the webhooks that
report the outcome.

Webhooks are at-least-once and unordered. Each verified event is stored once (its id is unique), so a duplicate
applies nothing. A PaymentIntent's state only moves to a newer event's state, and succeeded / canceled are final,
so "processing" arriving after "succeeded" changes nothing. The money is recorded once per PaymentIntent (the
payment's external id), whichever event reports it first; an event for an intent we have not stored yet (the webhook
beat our own write) creates it from the invoice id in its metadata, so every order converges to the same state.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

import stripe
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api import guard
from api.accounts.models import Account
from api.billing.invoices import balance, get_visible, number
from api.billing.models import Invoice
from api.sql import is_pg
from api.errors import BadRequest, Conflict
from api.payments.apply import auto_apply
from api.payments.models import OnlinePayment, Payment, PaymentSource, WebhookEvent
from api.payments.stripe_client import ProviderError, stripe_client, webhook_secret
from api.timeutil import JST

log = logging.getLogger("openccus.payments")

# How far along an intent is, to break ties between events stamped in the same second.
_RANK = {"requires_payment_method": 0, "requires_confirmation": 0, "requires_action": 1, "processing": 2,
         "requires_capture": 2, "succeeded": 3, "canceled": 3}
FINAL = {"succeeded", "canceled"}


async def create_intent(*, actor: Account, invoice_pk: int, method: str, settings: Any) -> tuple[OnlinePayment, str]:
    """A PaymentIntent for the invoice's balance. The provider call happens outside any database transaction; the
    same invoice, balance and method give the same intent (the idempotency key), so a double click pays once."""
    inv = await get_visible(actor=actor, pk=invoice_pk)
    amount = balance(inv)
    if amount <= 0:
        raise Conflict(f"Invoice {number(inv)} is already paid.", code="invoice_already_paid")
    params: dict[str, Any] = {
        "amount": amount,  # JPY is a zero-decimal currency: the amount is in yen
        "currency": "jpy",
        "payment_method_types": [method],
        "description": f"OpenCCUS {number(inv)}",
        "metadata": {"invoice_id": str(inv.id), "invoice_number": number(inv)},
    }
    if method == "konbini":
        params["payment_method_options"] = {"konbini": {"expires_after_days": 3}}
    key = f"openccus-invoice-{inv.id}-{method}-{amount}-{inv.paid_yen}-{inv.credited_yen}"
    async with stripe_client(settings) as client:
        try:
            intent = await client.v1.payment_intents.create_async(params=params, options={"idempotency_key": key})
        except stripe.StripeError as exc:
            raise ProviderError(f"The payment provider refused: {exc.user_message or exc}") from None
    async with in_transaction():
        row = await OnlinePayment.get_or_none(intent_id=intent.id)
        if row is None:
            row = await OnlinePayment.create(intent_id=intent.id, invoice=inv, method=method, amount_yen=intent.amount,
                                             status=intent.status)
    return row, intent.client_secret or ""


async def create_checkout(*, actor: Account, invoice_pk: int, method: str, return_path: str,
                          settings: Any) -> tuple[str, int]:
    """A Checkout Session: the provider's hosted page takes the card (or issues the konbini voucher), so no card
    number ever touches OpenCCUS or its pages. The PaymentIntent it creates carries the invoice id in its metadata,
    and the webhook records the money from that (see _intent_row). Returns the page's URL and the amount."""
    inv = await get_visible(actor=actor, pk=invoice_pk)
    amount = balance(inv)
    if amount <= 0:
        raise Conflict(f"Invoice {number(inv)} is already paid.", code="invoice_already_paid")
    metadata = {"invoice_id": str(inv.id), "invoice_number": number(inv)}
    back = settings.public_url.rstrip("/") + return_path
    params: dict[str, Any] = {
        "mode": "payment",
        "payment_method_types": [method],
        "line_items": [{"quantity": 1, "price_data": {"currency": "jpy", "unit_amount": amount,
                                                      "product_data": {"name": f"OpenCCUS {number(inv)}"}}}],
        "payment_intent_data": {"description": f"OpenCCUS {number(inv)}", "metadata": metadata},
        "metadata": metadata,
        "success_url": f"{back}?payment=done",
        "cancel_url": f"{back}?payment=cancelled",
    }
    if method == "konbini":
        params["payment_method_options"] = {"konbini": {"expires_after_days": 3}}
    key = f"openccus-checkout-{inv.id}-{method}-{amount}-{inv.paid_yen}-{inv.credited_yen}-{return_path}"
    async with stripe_client(settings) as client:
        try:
            session = await client.v1.checkout.sessions.create_async(params=params, options={"idempotency_key": key})
        except stripe.StripeError as exc:
            raise ProviderError(f"The payment provider refused: {exc.user_message or exc}") from None
    if not session.url:
        raise ProviderError("The payment provider gave no payment page.")
    return session.url, amount


def verify(*, payload: bytes, signature: str | None, settings: Any) -> dict[str, Any]:
    """The provider's signature scheme (t=…,v1=HMAC-SHA256(secret, "t.payload"), with a 5-minute tolerance)."""
    secret = webhook_secret(settings)
    # Our JSON guards first: the SDK fails with a 500 on a body that is a JSON array or nested past recursion.
    event = guard.parse_json(payload) if payload else None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or "type" not in event:
        raise BadRequest("The webhook payload is not an event.", code="invalid_payload")
    if not isinstance(event.get("created", 0), int):
        raise BadRequest("The webhook payload's created is not a timestamp.", code="invalid_payload")
    try:
        stripe.Webhook.construct_event(payload, signature, secret)
    except stripe.SignatureVerificationError as exc:
        raise BadRequest(f"The webhook signature does not verify: {exc.user_message or exc}",
                         code="bad_signature") from None
    except ValueError:
        raise BadRequest("The webhook payload is not valid JSON.", code="invalid_payload") from None
    event = json.loads(payload)
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or "type" not in event:
        raise BadRequest("The webhook payload is not an event.", code="invalid_payload")
    return event


async def handle_webhook(*, payload: bytes, signature: str | None, settings: Any) -> dict[str, Any]:
    event = verify(payload=payload, signature=signature, settings=settings)
    try:
        async with in_transaction():
            if await WebhookEvent.filter(event_id=event["id"]).exists():
                return {"event": event["id"], "status": "duplicate"}
            result = await _apply(event)
            await WebhookEvent.create(event_id=event["id"], type=str(event["type"]), created=int(event.get("created") or 0),
                                      payload=event, result=result[:200])
    except IntegrityError:  # the same event delivered twice at once: the other delivery applied it
        return {"event": event["id"], "status": "duplicate"}
    return {"event": event["id"], "status": "processed", "result": result}


async def _apply(event: dict[str, Any]) -> str:
    kind = str(event["type"])
    if not kind.startswith("payment_intent."):
        return "ignored: not a payment_intent event"
    obj = (event.get("data") or {}).get("object") or {}
    intent_id, status = obj.get("id"), obj.get("status")
    if not isinstance(intent_id, str) or status not in _RANK:
        return "ignored: no payment intent in the event"
    created = int(event.get("created") or 0)
    row = await _intent_row(intent_id, obj)
    if row is None:
        return "ignored: not an OpenCCUS invoice"
    if row.status in FINAL:
        outcome = f"ignored: intent already {row.status}"
    elif created < row.last_event_at or (created == row.last_event_at and _RANK[status] < _RANK[row.status]):
        outcome = f"ignored: older than the {row.status} already applied"
    else:
        error = (obj.get("last_payment_error") or {}).get("message")
        await OnlinePayment.filter(id=row.id).update(status=status, last_event_at=created,
                                                     failure_message=(error or None) and str(error)[:300])
        outcome = f"intent {status}"
        row.status = status
    if row.status == "succeeded":
        outcome += "; " + await _record_money(row, obj, created)
    return outcome


async def _intent_row(intent_id: str, obj: dict[str, Any]) -> OnlinePayment | None:
    qs = OnlinePayment.filter(intent_id=intent_id)
    if is_pg():
        qs = qs.select_for_update()
    row = await qs.first()
    if row is not None:
        return row
    invoice_id = str((obj.get("metadata") or {}).get("invoice_id") or "")
    if not invoice_id.isdigit() or not await Invoice.filter(id=int(invoice_id)).exists():
        return None
    methods = obj.get("payment_method_types") or ["card"]
    return await OnlinePayment.create(intent_id=intent_id, invoice_id=int(invoice_id), method=str(methods[0]),
                                      amount_yen=int(obj.get("amount") or 0), status="requires_payment_method")


async def _record_money(row: OnlinePayment, obj: dict[str, Any], created: int) -> str:
    """Once per intent: a Payment whose external id is the intent id, applied to the invoice (or queued)."""
    external = f"stripe:{row.intent_id}"
    if await Payment.filter(external_id=external).exists():
        return "payment already recorded"
    amount = int(obj.get("amount_received") or obj.get("amount") or row.amount_yen)
    received = datetime.fromtimestamp(created or 0, tz=timezone.utc).astimezone(JST).date()
    payment = await Payment.create(source=PaymentSource.konbini if row.method == "konbini" else PaymentSource.card,
                                   external_id=external, amount_yen=amount, received_on=received,
                                   reference=row.intent_id, details={"intent": row.intent_id})
    outcome = await auto_apply(payment=payment, invoice_pk=row.invoice_id, matched_by="online")  # type: ignore
    from api.payments.models import PaymentException

    if isinstance(outcome, PaymentException):
        return f"payment of {amount} yen queued: {outcome.reason}"
    return f"payment of {amount} yen applied"
