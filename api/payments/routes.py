"""Payment endpoints: pay an invoice online, the provider's webhook, bank-file import and the correction queue."""

from __future__ import annotations

from api.accounts.models import Role
from api.billing import invoices
from api.billing.pdf import receipt_pdf
from api.billing.schemas import InvoiceDetailOut
from api.errors import Conflict
from api.http import Ctx, Router, pdf_response
from api.payments import bank, corrections, online, statement, webhooks
from api.payments.models import PaymentAllocation, PaymentException
from api.payments.schemas import (
    AssignIn,
    BankImportOut,
    ExceptionOut,
    ExceptionQuery,
    ImportLineOut,
    PayIn,
    PayOut,
    RefundIn,
    SplitIn,
    WebhookOut,
)

router = Router()
OPERATOR = {Role.operator}
PAYERS = {Role.business_admin, Role.technician, Role.operator}  # of an invoice (api/billing/invoices.can_see)


@router.post(
    "/invoices/{pk:int}/payments",
    summary="Pay an invoice by card or at a convenience store (Stripe)",
    tags=["payments"],
    roles={Role.business_admin, Role.technician},
    status=201,
    transactional=False,
    errors=(404, 409, 502, 503),
)
async def pay(ctx: Ctx, pk: int, body: PayIn) -> PayOut:
    if body.return_path:
        url, amount = await online.create_checkout(
            actor=ctx.user,
            invoice_pk=pk,
            method=body.method,
            return_path=body.return_path,
            settings=ctx.settings,
        )
        return PayOut(
            intent_id=None, client_secret=None, hosted_url=url, method=body.method, amount_yen=amount, status="open"
        )
    row, secret = await online.create_intent(actor=ctx.user, invoice_pk=pk, method=body.method, settings=ctx.settings)
    return PayOut(
        intent_id=row.intent_id, client_secret=secret, method=row.method, amount_yen=row.amount_yen, status=row.status
    )


@router.post(
    "/payments/stripe/webhook",
    summary="Stripe webhook (Stripe-Signature verified; each event applied once)",
    tags=["payments"],
    transactional=False,
    errors=(400, 503),
)
async def stripe_webhook(ctx: Ctx) -> WebhookOut:
    payload = await ctx.request.body()
    signature = ctx.request.headers.get("stripe-signature")
    return WebhookOut(**await webhooks.handle_webhook(payload=payload, signature=signature, settings=ctx.settings))


@router.post(
    "/admin/payments/bank-imports",
    summary="Import a 全銀 振込入金通知 file (multipart: file) and match it",
    tags=["payments"],
    roles=OPERATOR,
    uploads=("file",),
    status=201,
    errors=(413, 422),
)
async def bank_import(ctx: Ctx) -> BankImportOut:
    imp, lines = await bank.import_notice(
        actor=ctx.user, filename=ctx.form.get("filename", "notice.txt"), data=ctx.files["file"]
    )
    return BankImportOut(
        id=imp.id,
        filename=imp.filename,
        records=imp.records,
        new_payments=imp.new_payments,
        duplicates=imp.duplicates,
        matched=imp.matched,
        queued=imp.queued,
        lines=[ImportLineOut(**vars(x)) for x in lines],
    )


@router.get(
    "/admin/payments/exceptions",
    summary="The correction queue: unknown and mistaken payments",
    tags=["payments"],
    roles=OPERATOR,
)
async def exceptions(ctx: Ctx, query: ExceptionQuery) -> list[ExceptionOut]:
    qs = PaymentException.all().order_by("id")
    if query.status:
        qs = qs.filter(status=query.status)
    return [await corrections.exception_out(e) for e in await qs.limit(query.limit)]


@router.post(
    "/admin/payments/exceptions/{pk:int}/assign",
    summary="Apply the payment to an invoice (audited)",
    tags=["payments"],
    roles=OPERATOR,
    errors=(404, 409, 422),
)
async def assign(ctx: Ctx, pk: int, body: AssignIn) -> ExceptionOut:
    return await corrections.exception_out(await corrections.assign(actor=ctx.user, pk=pk, data=body))


@router.post(
    "/admin/payments/exceptions/{pk:int}/split",
    summary="Split the payment over invoices and a refund (audited)",
    tags=["payments"],
    roles=OPERATOR,
    errors=(404, 409, 422, 502),
)
async def split(ctx: Ctx, pk: int, body: SplitIn) -> ExceptionOut:
    return await corrections.exception_out(
        await corrections.split(actor=ctx.user, pk=pk, data=body, settings=ctx.settings)
    )


@router.post(
    "/admin/payments/exceptions/{pk:int}/refund",
    summary="Refund the payment (card: through Stripe; konbini and bank: recorded, paid back by transfer; audited)",
    tags=["payments"],
    roles=OPERATOR,
    errors=(404, 409, 502),
)
async def refund(ctx: Ctx, pk: int, body: RefundIn) -> ExceptionOut:
    return await corrections.exception_out(
        await corrections.refund(actor=ctx.user, pk=pk, data=body, settings=ctx.settings)
    )


# --- an invoice as its payer reads it: with the payments set against it (billing sits below payments) ---------------


@router.get(
    "/invoices/{pk:int}",
    summary="An invoice with its lines, credit notes and payments",
    tags=["billing"],
    roles=PAYERS,
    errors=(404,),
    operation_id="billing_get_invoice",  # its id from before it moved here
)
async def get_invoice(ctx: Ctx, pk: int) -> InvoiceDetailOut:
    return await statement.detail(await invoices.get_visible(actor=ctx.user, pk=pk), settings=ctx.settings)


@router.get(
    "/invoices/{pk:int}/receipt",
    summary="The receipt (領収書) as PDF, once the invoice is paid",
    tags=["billing"],
    roles=PAYERS,
    errors=(404, 409),
    media=("application/pdf",),
    operation_id="billing_get_receipt_pdf",  # its id from before it moved here
)
async def get_receipt_pdf(ctx: Ctx, pk: int):
    inv = await invoices.get_visible(actor=ctx.user, pk=pk)
    if invoices.balance(inv) > 0:
        raise Conflict("The invoice is not paid yet: a receipt is issued once it is.", code="not_paid")
    last = await PaymentAllocation.filter(invoice=inv).select_related("payment").order_by("-id").first()
    paid_on = last.payment.received_on if last else inv.issued_on
    s = ctx.settings
    data = await receipt_pdf(
        inv=inv, issuer_name=s.invoice_issuer_name, issuer_number=s.invoice_issuer_number, paid_on=paid_on
    )
    return pdf_response(data, "R-" + invoices.number(inv))
