"""Applying money to invoices, and the correction queue it falls into when it cannot be applied as it is.

Automatic application is exact: the payment must equal the invoice's balance. Anything else — an invoice already
paid (誤入金, a double payment), a different amount, an unknown or ambiguous payer (不明入金) — goes to the queue
with a precise reason, for the operator to assign, split or refund (api.payments.corrections)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tortoise import connections
from tortoise.timezone import now

from api.billing.invoices import balance, lock_invoice, number, refresh_state
from api.billing.models import Invoice
from api.payments.models import Payment, PaymentAllocation, PaymentException, PaymentSource, PaymentStatus
from api.sql import fetch


async def record_once(
    *,
    source: PaymentSource,
    external_id: str,
    amount_yen: int,
    received_on: date,
    details: dict[str, Any],
    payer_name: str = "",
    reference: str = "",
    status: PaymentStatus = PaymentStatus.received,
    bank_import_id: int | None = None,
) -> Payment | None:
    """Store money received once per external id: INSERT … ON CONFLICT (external_id) DO NOTHING. None when it was
    already recorded — on PostgreSQL after waiting for a concurrent import of the same notice to commit, so two
    imports of one file at once record each credit once (and neither fails on the unique key)."""
    rows = await fetch(
        connections.get("default"),
        """
        INSERT INTO payment (source, external_id, amount_yen, allocated_yen, refunded_yen, received_on, payer_name,
                             reference, status, bank_import_id, details, created_at)
        VALUES (?, ?, ?, 0, 0, ?, ?, ?, ?, ?, '{}', ?)
        ON CONFLICT (external_id) DO NOTHING RETURNING id""",
        [
            source.value,
            external_id,
            amount_yen,
            received_on,
            payer_name[:200],
            reference[:40],
            status.value,
            bank_import_id,
            now(),
        ],
    )
    if not rows:
        return None
    await Payment.filter(id=rows[0]["id"]).update(details=details)  # JSON through the ORM on both back ends
    return await Payment.get(id=rows[0]["id"])


def unapplied(payment: Payment) -> int:
    return payment.amount_yen - payment.allocated_yen - payment.refunded_yen


async def allocate(
    *, payment: Payment, inv: Invoice, amount: int, matched_by: str, actor: Any | None = None
) -> PaymentAllocation:
    """Apply `amount` of the payment to a locked invoice (the caller checked it fits)."""
    row = await PaymentAllocation.create(
        payment=payment, invoice=inv, amount_yen=amount, matched_by=matched_by, created_by_id=getattr(actor, "id", None)
    )
    payment.allocated_yen += amount
    await Payment.filter(id=payment.id).update(allocated_yen=payment.allocated_yen)
    inv.paid_yen += amount
    await refresh_state(inv)
    return row


async def queue(*, payment: Payment, reason: str, detail: str, candidate: Invoice | None = None) -> PaymentException:
    return await PaymentException.create(
        payment=payment, reason=reason, detail=detail[:500], candidate_invoice_id=candidate.id if candidate else None
    )


async def auto_apply(*, payment: Payment, invoice_pk: int, matched_by: str) -> PaymentAllocation | PaymentException:
    inv = await lock_invoice(invoice_pk)
    bal = balance(inv)
    if bal <= 0:
        return await queue(
            payment=payment,
            reason="invoice_already_paid",
            candidate=inv,
            detail=f"{payment.amount_yen} yen for {number(inv)}, which is already paid "
            f"(balance {bal} yen): a double or mistaken payment (誤入金)",
        )
    if payment.amount_yen != bal:
        return await queue(
            payment=payment,
            reason="amount_mismatch",
            candidate=inv,
            detail=f"{payment.amount_yen} yen for {number(inv)}, whose balance is {bal} yen",
        )
    return await allocate(payment=payment, inv=inv, amount=bal, matched_by=matched_by)
