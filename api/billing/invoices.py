"""Invoices as users see them, immediate invoices for technicians without an employer, credit notes, and the
payment state of an invoice (the only thing about it that changes after issue)."""

from __future__ import annotations

import re

from tortoise import connections

from api import db
from api.accounts.models import Account, Role
from api.audit import service as audit
from api.billing import invoice_math, numbering
from api.billing.models import (
    Charge,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
)
from api.billing.periods import due_on
from api.billing.schemas import (
    CreditNoteIn,
    CreditNoteLineOut,
    CreditNoteOut,
    InvoiceOut,
    RateTotalOut,
)
from api.errors import NotFound, Unprocessable
from api.sql import is_pg
from api.timeutil import today_jst


def number(inv: Invoice | CreditNote) -> str:
    return numbering.display_number(inv.series, inv.year, inv.seq)


def totals(doc: Invoice | CreditNote) -> invoice_math.InvoiceTotals:
    by_rate = []
    if doc.total_10:
        by_rate.append(invoice_math.RateTotal(10, doc.total_10, doc.tax_10))
    if doc.total_8:
        by_rate.append(invoice_math.RateTotal(8, doc.total_8, doc.tax_8))
    return invoice_math.InvoiceTotals(by_rate=tuple(by_rate))


def _rates(doc: Invoice | CreditNote) -> list[RateTotalOut]:
    return [
        RateTotalOut(tax_rate_percent=r.tax_rate_percent, amount_yen=r.amount_yen, tax_yen=r.tax_yen)
        for r in totals(doc).by_rate
    ]


def balance(inv: Invoice) -> int:
    return inv.total_yen - inv.credited_yen - inv.paid_yen


def _payer_name(inv: Invoice) -> str | None:
    """The payer's name when the query fetched it (select_related): lists show whom each invoice is for."""
    from tortoise.models import Model

    business, tech = (getattr(inv, name, None) for name in ("business", "technician"))
    business = business if isinstance(business, Model) else None
    tech = tech if isinstance(tech, Model) else None
    if business is not None:
        return business.name  # type: ignore[attr-defined]
    if tech is not None:
        return f"{tech.family_name} {tech.given_name}"  # type: ignore[attr-defined]
    return None


def invoice_out(inv: Invoice) -> InvoiceOut:
    bal = balance(inv)
    payment_status = "overpaid" if bal < 0 else "paid" if bal == 0 else "partially_paid" if inv.paid_yen else "unpaid"
    return InvoiceOut(
        id=inv.id,
        number=number(inv),
        payment_reference=numbering.payment_reference(inv.year, inv.seq),
        kind=inv.kind.value,
        business_pk=inv.business_id,  # type: ignore[attr-defined]
        technician_pk=inv.technician_id,
        payer_name=_payer_name(inv),
        period=inv.period,
        issued_on=inv.issued_on,
        due_on=inv.due_on,
        total_yen=inv.total_yen,
        tax_yen=inv.tax_yen,
        by_rate=_rates(inv),
        credited_yen=inv.credited_yen,
        paid_yen=inv.paid_yen,
        balance_yen=bal,
        status=inv.status.value,
        payment_status=payment_status,
    )


def credit_note_out(cn: CreditNote, lines: list[CreditNoteLine] | None = None) -> CreditNoteOut:
    return CreditNoteOut(
        id=cn.id,
        number=number(cn),
        invoice_pk=cn.invoice_id,  # type: ignore[attr-defined]
        issued_on=cn.issued_on,
        total_yen=cn.total_yen,
        tax_yen=cn.tax_yen,
        by_rate=_rates(cn),
        reason=cn.reason,
        lines=[
            CreditNoteLineOut(
                fee_type=x.fee_type, label=x.label, amount_yen=x.amount_yen, tax_rate_percent=x.tax_rate_percent
            )
            for x in lines or []
        ],
    )


def can_see(actor: Account, inv: Invoice) -> bool:
    if actor.role is Role.operator:
        return True
    if actor.role is Role.business_admin:
        return inv.business_id is not None and inv.business_id == actor.business_id  # type: ignore[attr-defined]
    if actor.role is Role.technician:
        return inv.technician_id is not None and inv.technician_id == actor.technician_id  # type: ignore[attr-defined]
    return False


async def get_visible(*, actor: Account, pk: int) -> Invoice:
    inv = await Invoice.get_or_none(id=pk)
    if inv is None or not can_see(actor, inv):
        raise NotFound("No such invoice.", code="invoice_not_found")
    return inv


async def list_for(
    *,
    actor: Account,
    period=None,
    status=None,
    limit: int = 100,
    before_id: int | None = None,
    business_id: int | None = None,
    overdue: bool = False,
    q: str | None = None,
) -> list[Invoice]:
    qs = Invoice.all().select_related("business", "technician")
    if business_id is not None:
        qs = qs.filter(business_id=business_id)
    elif actor.role is Role.business_admin:
        qs = qs.filter(business_id=actor.business_id)  # type: ignore[attr-defined]
    elif actor.role is Role.technician:
        qs = qs.filter(technician_id=actor.technician_id)  # type: ignore[attr-defined]
    elif actor.role is not Role.operator:
        return []
    if period is not None:
        qs = qs.filter(period=period)
    if status is not None:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=InvoiceStatus.open, due_on__lt=today_jst())
    if q:
        qs = _search(qs, q)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return await qs.order_by("-id").limit(limit)


_NUMBER = re.compile(r"^(?:[A-Z]+-)?(\d{4})-(\d{1,7})$|^(\d{1,7})$")


def _search(qs, q: str):
    """An invoice number (whole, or its year and sequence, or its last digits), or every word in the payer's name."""
    from tortoise.expressions import Q

    m = _NUMBER.match(q.strip().upper())
    if m:
        return qs.filter(year=int(m[1]), seq=int(m[2])) if m[1] else qs.filter(seq=int(m[3]))
    for word in q.split()[:5]:
        qs = qs.filter(
            Q(business__name__icontains=word)
            | Q(business__name_kana__icontains=word)
            | Q(technician__family_name__icontains=word)
            | Q(technician__given_name__icontains=word)
            | Q(technician__family_name_kana__icontains=word)
            | Q(technician__given_name_kana__icontains=word)
        )
    return qs


async def issue_immediate(*, technician_id: int) -> Invoice | None:
    """Invoice a technician's pending charges now (a technician without an employer pays as the fee arises).

    The pending charges are locked (FOR UPDATE) before they are read: a second approval or reissue at the same moment
    waits, then finds them invoiced and issues nothing, instead of a second invoice for the same charges."""
    qs = Charge.filter(technician_id=technician_id, invoice_id=None).order_by("id")
    if is_pg():
        qs = qs.select_for_update()
    charges = await qs
    if not charges:
        return None
    t = invoice_math.invoice_totals(
        lines=[invoice_math.InvoiceLine(c.label, c.amount_yen, c.tax_rate_percent) for c in charges]
    )
    today = today_jst()
    seq = await numbering.take(connections.get("default"), series="INV", year=today.year)
    r10, r8 = t.for_rate(10), t.for_rate(8)
    inv = await Invoice.create(
        series="INV",
        year=today.year,
        seq=seq,
        technician_id=technician_id,
        kind=InvoiceKind.immediate,
        issued_on=today,
        due_on=due_on(today),
        total_10=r10.amount_yen if r10 else 0,
        tax_10=r10.tax_yen if r10 else 0,
        total_8=r8.amount_yen if r8 else 0,
        tax_8=r8.tax_yen if r8 else 0,
        total_yen=t.amount_yen,
        tax_yen=t.tax_yen,
    )
    await Charge.filter(id__in=[c.id for c in charges]).update(invoice_id=inv.id)
    await InvoiceLine.bulk_create(
        [
            InvoiceLine(
                invoice=inv,
                fee_type=c.fee_type,
                label=c.label,
                site_id=c.site_id,
                unit_price_yen=c.unit_price_yen,
                quantity=c.quantity,
                amount_yen=c.amount_yen,
                tax_rate_percent=c.tax_rate_percent,
            )
            for c in charges
        ]
    )
    await db.defer_job("notify_invoice_issued", inv.id, job_id=f"notify-invoice-issued:{inv.id}")
    return inv


async def refresh_state(inv: Invoice) -> None:
    """Recompute the payment state from the stored amounts (the caller changed paid_yen or credited_yen)."""
    inv.status = InvoiceStatus.paid if balance(inv) <= 0 else InvoiceStatus.open
    await Invoice.filter(id=inv.id).update(paid_yen=inv.paid_yen, credited_yen=inv.credited_yen, status=inv.status)


async def lock_invoice(pk: int) -> Invoice:
    """The invoice row, locked for the rest of the transaction on PostgreSQL (payments and credits serialise)."""
    qs = Invoice.filter(id=pk)
    if is_pg():
        qs = qs.select_for_update()
    inv = await qs.first()
    if inv is None:
        raise NotFound("No such invoice.", code="invoice_not_found")
    return inv


async def create_credit_note(*, actor: Account, invoice_pk: int, data: CreditNoteIn) -> CreditNote:
    """A credit note against a finalised invoice: never more, per rate, than the invoice still holds."""
    inv = await lock_invoice(invoice_pk)
    lines = [invoice_math.InvoiceLine(x.label, x.amount_yen, x.tax_rate_percent) for x in data.lines]
    previous = [totals(cn) for cn in await CreditNote.filter(invoice=inv)]
    try:
        credit = invoice_math.invoice_totals(lines=lines)
        invoice_math.check_credit_note(invoice=totals(inv), previous_credits=previous, credit=credit)
    except invoice_math.InvoiceMathError as exc:
        raise Unprocessable.field("lines", exc.message, code=exc.code) from None
    today = today_jst()
    seq = await numbering.take(connections.get("default"), series="CRN", year=today.year)
    r10, r8 = credit.for_rate(10), credit.for_rate(8)
    cn = await CreditNote.create(
        year=today.year,
        seq=seq,
        invoice=inv,
        issued_on=today,
        total_10=r10.amount_yen if r10 else 0,
        tax_10=r10.tax_yen if r10 else 0,
        total_8=r8.amount_yen if r8 else 0,
        tax_8=r8.tax_yen if r8 else 0,
        total_yen=credit.amount_yen,
        tax_yen=credit.tax_yen,
        reason=data.reason,
        created_by_id=actor.id,
    )
    await CreditNoteLine.bulk_create(
        [
            CreditNoteLine(
                credit_note=cn,
                fee_type=x.fee_type,
                label=x.label,
                amount_yen=x.amount_yen,
                tax_rate_percent=x.tax_rate_percent,
            )
            for x in data.lines
        ]
    )
    before = invoice_out(inv).model_dump(mode="json")
    inv.credited_yen += credit.amount_yen
    await refresh_state(inv)
    after = invoice_out(inv).model_dump(mode="json")
    await audit.record(
        actor=actor,
        action="invoice.credit_note",
        entity_type="invoice",
        entity_id=inv.id,
        before={k: before[k] for k in ("credited_yen", "balance_yen", "status")},
        after={k: after[k] for k in ("credited_yen", "balance_yen", "status")}
        | {"credit_note": number(cn), "credit_yen": credit.amount_yen},
        reason=data.reason,
    )
    return cn
