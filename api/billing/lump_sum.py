"""一括支払方式 (seed 000 §⑥ item 6): a prime prepays a site's 現場利用料 as one amount instead of per work record.

The price inputs are data (`data/lump_sum_bands.csv`): a contract-amount band gives the estimated person-days (or
the prime states them), priced at the per-record 現場利用料 in force on the day of the choice, less the band's
discount. The seed leaves the real price open, so the bands are marked as assumptions, and the option is off unless
the operator turns it on (`OPENCCUS_LUMP_SUM_ENABLED`; off: 409 lump_sum_disabled). Once chosen, the site's work
records are never charged per record (the monthly close skips lump-sum sites). A site whose records were already
charged cannot switch.

No hole: the person-days prepaid can't be below the work records the site already has (422
person_days_below_records), and once the accumulation window has ended and its last day's late-upload / direct-input
deadline has passed (the end of the following month), `settle` compares the site's work records with the estimate and
charges the excess once — a conditional write claims the settlement (settled_on IS NULL) and the charge's source key
`site_lump_sum_excess:{site}` is unique.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from datetime import date
from importlib import resources

from tortoise import connections
from tortoise.exceptions import IntegrityError

from api.accounts.models import Account, Role
from api.audit import service as audit
from api.billing import events
from api.fees import tariffs
from api.billing.close import serialise
from api.billing.models import Charge, LumpSumSite
from api.sites.models import Site, SiteKind
from api.workrecords.direct import deadline
from api.workrecords.models import WorkRecord
from api.billing.schemas import LumpSumIn, LumpSumOut
from api.errors import Conflict, Forbidden, Unprocessable
from api.timeutil import today_jst
from api.sql import is_pg

DISABLED_MESSAGE = (
    "一括支払方式 is off: its official price is not public (seed 000 §⑥-6 leaves it open), so the bands "
    "in api/billing/data/lump_sum_bands.csv are assumptions. The site is billed per work record; the "
    "operator can enable the option (OPENCCUS_LUMP_SUM_ENABLED) once a price is set."
)


def ensure_enabled(settings) -> None:
    if not settings.lump_sum_enabled:
        raise Conflict(DISABLED_MESSAGE, code="lump_sum_disabled")


@dataclass(frozen=True)
class Band:
    band: str
    label_ja: str
    min_yen: int
    max_yen: int | None
    person_days: int
    discount_percent: int
    valid_from: date
    valid_to: date | None
    source: str


@functools.cache
def bands() -> tuple[Band, ...]:
    text = resources.files("api.billing.data").joinpath("lump_sum_bands.csv").read_text(encoding="utf-8")
    out = []
    for raw in csv.DictReader(io.StringIO(text)):
        out.append(
            Band(
                raw["band"],
                raw["label_ja"],
                int(raw["min_contract_yen"]),
                int(raw["max_contract_yen"]) if raw["max_contract_yen"] else None,
                int(raw["estimated_person_days"]),
                int(raw["discount_percent"]),
                date.fromisoformat(raw["valid_from"]),
                date.fromisoformat(raw["valid_to"]) if raw["valid_to"] else None,
                raw["source"],
            )
        )
    return tuple(out)


def band_for(*, contract_amount_yen: int, on: date) -> Band:
    for b in bands():
        in_force = b.valid_from <= on and (b.valid_to is None or on <= b.valid_to)
        if in_force and b.min_yen <= contract_amount_yen and (b.max_yen is None or contract_amount_yen < b.max_yen):
            return b
    raise Unprocessable.field(
        "contract_amount_yen", f"no lump-sum band is in force on {on.isoformat()}", code="no_lump_sum_band"
    )


def price(*, data: LumpSumIn, on: date) -> dict:
    try:
        unit = tariffs.tariff_row(fee_type="site_usage", on=on)
    except tariffs.TariffError as exc:
        raise Unprocessable.field("site", exc.message, code=exc.code) from None
    band = None
    if data.contract_amount_yen is not None:
        band = band_for(contract_amount_yen=data.contract_amount_yen, on=on)
        days, discount = band.person_days, band.discount_percent
    else:
        days, discount = int(data.estimated_person_days or 0), 0
    amount = days * unit.amount_yen * (100 - discount) // 100
    return {
        "band": band.band if band else None,
        "contract_amount_yen": data.contract_amount_yen,
        "estimated_person_days": days,
        "unit_price_yen": unit.amount_yen,
        "discount_percent": discount,
        "amount_yen": amount,
        "tariff_valid_from": unit.valid_from,
    }


def out(row: LumpSumSite, site: Site) -> LumpSumOut:
    return LumpSumOut(
        site_pk=row.site_id,  # type: ignore[attr-defined]
        business_pk=row.business_id,
        band=row.band,
        contract_amount_yen=row.contract_amount_yen,
        estimated_person_days=row.estimated_person_days,
        unit_price_yen=row.unit_price_yen,
        discount_percent=row.discount_percent,
        amount_yen=row.amount_yen,
        chosen_on=row.chosen_on,
        settled_on=row.settled_on,
        actual_person_days=row.actual_person_days,
        excess_person_days=row.excess_person_days,
        excess_yen=row.excess_yen,
        settles_after=settles_after(site.window_end),
    )


def settles_after(window_end: date) -> date:
    """The last day a work record of the window can still arrive (late upload or direct input of its last day)."""
    return deadline(window_end)


async def choose(*, actor: Account, site, data: LumpSumIn, settings) -> LumpSumSite:
    ensure_enabled(settings)
    if actor.role is not Role.operator and actor.business_id != site.prime_id:  # type: ignore[attr-defined]
        raise Forbidden(
            "Only the prime that registered the site chooses how its usage is paid.", code="not_prime_contractor"
        )
    # The close's lock, held to the end of this request's transaction: a close charging this site's records per
    # record has committed before the check below, or starts after the choice and leaves the site out. Without it a
    # choice made during a close's (uncommitted) derivation saw no charge, and the site was charged both ways.
    await serialise(connections.get("default"))
    # The site's row locked and read again: an operator marking it a training site at this moment (a conditional
    # UPDATE of this row, api/sites/training.py mark) has committed and is seen, or waits and then finds this choice.
    qs = Site.filter(id=site.id)
    current = await (qs.select_for_update() if is_pg() else qs).first()
    if current is None or current.kind == SiteKind.training:  # never charged at all (api/billing/close.py)
        raise Conflict("A training site's usage is borne by the operator.", code="training_site_not_billed")
    if await LumpSumSite.filter(site_id=site.id).exists():
        raise Conflict("This site is already prepaid as a lump sum.", code="already_lump_sum")
    if await Charge.filter(site_id=site.id, fee_type="site_usage").exists():
        raise Conflict(
            "Work records of this site were already charged per record; it cannot switch to a lump sum.",
            code="usage_already_charged",
        )
    today = today_jst()
    priced = price(data=data, on=today)
    records = await WorkRecord.filter(site_id=site.id).count()
    if priced["estimated_person_days"] < records:
        raise Unprocessable.field(
            "estimated_person_days",
            f"the site already has {records} work records (person-days); the lump sum "
            f"must cover at least that many, not {priced['estimated_person_days']}",
            code="person_days_below_records",
        )
    valid_from = priced.pop("tariff_valid_from")
    try:  # one per site (the one-to-one key): of two choices at the same moment one is refused, whole
        row = await LumpSumSite.create(
            site_id=site.id, business_id=site.prime_id, chosen_on=today, created_by_id=actor.id, **priced
        )
    except IntegrityError:
        raise Conflict("This site is already prepaid as a lump sum.", code="already_lump_sum") from None
    await events.record_amount(
        source_key=f"site_lump_sum:{site.id}",
        fee_type="site_lump_sum",
        variant=priced["band"] or "person_days",
        label=f"現場利用料 一括支払 現場ID {site.site_id}（{priced['estimated_person_days']}人日）",
        event_date=today,
        unit_price_yen=priced["amount_yen"],
        tariff_valid_from=valid_from,
        business_id=site.prime_id,
        site_id=site.id,
    )
    await audit.record(
        actor=actor,
        action="site.lump_sum",
        entity_type="site",
        entity_id=site.id,
        after=out(row, site).model_dump(mode="json"),
    )
    return row


async def settle_one(*, lump_id: int, today: date) -> int | None:
    """Settle one lump-sum site whose window (and its late-record deadline) has passed: the work records beyond the
    estimate are charged at the per-record 現場利用料 of the choice day. Returns the excess in yen, or None when this
    call did not settle it (not due, or settled already — by an earlier or a concurrent run)."""
    from tortoise.transactions import in_transaction

    async with in_transaction("default"):
        row = await LumpSumSite.get_or_none(id=lump_id).select_related("site")
        if row is None or row.settled_on is not None or today <= settles_after(row.site.window_end):
            return None
        actual = await WorkRecord.filter(site_id=row.site_id).count()  # type: ignore[attr-defined]
        excess = max(0, actual - row.estimated_person_days)
        amount = excess * row.unit_price_yen
        # The claim: of two runs at once exactly one changes the row (PostgreSQL makes the second wait for the
        # first's commit, then finds settled_on set); the charge's unique source key backs it up.
        claimed = await LumpSumSite.filter(id=row.id, settled_on=None).update(
            settled_on=today, actual_person_days=actual, excess_person_days=excess, excess_yen=amount
        )
        if not claimed:
            return None
        if excess:
            unit = tariffs.tariff_row(fee_type="site_usage", on=row.chosen_on)
            await events.record_amount(
                source_key=f"site_lump_sum_excess:{row.site_id}",  # type: ignore[attr-defined]
                fee_type="site_lump_sum_excess",
                variant="excess",
                label=f"現場利用料 一括支払 超過分 現場ID {row.site.site_id}（{excess}人日）",
                event_date=today,
                unit_price_yen=row.unit_price_yen,
                quantity=excess,
                tariff_valid_from=unit.valid_from,
                business_id=row.business_id,  # type: ignore[attr-defined]
                site_id=row.site_id,  # type: ignore[attr-defined]
            )
        await audit.record(
            actor=None,
            action="site.lump_sum_settled",
            entity_type="site",
            entity_id=row.site_id,  # type: ignore[attr-defined]
            after={
                "estimated_person_days": row.estimated_person_days,
                "actual_person_days": actual,
                "excess_person_days": excess,
                "excess_yen": amount,
            },
        )
        return amount


async def settle(*, lump_ids: list[int] | None = None, today: date | None = None) -> dict[str, int]:
    """Settle the given lump-sum sites (ids of lump_sum_site), or every unsettled one that is due. Safe to run twice
    or concurrently: each site is settled once."""
    today = today or today_jst()
    qs = LumpSumSite.filter(settled_on=None)
    if lump_ids is not None:
        qs = qs.filter(id__in=lump_ids)
    settled = excess_yen = 0
    for lump_id in await qs.order_by("id").values_list("id", flat=True):
        amount = await settle_one(lump_id=lump_id, today=today)
        if amount is not None:
            settled, excess_yen = settled + 1, excess_yen + amount
    return {"settled": settled, "excess_yen": excess_yen}
