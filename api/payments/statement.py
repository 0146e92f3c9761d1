"""An invoice as its payer reads it: its lines, credit notes, and the payments set against it."""

from __future__ import annotations

from api.billing.invoices import credit_note_out, invoice_out
from api.billing.models import CreditNote, Invoice, InvoiceLine
from api.billing.schemas import AllocationOut, InvoiceDetailOut, InvoiceLineOut, OnlinePaymentOut
from api.payments.models import OnlinePayment, PaymentAllocation
from api.settings import Settings
from api.sites.models import Site


async def detail(inv: Invoice, *, settings: Settings) -> InvoiceDetailOut:

    lines = await InvoiceLine.filter(invoice=inv).order_by("id")
    site_ids = {x.site_id for x in lines if x.site_id}  # type: ignore[attr-defined]
    site_names = {s.id: s.name for s in await Site.filter(id__in=site_ids)} if site_ids else {}
    notes = await CreditNote.filter(invoice=inv).order_by("id").prefetch_related("lines")
    allocations = await PaymentAllocation.filter(invoice=inv).order_by("id").select_related("payment")
    online = await OnlinePayment.filter(invoice=inv).order_by("id")
    return InvoiceDetailOut(
        **invoice_out(inv).model_dump(),
        lines=[
            InvoiceLineOut(
                fee_type=x.fee_type,
                label=x.label,
                site_pk=x.site_id,  # type: ignore[attr-defined]
                site_name=site_names.get(x.site_id),  # type: ignore[attr-defined]
                unit_price_yen=x.unit_price_yen,
                quantity=x.quantity,
                amount_yen=x.amount_yen,
                tax_rate_percent=x.tax_rate_percent,
            )
            for x in lines
        ],
        credit_notes=[credit_note_out(cn, list(cn.lines)) for cn in notes],
        payments=[
            AllocationOut(
                payment_pk=a.payment.id,
                source=a.payment.source.value,
                amount_yen=a.amount_yen,
                received_on=a.payment.received_on,
                matched_by=a.matched_by,
            )
            for a in allocations
        ],
        online_payments=[
            OnlinePaymentOut(
                intent_id=o.intent_id,
                method=o.method,
                amount_yen=o.amount_yen,
                status=o.status,
                failure_message=o.failure_message,
            )
            for o in online
        ],
        transfer_to=settings.transfer_account(),
        online_payment_available=settings.online_payment_available,
    )
