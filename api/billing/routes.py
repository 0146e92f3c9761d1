"""Billing endpoints: invoices, PDFs, pending charges and lump-sum sites for firms and technicians; the monthly
close and credit notes for the operator (a card reissue, which charges its fee, is api/cards/routes.py)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from api.accounts.models import Role
from api.billing import invoices, issuer, lump_sum
from api.registration import fees
from api.fees import tariffs
from api.billing.models import BillingRun, Charge, LumpSumSite
from api.billing.pdf import invoice_pdf
from api.billing.periods import parse_period
from api.billing.schemas import (
    BillingRunOut,
    ChargeOut,
    CreditNoteIn,
    CreditNoteOut,
    InvoiceOut,
    InvoiceQuery,
    LumpSumIn,
    LumpSumOut,
    QuoteOut,
    QuoteQuery,
)
from api.businesses.service import ensure_can_manage, get_business
from api.errors import NotFound, Unprocessable
from api.http import Ctx, Router, pdf_response
from api.timeutil import today_jst

router = Router()
PAYERS = {Role.business_admin, Role.technician, Role.operator}
OPERATOR = {Role.operator}


def _period(q: InvoiceQuery) -> date | None:
    return parse_period(q.period) if q.period else None


@router.get(
    "/invoices",
    summary="Your invoices (your business's, or your own as a technician), newest first",
    tags=["billing"],
    roles=PAYERS,
)
async def my_invoices(ctx: Ctx, query: InvoiceQuery) -> list[InvoiceOut]:
    q: InvoiceQuery = query
    rows = await invoices.list_for(
        actor=ctx.user,
        period=_period(q),
        status=q.status,
        limit=q.limit,
        before_id=q.before_id,
        overdue=q.overdue,
        q=q.q,
    )
    return [invoices.invoice_out(i) for i in rows]


@router.get(
    "/businesses/{pk:int}/invoices",
    summary="A business's invoices (its admins, operator)",
    tags=["billing"],
    roles={Role.business_admin, Role.operator},
    errors=(403, 404),
)
async def business_invoices(ctx: Ctx, pk: int, query: InvoiceQuery) -> list[InvoiceOut]:
    business = await get_business(pk=pk)
    ensure_can_manage(ctx.user, business)
    q: InvoiceQuery = query
    rows = await invoices.list_for(
        actor=ctx.user,
        period=_period(q),
        status=q.status,
        limit=q.limit,
        before_id=q.before_id,
        business_id=business.id,
        overdue=q.overdue,
        q=q.q,
    )
    return [invoices.invoice_out(i) for i in rows]


@router.get(
    "/businesses/{pk:int}/charges",
    summary="Charges not yet invoiced (carried forward below the threshold)",
    tags=["billing"],
    roles={Role.business_admin, Role.operator},
    errors=(403, 404),
)
async def pending_charges(ctx: Ctx, pk: int) -> list[ChargeOut]:
    business = await get_business(pk=pk)
    ensure_can_manage(ctx.user, business)
    rows = await Charge.filter(business=business, invoice_id=None).order_by("id").limit(1000)
    return [
        ChargeOut(
            id=c.id,
            fee_type=c.fee_type,
            label=c.label,
            event_date=c.event_date,
            site_pk=c.site_id,
            quantity=c.quantity,
            unit_price_yen=c.unit_price_yen,
            amount_yen=c.amount_yen,
            counted_in=c.counted_in,
            invoice_pk=None,
        )
        for c in rows
    ]


@router.get(
    "/invoices/{pk:int}/pdf",
    summary="The invoice (適格請求書) as PDF",
    tags=["billing"],
    roles=PAYERS,
    errors=(404,),
    media=("application/pdf",),
)
async def get_invoice_pdf(ctx: Ctx, pk: int):
    inv = await invoices.get_visible(actor=ctx.user, pk=pk)
    s = ctx.settings
    data = await invoice_pdf(
        inv=inv,
        issuer_name=s.invoice_issuer_name,
        issuer_number=s.invoice_issuer_number,
        transfer_to=s.transfer_account(),
    )
    return pdf_response(data, invoices.number(inv))


class TariffQuery(BaseModel):
    on: date | None = None


class TariffOut(BaseModel):
    fee_type: str
    variant: str
    label_ja: str
    unit: str
    amount_yen: int
    valid_from: date
    valid_to: date | None


@router.get(
    "/tariffs",
    summary="The fee table in force on a day (default today, Japan time)",
    tags=["billing"],
    errors=(422,),
)
async def get_tariffs(ctx: Ctx, query: TariffQuery) -> list[TariffOut]:
    try:
        rows = tariffs.tariff_rows(on=query.on or today_jst())
    except tariffs.TariffError as exc:
        raise Unprocessable.field("on", exc.message, code=exc.code) from None
    return [
        TariffOut(
            fee_type=r.fee_type,
            variant=r.variant,
            label_ja=r.label_ja,
            unit=r.unit,
            amount_yen=r.amount_yen,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
        )
        for r in rows
    ]


@router.get(
    "/fees/quote",
    summary="What an application costs if submitted on a day (default today, Japan time): "
    "technician registration by tier, business registration by capital, upgrade, card reissue, renewal. "
    "Applications are charged the price of their submission day.",
    tags=["billing"],
    errors=(422,),
)
async def fee_quote(ctx: Ctx, query: QuoteQuery) -> QuoteOut:
    q: QuoteQuery = query
    try:
        quoted = fees.quote(
            kind=q.kind,
            on=q.on or today_jst(),
            tier=q.tier,
            capital_yen=q.capital_yen,
            sole_proprietor=q.sole_proprietor,
        )
    except tariffs.TariffError as exc:
        field = (
            "on"
            if exc.code == "no_tariff_for_date"
            else {
                "technician_registration": "tier",
                "renewal": "tier",
                "business_registration": "sole_proprietor",
            }.get(q.kind, "kind")
        )
        raise Unprocessable.field(field, exc.message, code=exc.code) from None
    return QuoteOut(**{k: getattr(quoted, k) for k in QuoteOut.model_fields})


# --- lump-sum sites ---------------------------------------------------------------------------------------------------


@router.post(
    "/sites/{pk:int}/lump-sum",
    summary="Prepay the site's 現場利用料 as a lump sum (一括支払方式; off by default "
    "while its official price is not public: 409 lump_sum_disabled)",
    tags=["billing"],
    roles={Role.business_admin, Role.operator},
    status=201,
    errors=(403, 404, 409, 422),
)
async def choose_lump_sum(ctx: Ctx, pk: int, body: LumpSumIn) -> LumpSumOut:
    from api.sites.service import get_site

    site = await get_site(pk=pk)
    return lump_sum.out(await lump_sum.choose(actor=ctx.user, site=site, data=body, settings=ctx.settings), site)


@router.get(
    "/sites/{pk:int}/lump-sum",
    summary="The site's lump-sum choice, if any",
    tags=["billing"],
    roles={Role.business_admin, Role.operator, Role.site_manager},
    errors=(404, 409),
)
async def get_lump_sum(ctx: Ctx, pk: int) -> LumpSumOut:
    from api.sites.access import is_site_manager
    from api.sites.service import get_site

    site = await get_site(pk=pk)
    # The prime's admins and this site's managers (not every site manager of the prime), and the operator.
    if ctx.user.role is not Role.operator and not await is_site_manager(ctx.user, site):
        raise NotFound("No such site.", code="site_not_found")
    row = await LumpSumSite.get_or_none(site_id=site.id)
    if row is None:
        lump_sum.ensure_enabled(ctx.settings)  # off: say why there is no lump sum (a choice made before still shows)
        raise NotFound("This site is billed per work record.", code="site_not_lump_sum")
    return lump_sum.out(row, site)


# --- operator -----------------------------------------------------------------------------------------------------


@router.get(
    "/admin/billing/runs",
    summary="Monthly closes and what they did",
    tags=["billing"],
    roles=OPERATOR,
)
async def runs(ctx: Ctx) -> list[BillingRunOut]:
    return [
        BillingRunOut(
            period=r.period,
            started_at=r.started_at,
            finished_at=r.finished_at,
            runs=r.runs,
            usage_charges=r.usage_charges,
            renewal_charges=r.renewal_charges,
            invoices=r.invoices,
            invoiced_yen=r.invoiced_yen,
            carried_businesses=r.carried_businesses,
        )
        for r in await BillingRun.all().order_by("-period").limit(60)
    ]


@router.get(
    "/admin/invoices",
    summary="All invoices (filter by period and status)",
    tags=["billing"],
    roles=OPERATOR,
)
async def all_invoices(ctx: Ctx, query: InvoiceQuery) -> list[InvoiceOut]:
    q: InvoiceQuery = query
    rows = await invoices.list_for(
        actor=ctx.user,
        period=_period(q),
        status=q.status,
        limit=q.limit,
        before_id=q.before_id,
        overdue=q.overdue,
        q=q.q,
    )
    return [invoices.invoice_out(i) for i in rows]


@router.post(
    "/admin/invoices/{pk:int}/credit-notes",
    summary="Correct a finalised invoice with a credit note (never more than it still holds per tax rate; audited)",
    tags=["billing"],
    roles=OPERATOR,
    status=201,
    errors=(404, 409, 422),
)
async def credit_note(ctx: Ctx, pk: int, body: CreditNoteIn) -> CreditNoteOut:
    issuer.ensure_can_finalise(ctx.settings)
    cn = await invoices.create_credit_note(actor=ctx.user, invoice_pk=pk, data=body)
    return invoices.credit_note_out(cn, list(await cn.lines.all()))
