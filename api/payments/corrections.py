"""The operator's correction queue (seed 000 No.72 入金情報の訂正機能): assign a payment to an invoice, split it
over several invoices (and a refund), or refund it. Each resolution needs a reason and is audited with before and
after. A card payment is refunded through the provider; konbini and bank-transfer money is paid back by bank
transfer outside the system, and recorded here."""

from __future__ import annotations

from typing import Any

import stripe
from tortoise import connections
from tortoise.timezone import now

from api.accounts.models import Account
from api.audit import service as audit
from api.billing.invoices import balance, lock_invoice, number
from api.errors import Conflict, NotFound, Unprocessable
from api.payments.apply import allocate, unapplied
from api.payments.models import Payment, PaymentException, PaymentSource, PaymentStatus
from api.payments.schemas import AssignIn, ExceptionOut, RefundIn, SplitIn
from api.payments.stripe_client import ProviderError, stripe_client
from api.sql import execute, is_pg


async def exception_out(e: PaymentException) -> ExceptionOut:
    p = await e.payment
    return ExceptionOut(
        id=e.id,
        reason=e.reason,
        detail=e.detail,
        status=e.status.value,
        resolution=e.resolution,
        note=e.note,
        candidate_invoice_pk=e.candidate_invoice_id,
        created_at=e.created_at,
        resolved_at=e.resolved_at,
        payment_pk=p.id,
        source=p.source.value,
        amount_yen=p.amount_yen,
        unapplied_yen=unapplied(p),
        received_on=p.received_on,
        payer_name=p.payer_name,
        reference=p.reference,
    )


async def claim(*, actor: Account, pk: int, resolution: str, reason: str) -> tuple[PaymentException, Payment]:
    """Take the queue item for this decision, once. The payment is locked first (every writer of a payment and its
    queue items locks the payment before anything else, so a provider's refund webhook or a bank cancellation
    serialises with a decision instead of deadlocking with it), then a conditional UPDATE … WHERE status = 'open' lets only one of several concurrent
    decisions (assign, split, refund) win. A loser waits for the winner's transaction: if it commits the loser
    matches no row and gets 409 already_resolved; if it rolls back (its input was refused) the loser goes ahead."""
    e = await PaymentException.get_or_none(id=pk)
    if e is None:
        raise NotFound("No such item in the correction queue.", code="correction_not_found")
    qs = Payment.filter(id=e.payment_id)  # type: ignore[attr-defined]
    if is_pg():
        qs = qs.select_for_update()
    payment = await qs.get()
    taken = await execute(
        connections.get("default"),
        "UPDATE payment_exception SET status = 'resolved', resolution = ?, resolved_by_id = ?, "
        "resolved_at = ?, note = ? WHERE id = ? AND status = 'open'",
        [resolution, actor.id, now(), reason, pk],
    )
    e = await PaymentException.get(id=pk)
    if not taken:
        raise Conflict(f"This item was already resolved ({e.resolution}).", code="already_resolved")
    if payment.status is not PaymentStatus.received:
        raise Conflict(f"The payment is {payment.status.value}.", code="payment_not_received")
    return e, payment


def _state(p: Payment) -> dict[str, Any]:
    return {
        "allocated_yen": p.allocated_yen,
        "refunded_yen": p.refunded_yen,
        "unapplied_yen": unapplied(p),
        "status": p.status.value,
    }


async def _audit(
    *, actor: Account, payment: Payment, before: dict[str, Any], resolution: str, reason: str, extra: dict[str, Any]
) -> None:
    await audit.record(
        actor=actor,
        action=f"payment.{resolution}",
        entity_type="payment",
        entity_id=payment.id,
        before=before,
        after=_state(payment) | extra,
        reason=reason,
    )


async def _fit(inv_pk: int, amount: int, field: str):
    inv = await lock_invoice(inv_pk)
    if amount > balance(inv):
        raise Unprocessable.field(
            field,
            f"{amount} yen is more than the {max(balance(inv), 0)} yen still due on {number(inv)}",
            code="exceeds_balance",
        )
    return inv


async def assign(*, actor: Account, pk: int, data: AssignIn) -> PaymentException:
    e, payment = await claim(actor=actor, pk=pk, resolution="assigned", reason=data.reason)
    before = _state(payment)
    amount = unapplied(payment)
    inv = await _fit(data.invoice_id, amount, "invoice_id")
    await allocate(payment=payment, inv=inv, amount=amount, matched_by="operator", actor=actor)
    await _audit(
        actor=actor,
        payment=payment,
        before=before,
        resolution="assigned",
        reason=data.reason,
        extra={"invoice": number(inv), "amount_yen": amount},
    )
    return e


async def split(*, actor: Account, pk: int, data: SplitIn, settings: Any) -> PaymentException:
    e, payment = await claim(actor=actor, pk=pk, resolution="split", reason=data.reason)
    before = _state(payment)
    total = sum(part.amount_yen for part in data.parts) + data.refund_yen
    if total != unapplied(payment):
        raise Unprocessable.field(
            "parts",
            f"the parts and refund add up to {total} yen, the payment has {unapplied(payment)} yen to apply",
            code="split_mismatch",
        )
    if len({part.invoice_id for part in data.parts}) != len(data.parts):
        raise Unprocessable.field("parts", "each invoice may appear once", code="duplicate_invoice")
    targets = [
        (await _fit(part.invoice_id, part.amount_yen, f"parts.{i}.amount_yen"), part.amount_yen)
        for i, part in enumerate(data.parts)
    ]
    for inv, amount in targets:
        await allocate(payment=payment, inv=inv, amount=amount, matched_by="operator", actor=actor)
    if data.refund_yen:
        await _refund(payment=payment, amount=data.refund_yen, key=f"openccus-refund-{e.id}", settings=settings)
    await _audit(
        actor=actor,
        payment=payment,
        before=before,
        resolution="split",
        reason=data.reason,
        extra={
            "parts": [{"invoice": number(inv), "amount_yen": a} for inv, a in targets],
            "refund_yen": data.refund_yen,
        },
    )
    return e


async def refund(*, actor: Account, pk: int, data: RefundIn, settings: Any) -> PaymentException:
    e, payment = await claim(actor=actor, pk=pk, resolution="refunded", reason=data.reason)
    before = _state(payment)
    amount = unapplied(payment)
    if amount <= 0:
        raise Conflict("Nothing of this payment is left to refund.", code="nothing_to_refund")
    provider = await _refund(payment=payment, amount=amount, key=f"openccus-refund-{e.id}", settings=settings)
    await _audit(
        actor=actor,
        payment=payment,
        before=before,
        resolution="refunded",
        reason=data.reason,
        extra={"refund_yen": amount, "refund_via": provider},
    )
    return e


async def _refund(*, payment: Payment, amount: int, key: str, settings: Any) -> str:
    """Card money goes back through the provider (idempotent per queue item). Konbini and bank money is returned by
    bank transfer by the operator: the refund is recorded here."""
    via = "bank_transfer"
    if payment.source is PaymentSource.card:
        async with stripe_client(settings) as client:
            try:
                await client.v1.refunds.create_async(
                    params={"payment_intent": payment.reference, "amount": amount}, options={"idempotency_key": key}
                )
            except stripe.StripeError as exc:
                raise ProviderError(f"The payment provider refused the refund: {exc.user_message or exc}") from None
        via = "stripe"
    payment.refunded_yen += amount
    if unapplied(payment) == 0 and payment.allocated_yen == 0:
        payment.status = PaymentStatus.refunded
    await Payment.filter(id=payment.id).update(refunded_yen=payment.refunded_yen, status=payment.status)
    return via
