"""The payment provider's webhooks: verified, stored once, applied to the payment intent under its row lock.

Webhooks are at-least-once, unordered and concurrent (hosted checkout sends `checkout.session.completed` and
`payment_intent.succeeded` within milliseconds, and `processing` may race `succeeded`). So:

* each verified event is stored once by its event id (`INSERT … ON CONFLICT (event_id) DO NOTHING RETURNING`): a
  second delivery of the same event finds the first one's row (on PostgreSQL it waits for the first one's
  transaction, so a delivery that rolled back is applied by the next) and applies nothing;
* every other event is applied, never answered "duplicate": the intent row is upserted (`ON CONFLICT (intent_id) DO
  NOTHING`) and then locked (`SELECT … FOR UPDATE`), so two events of an intent we had not stored yet serialise on
  that row instead of one failing on the unique intent id;
* under the lock the intent's state only moves to a newer event's state (succeeded and canceled are final), and the
  money is recorded once per intent (the payment's unique external id) whichever event reports it first;
* `charge.refunded` (a refund made at the provider) takes the refunded money back from the payment and, beyond what
  was left unapplied, from the invoices it paid, which are open again.
"""

from __future__ import annotations

import time
from datetime import datetime, UTC
from typing import Any

import stripe
from tortoise import connections
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api import guard
from api.audit import service as audit
from api.billing.invoices import lock_invoice, refresh_state
from api.billing.models import Invoice
from api.errors import BadRequest
from api.payments.apply import auto_apply, record_once, unapplied
from api.payments.models import (
    ExceptionStatus,
    OnlinePayment,
    Payment,
    PaymentAllocation,
    PaymentException,
    PaymentSource,
    PaymentStatus,
)
from api.payments.stripe_client import webhook_secret
from api.sql import execute, fetch, is_pg
from api.timeutil import JST

# Stripe's own default: a signature older than this is a replay. The SDK checks only the past; a timestamp this far
# in the future is refused here (a signing clock that far off, or a payload signed to be replayed later).
TOLERANCE_SECONDS = 300

# How far along an intent is, to break ties between events stamped in the same second.
_RANK = {
    "requires_payment_method": 0,
    "requires_confirmation": 0,
    "requires_action": 1,
    "processing": 2,
    "requires_capture": 2,
    "succeeded": 3,
    "canceled": 3,
}
FINAL = {"succeeded", "canceled"}


def _signed_at(signature: str) -> int | None:
    for item in signature.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return None


def verify(*, payload: bytes, signature: str | None, settings: Any, at: float | None = None) -> dict[str, Any]:
    """The provider's signature scheme (t=…,v1=HMAC-SHA256(secret, "t.payload")), within the tolerance both ways."""
    secret = webhook_secret(settings)
    # Our JSON guards first: the SDK fails with a 500 on a body that is a JSON array or nested past recursion.
    event = guard.parse_json(payload) if payload else None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or "type" not in event:
        raise BadRequest("The webhook payload is not an event.", code="invalid_webhook_payload")
    if not isinstance(event.get("created", 0), int):
        raise BadRequest("The webhook payload's created is not a timestamp.", code="invalid_webhook_payload")
    try:
        stripe.Webhook.construct_event(payload, signature, secret, tolerance=TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as exc:
        raise BadRequest(
            f"The webhook signature does not verify: {exc.user_message or exc}", code="bad_signature"
        ) from None
    except ValueError:
        raise BadRequest("The webhook payload is not valid JSON.", code="invalid_webhook_payload") from None
    signed_at = _signed_at(signature or "")
    if signed_at is None or signed_at > (at or time.time()) + TOLERANCE_SECONDS:
        raise BadRequest(
            "The webhook signature is dated in the future beyond the tolerance.", code="signature_in_future"
        )
    return event


async def handle_webhook(*, payload: bytes, signature: str | None, settings: Any) -> dict[str, Any]:
    event = verify(payload=payload, signature=signature, settings=settings)
    async with in_transaction("default"):
        conn = connections.get("default")
        stored = await fetch(
            conn,
            "INSERT INTO webhook_event (provider, event_id, type, created, payload, result, "
            "received_at) VALUES ('stripe', ?, ?, ?, '{}', '', ?) "
            "ON CONFLICT (event_id) DO NOTHING RETURNING id",
            [event["id"], str(event["type"])[:100], int(event.get("created") or 0), now()],
        )
        if not stored:  # this very event was applied by an earlier (or concurrent, now committed) delivery
            return {"event": event["id"], "status": "duplicate"}
        result = await _apply(event)
        await execute(conn, "UPDATE webhook_event SET result = ? WHERE id = ?", [result[:200], stored[0]["id"]])
        # The payload through the ORM, which encodes JSON the same way on both back ends.
        from api.payments.models import WebhookEvent

        await WebhookEvent.filter(id=stored[0]["id"]).update(payload=event)
    return {"event": event["id"], "status": "processed", "result": result}


async def _apply(event: dict[str, Any]) -> str:
    kind = str(event["type"])
    obj = (event.get("data") or {}).get("object") or {}
    created = int(event.get("created") or 0)
    if kind.startswith("payment_intent."):
        intent_id, status = obj.get("id"), obj.get("status")
        if not isinstance(intent_id, str) or status not in _RANK:
            return "ignored: no payment intent in the event"
        return await _apply_intent(intent_id=intent_id, status=status, obj=obj, created=created)
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        return await _apply_session(obj, created)
    if kind == "charge.refunded":
        return await _apply_refund(obj)
    return f"ignored: {kind} is not applied"


async def _apply_session(session: dict[str, Any], created: int) -> str:
    """A completed hosted checkout: paid now (card) or later (konbini, then async_payment_succeeded)."""
    intent_id = session.get("payment_intent")
    if isinstance(intent_id, dict):
        intent_id = intent_id.get("id")
    if not isinstance(intent_id, str):
        return "ignored: no payment intent in the session"
    paid = session.get("payment_status") in ("paid", "no_payment_required")
    obj = {
        "metadata": session.get("metadata") or {},
        "payment_method_types": session.get("payment_method_types"),
        "amount": session.get("amount_total"),
        "amount_received": session.get("amount_total") if paid else 0,
    }
    return await _apply_intent(
        intent_id=intent_id, status="succeeded" if paid else "processing", obj=obj, created=created
    )


async def upsert_intent(
    *, intent_id: str, invoice_id: int, method: str, amount_yen: int, status: str = "requires_payment_method"
) -> OnlinePayment:
    """The intent's row, created if missing, locked until the transaction ends. Callers run in a transaction."""
    at = now()
    await execute(
        connections.get("default"),
        "INSERT INTO online_payment (intent_id, invoice_id, method, amount_yen, status, last_event_at, "
        "refunded_yen, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?) "
        "ON CONFLICT (intent_id) DO NOTHING",
        [intent_id, invoice_id, method[:20], amount_yen, status, at, at],
    )
    return await _locked_intent(intent_id)  # type: ignore[return-value]


async def _locked_intent(intent_id: str) -> OnlinePayment | None:
    qs = OnlinePayment.filter(intent_id=intent_id)
    if is_pg():
        qs = qs.select_for_update()
    return await qs.first()


async def _apply_intent(*, intent_id: str, status: str, obj: dict[str, Any], created: int) -> str:
    row = await _locked_intent(intent_id)
    if row is None:
        invoice_id = str((obj.get("metadata") or {}).get("invoice_id") or "")
        if not invoice_id.isdigit() or not await Invoice.filter(id=int(invoice_id)).exists():
            return "ignored: not an OpenCCUS invoice"
        methods = obj.get("payment_method_types") or ["card"]
        row = await upsert_intent(
            intent_id=intent_id,
            invoice_id=int(invoice_id),
            method=str(methods[0]),
            amount_yen=int(obj.get("amount") or 0),
        )
    if row.status in FINAL:
        outcome = f"ignored: intent already {row.status}"
    elif created < row.last_event_at or (created == row.last_event_at and _RANK[status] < _RANK[row.status]):
        outcome = f"ignored: older than the {row.status} already applied"
    else:
        error = (obj.get("last_payment_error") or {}).get("message")
        await OnlinePayment.filter(id=row.id).update(
            status=status, last_event_at=created, failure_message=(error or None) and str(error)[:300]
        )
        outcome = f"intent {status}"
        row.status = status
    if row.status == "succeeded":
        outcome += "; " + await _record_money(row, obj, created)
    return outcome


async def _locked_payment(external_id: str) -> Payment | None:
    qs = Payment.filter(external_id=external_id)
    if is_pg():
        qs = qs.select_for_update()
    return await qs.first()


async def _record_money(row: OnlinePayment, obj: dict[str, Any], created: int) -> str:
    """Once per intent (the caller holds the intent's row lock): a Payment whose external id is the intent id,
    applied to the invoice (or queued), then any refund the provider reported before the money."""
    external = f"stripe:{row.intent_id}"
    amount = int(obj.get("amount_received") or obj.get("amount") or row.amount_yen)
    received = datetime.fromtimestamp(created or 0, tz=UTC).astimezone(JST).date()
    payment = await record_once(
        source=PaymentSource.konbini if row.method == "konbini" else PaymentSource.card,
        external_id=external,
        amount_yen=amount,
        received_on=received,
        reference=row.intent_id,
        details={"intent": row.intent_id},
    )
    if payment is None:
        return "payment already recorded"
    applied = await auto_apply(payment=payment, invoice_pk=row.invoice_id, matched_by="online")  # type: ignore
    outcome = (
        f"payment of {amount} yen queued: {applied.reason}"
        if isinstance(applied, PaymentException)
        else f"payment of {amount} yen applied"
    )
    if row.refunded_yen:
        outcome += "; " + await take_back(payment=payment, refunded_total=row.refunded_yen)
    return outcome


async def _apply_refund(charge: dict[str, Any]) -> str:
    intent_id = charge.get("payment_intent")
    if isinstance(intent_id, dict):
        intent_id = intent_id.get("id")
    if not isinstance(intent_id, str):
        return "ignored: no payment intent in the charge"
    row = await _locked_intent(intent_id)
    if row is None:
        return "ignored: not an OpenCCUS payment"
    total = int(charge.get("amount_refunded") or 0)
    if total > row.refunded_yen:  # refund totals only grow; an older event never shrinks them
        await OnlinePayment.filter(id=row.id).update(refunded_yen=total)
        row.refunded_yen = total
    payment = await _locked_payment(f"stripe:{intent_id}")
    if payment is None:
        return f"refund of {row.refunded_yen} yen kept until the payment is reported"
    return await take_back(payment=payment, refunded_total=row.refunded_yen)


async def take_back(*, payment: Payment, refunded_total: int) -> str:
    """Bring the payment's refunded amount up to what the provider says it refunded in all: first from the money
    left unapplied, then from the invoices it paid (newest allocation first), which owe that much again. Refunds
    the operator made through the correction queue are already counted, so they are not taken twice."""
    delta = min(refunded_total, payment.amount_yen) - payment.refunded_yen
    if delta <= 0:
        return "refund already recorded"
    before = {
        "allocated_yen": payment.allocated_yen,
        "refunded_yen": payment.refunded_yen,
        "status": payment.status.value,
    }
    rest = delta - min(delta, unapplied(payment))
    reopened = []
    for alloc in await PaymentAllocation.filter(payment_id=payment.id).order_by("-id"):
        if rest <= 0:
            break
        cut = min(rest, alloc.amount_yen)
        inv = await lock_invoice(alloc.invoice_id)  # type: ignore[attr-defined]
        inv.paid_yen -= cut
        await refresh_state(inv)
        reopened.append(inv.id)
        if cut == alloc.amount_yen:
            await alloc.delete()
        else:
            await PaymentAllocation.filter(id=alloc.id).update(amount_yen=alloc.amount_yen - cut)
        payment.allocated_yen -= cut
        rest -= cut
    payment.refunded_yen += delta
    if payment.refunded_yen >= payment.amount_yen:
        payment.status = PaymentStatus.refunded
    await Payment.filter(id=payment.id).update(
        allocated_yen=payment.allocated_yen, refunded_yen=payment.refunded_yen, status=payment.status
    )
    if unapplied(payment) <= 0:
        await PaymentException.filter(payment_id=payment.id, status=ExceptionStatus.open).update(
            status=ExceptionStatus.resolved,
            resolution="refunded",
            resolved_at=now(),
            note="refunded at the payment provider",
        )
    await audit.record(
        actor=None,
        action="payment.provider_refund",
        entity_type="payment",
        entity_id=payment.id,
        before=before,
        after={
            "allocated_yen": payment.allocated_yen,
            "refunded_yen": payment.refunded_yen,
            "status": payment.status.value,
            "reopened_invoices": reopened,
        },
        reason="charge.refunded from the payment provider",
    )
    return f"refund of {delta} yen recorded" + (f", invoices {reopened} open again" if reopened else "")
