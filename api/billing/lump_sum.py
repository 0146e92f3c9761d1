"""一括支払方式 (seed 000 §⑥ item 6): a prime prepays a site's 現場利用料 as one amount instead of per work record.

The price inputs are data (`data/lump_sum_bands.csv`): a contract-amount band gives the estimated person-days (or
the prime states them), priced at the per-record 現場利用料 in force on the day of the choice, less the band's
discount. The seed leaves the real price open, so the bands are marked as assumptions. Once chosen, the site's work
records are never charged per record (the monthly close skips lump-sum sites). A site whose records were already
charged cannot switch.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from datetime import date
from importlib import resources

from api.accounts.models import Account, Role
from api.audit import service as audit
from api.billing import events, tariffs
from api.billing.models import Charge, LumpSumSite
from api.billing.schemas import LumpSumIn, LumpSumOut
from api.errors import Conflict, Forbidden, Unprocessable
from api.timeutil import today_jst


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
        out.append(Band(raw["band"], raw["label_ja"], int(raw["min_contract_yen"]),
                        int(raw["max_contract_yen"]) if raw["max_contract_yen"] else None,
                        int(raw["estimated_person_days"]), int(raw["discount_percent"]),
                        date.fromisoformat(raw["valid_from"]),
                        date.fromisoformat(raw["valid_to"]) if raw["valid_to"] else None, raw["source"]))
    return tuple(out)


def band_for(*, contract_amount_yen: int, on: date) -> Band:
    for b in bands():
        in_force = b.valid_from <= on and (b.valid_to is None or on <= b.valid_to)
        if in_force and b.min_yen <= contract_amount_yen and (b.max_yen is None or contract_amount_yen < b.max_yen):
            return b
    raise Unprocessable.field("contract_amount_yen", f"no lump-sum band is in force on {on.isoformat()}",
                              code="no_lump_sum_band")


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
    return {"band": band.band if band else None, "contract_amount_yen": data.contract_amount_yen,
            "estimated_person_days": days, "unit_price_yen": unit.amount_yen, "discount_percent": discount,
            "amount_yen": amount, "tariff_valid_from": unit.valid_from}


def out(row: LumpSumSite) -> LumpSumOut:
    return LumpSumOut(site_pk=row.site_id, business_pk=row.business_id, band=row.band,  # type: ignore[attr-defined]
                      contract_amount_yen=row.contract_amount_yen, estimated_person_days=row.estimated_person_days,
                      unit_price_yen=row.unit_price_yen, discount_percent=row.discount_percent,
                      amount_yen=row.amount_yen, chosen_on=row.chosen_on)


async def choose(*, actor: Account, site, data: LumpSumIn) -> LumpSumSite:
    if actor.role is not Role.operator and actor.business_id != site.prime_id:  # type: ignore[attr-defined]
        raise Forbidden("Only the prime that registered the site chooses how its usage is paid.",
                        code="not_prime_contractor")
    if await LumpSumSite.filter(site_id=site.id).exists():
        raise Conflict("This site is already prepaid as a lump sum.", code="already_lump_sum")
    if await Charge.filter(site_id=site.id, fee_type="site_usage").exists():
        raise Conflict("Work records of this site were already charged per record; it cannot switch to a lump sum.",
                       code="usage_already_charged")
    today = today_jst()
    priced = price(data=data, on=today)
    valid_from = priced.pop("tariff_valid_from")
    row = await LumpSumSite.create(site_id=site.id, business_id=site.prime_id, chosen_on=today,
                                   created_by_id=actor.id, **priced)
    await events.record_amount(
        source_key=f"site_lump_sum:{site.id}", fee_type="site_lump_sum", variant=priced["band"] or "person_days",
        label=f"現場利用料 一括支払 現場ID {site.site_id}（{priced['estimated_person_days']}人日）", event_date=today,
        unit_price_yen=priced["amount_yen"], tariff_valid_from=valid_from, business_id=site.prime_id,
        site_id=site.id)
    await audit.record(actor=actor, action="site.lump_sum", entity_type="site", entity_id=site.id,
                       after=out(row).model_dump(mode="json"))
    return row
