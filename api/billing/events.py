"""Billable events, recorded as charges when they happen: registration approvals, admin-ID acquisition, card
reissue, a lump-sum site. Renewals and 現場利用料 are derived set-based by the monthly close (api.billing.close).

Each charge has a natural key, so recording the same event twice bills it once. The payer is the business; a
technician with no employer pays their own fees and is invoiced at once (api.billing.invoices.issue_immediate) —
a finalised invoice, so on PostgreSQL with the placeholder 登録番号 the request that would issue it (an approval, a
card reissue) is refused, 409 `invoice_issuer_number_placeholder`, and its transaction writes nothing.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from api.accounts.models import Account, Role
from api.fees import tariffs
from api.billing.models import AnchorKind, BillingAnchor, Charge
from api.billing.periods import month_start
from api.businesses import hooks as businesses_hooks
from api.businesses.models import Business, ReviewStatus
from api.cards import hooks as cards_hooks
from api.registration import hooks as registration_hooks
from api.timeutil import today_jst

log = logging.getLogger("openccus.billing")


async def record_amount(
    *,
    source_key: str,
    fee_type: str,
    variant: str,
    label: str,
    event_date: date,
    unit_price_yen: int,
    tariff_valid_from: date,
    quantity: int = 1,
    business_id: int | None = None,
    technician_id: int | None = None,
    site_id: int | None = None,
) -> Charge | None:
    """Store one charge (once per source_key). A zero amount (一人親方 registration, free IDs) is not a charge."""
    amount = unit_price_yen * quantity
    if amount <= 0:
        return None
    charge, _ = await Charge.get_or_create(
        source_key=source_key,
        defaults={
            "business_id": business_id,
            "technician_id": technician_id,
            "fee_type": fee_type,
            "variant": variant,
            "label": label,
            "event_date": event_date,
            "site_id": site_id,
            "quantity": quantity,
            "unit_price_yen": unit_price_yen,
            "amount_yen": amount,
            "tariff_valid_from": tariff_valid_from,
            "counted_in": month_start(event_date),
        },
    )
    return charge


async def record(
    *,
    source_key: str,
    fee_type: str,
    event_date: date,
    label: str | None = None,
    quantity: int = 1,
    business_id: int | None = None,
    technician_id: int | None = None,
    site_id: int | None = None,
    priced_on: date | None = None,
    **conditions: Any,
) -> Charge | None:
    """Price an event from the tariff in force on `priced_on` (by default its date) and store it. An application's
    fee is priced on its submission day (api/registration/fees.pricing_date) and counted on its approval day. No tariff
    for that date (an event before 2019-04 or a fee that did not exist yet) records nothing: the approval itself
    must not fail for it."""
    try:
        row = tariffs.tariff_row(fee_type=fee_type, on=priced_on or event_date, **conditions)
    except tariffs.TariffError as exc:
        log.warning("no charge for %s: %s", source_key, exc.message)
        return None
    return await record_amount(
        source_key=source_key,
        fee_type=fee_type,
        variant=row.variant,
        label=label or row.label_ja,
        event_date=event_date,
        unit_price_yen=row.amount_yen,
        tariff_valid_from=row.valid_from,
        quantity=quantity,
        business_id=business_id,
        technician_id=technician_id,
        site_id=site_id,
    )


async def _payer_for_technician(tech: Any) -> dict[str, int | None]:
    # The employer (所属事業者) pays when there is one: it registers and manages its technicians in practice.
    if tech.employer_id is not None:
        return {"business_id": tech.employer_id, "technician_id": None}
    return {"business_id": None, "technician_id": tech.id}


async def _bill_technician_now(payer: dict[str, int | None], settings: Any) -> None:
    if payer["technician_id"] is not None:
        from api.billing.invoices import issue_immediate
        from api.billing.issuer import ensure_can_finalise

        ensure_can_finalise(settings)  # the same rule as the close and credit notes

        await issue_immediate(technician_id=payer["technician_id"])


@registration_hooks.application_approved.connect
async def on_application_approved(*, app: Any, settings: Any) -> None:
    """Connected to api.registration.hooks.application_approved: every approval, in the same transaction (`settings`:
    the issuer's 登録番号, checked before an immediate invoice)."""
    from api.registration.fees import pricing_date
    from api.registration.models import ApplicationKind, SubjectType

    today = today_jst()
    priced_on = pricing_date(app)  # the submission day: the price the applicant was quoted (docs/billing.md §4)
    if app.subject_type is SubjectType.business:
        await business_approved(business=await app.business, on=today, priced_on=priced_on)
        return
    tech = await app.technician
    payer = await _payer_for_technician(tech)
    who = tech.technician_id or f"#{tech.id}"
    if app.kind is ApplicationKind.new:
        charge = await record(
            source_key=f"technician_registration:{app.id}",
            fee_type="technician_registration",
            event_date=today,
            priced_on=priced_on,
            tier=tech.tier.value,
            **payer,
            label=f"技能者登録料 {who}",
        )
    elif app.kind is ApplicationKind.renewal:
        # The registration fee of the tier, once per renewal application (the source key is unique).
        charge = await record(
            source_key=f"technician_renewal:{app.id}",
            fee_type="technician_registration",
            event_date=today,
            priced_on=priced_on,
            tier=tech.tier.value,
            **payer,
            label=f"技能者登録 更新 {who}",
        )
    else:
        charge = await record(
            source_key=f"technician_upgrade:{app.id}",
            fee_type="technician_upgrade",
            event_date=today,
            priced_on=priced_on,
            label=f"技能者登録 簡略型→詳細型 {who}",
            **payer,
        )
    if charge is not None:
        await _bill_technician_now(payer, settings)


async def business_approved(*, business: Business, on: date, priced_on: date | None = None) -> None:
    """事業者登録料 for the first five years (priced on the application's submission day), and the 管理者ID利用料
    of every admin ID the business already has (acquired on approval, priced that day)."""
    await BillingAnchor.get_or_create(
        kind=AnchorKind.business_registration, business=business, account=None, defaults={"anchored_on": on}
    )
    await record(
        source_key=f"business_registration:{business.id}:0",
        fee_type="business_registration",
        event_date=on,
        priced_on=priced_on,
        business_id=business.id,
        capital_yen=business.capital_yen,
        sole_proprietor=business.sole_proprietor,
        label="事業者登録料（5年）",
    )
    for account in await Account.filter(business=business, role=Role.business_admin, is_active=True):
        await _admin_id(account=account, business=business, on=on)


@businesses_hooks.admin_created.connect
async def admin_id_created(*, account: Account, business: Business) -> None:
    """Connected to api.businesses.hooks.admin_created: called when a 管理者ID is created. Before the business is approved nothing is due:
    its approval charges every admin ID it has then."""
    if account.role is not Role.business_admin or business.status is not ReviewStatus.approved:
        return
    await _admin_id(account=account, business=business, on=today_jst())


async def _admin_id(*, account: Account, business: Business, on: date) -> None:
    await BillingAnchor.get_or_create(
        kind=AnchorKind.admin_id, business=business, account=account, defaults={"anchored_on": on}
    )
    await record(
        source_key=f"admin_id:{account.id}:0",
        fee_type="admin_id",
        event_date=on,
        business_id=business.id,
        sole_proprietor=business.sole_proprietor,
        label=f"管理者ID利用料 {account.login}（1年）",
    )


@cards_hooks.card_reissued.connect
async def on_card_reissued(*, tech: Any, card_serial: str, on: date, settings: Any) -> None:
    """Connected to api.cards.hooks.card_reissued: the reissue fee, keyed by the new card's serial."""
    payer = await _payer_for_technician(tech)
    charge = await record(
        source_key=f"card_reissue:{card_serial}",
        fee_type="card_reissue",
        event_date=on,
        label=f"カード再発行手数料 {tech.technician_id}",
        **payer,
    )
    if charge is not None:
        await _bill_technician_now(payer, settings)
