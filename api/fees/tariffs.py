"""CCUS fees as effective-dated data.

The amounts live in `data/tariffs.csv` (one row per fee type × variant × validity period, old and new versions both
kept, each with its source). This module loads and checks that table once, and answers "what did this fee cost on
this day?". The date to pass is the date of the billable event (application paid, work day, ID acquired or renewed),
so an event from before a price change is billed at the old price even if it is invoiced later.

Every amount is an integer number of yen, tax included, as CCUS publishes them.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from api.domain_errors import DomainError

ANY = "any"  # a row that applies whatever the conditions


class TariffError(DomainError):
    """A fee could not be determined. `code` is machine-readable so the HTTP layer can map it to a 4xx."""


@dataclass(frozen=True, slots=True)
class TariffRow:
    fee_type: str
    variant: str
    label_ja: str
    unit: str
    amount_yen: int
    valid_from: dt.date
    valid_to: dt.date | None  # inclusive last day; None = still in force
    source: str

    def applies_on(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True, slots=True)
class CapitalBand:
    code: str
    min_yen: int  # 以上 (inclusive)
    max_yen: int | None  # 未満 (exclusive); None = no upper bound


# Business registration bands. Every source words them 「X以上Y未満」 (ccus.jp/p/announce20201001full), so a firm with
# capital exactly 10,000,000 yen is in the 1,000万–2,000万 band. The edges did not change in 2020-10, only the amounts.
CAPITAL_BANDS: tuple[CapitalBand, ...] = (
    CapitalBand("under_5m", 0, 5_000_000),
    CapitalBand("5m_to_10m", 5_000_000, 10_000_000),
    CapitalBand("10m_to_20m", 10_000_000, 20_000_000),
    CapitalBand("20m_to_50m", 20_000_000, 50_000_000),
    CapitalBand("50m_to_100m", 50_000_000, 100_000_000),
    CapitalBand("100m_to_300m", 100_000_000, 300_000_000),
    CapitalBand("300m_to_1b", 300_000_000, 1_000_000_000),
    CapitalBand("1b_to_5b", 1_000_000_000, 5_000_000_000),
    CapitalBand("5b_to_10b", 5_000_000_000, 10_000_000_000),
    CapitalBand("10b_to_50b", 10_000_000_000, 50_000_000_000),
    CapitalBand("50b_and_over", 50_000_000_000, None),
)
BAND_SOLE_PROPRIETOR = "sole_proprietor"  # 一人親方
BAND_INDIVIDUAL = "individual"  # 一人親方以外の個人事業主 (no capital)


# --- loading and checking the table -------------------------------------------------------------------------------


def _parse_date(text: str, *, line: int, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise TariffError("bad_tariff_data", f"tariffs.csv line {line}: {column} {text!r} is not a date") from None


def parse_tariff_csv(text: str) -> tuple[TariffRow, ...]:
    """Parse and check the tariff table. Overlapping rows would make a fee ambiguous, so they are refused here."""
    rows: list[TariffRow] = []
    for line, raw in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            amount = int(raw["amount_yen"])
        except (TypeError, ValueError):
            raise TariffError("bad_tariff_data", f"tariffs.csv line {line}: amount_yen is not an integer") from None
        if amount < 0:
            raise TariffError("bad_tariff_data", f"tariffs.csv line {line}: negative amount")
        valid_from = _parse_date(raw["valid_from"], line=line, column="valid_from")
        valid_to = _parse_date(raw["valid_to"], line=line, column="valid_to") if raw["valid_to"] else None
        if valid_to is not None and valid_to < valid_from:
            raise TariffError("bad_tariff_data", f"tariffs.csv line {line}: valid_to is before valid_from")
        rows.append(
            TariffRow(
                fee_type=raw["fee_type"],
                variant=raw["variant"],
                label_ja=raw["label_ja"],
                unit=raw["unit"],
                amount_yen=amount,
                valid_from=valid_from,
                valid_to=valid_to,
                source=raw["source"],
            )
        )
    _check_no_overlap(rows)
    return tuple(rows)


def _overlaps(a: TariffRow, b: TariffRow) -> bool:
    a_end = a.valid_to or dt.date.max
    b_end = b.valid_to or dt.date.max
    return a.valid_from <= b_end and b.valid_from <= a_end


def _check_no_overlap(rows: list[TariffRow]) -> None:
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            if a.fee_type != b.fee_type or not _overlaps(a, b):
                continue
            # An "any" row alongside a specific one would give two prices for the same event.
            if a.variant == b.variant or ANY in (a.variant, b.variant):
                raise TariffError(
                    "bad_tariff_data",
                    f"tariffs.csv: {a.fee_type}/{a.variant} {a.valid_from} overlaps {b.variant} {b.valid_from}",
                )


@functools.cache
def load_tariffs() -> tuple[TariffRow, ...]:
    text = resources.files("api.fees.data").joinpath("tariffs.csv").read_text(encoding="utf-8")
    return parse_tariff_csv(text)


# --- conditions → variant --------------------------------------------------------------------------------------------


def _check_date(on: object) -> dt.date:
    # datetime is a subclass of date; accepting one would silently use its (possibly UTC) calendar day.
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise TariffError("invalid_date", f"the event date must be a datetime.date, not {type(on).__name__}")
    return on


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TariffError("invalid_conditions", f"{name} must be true or false")
    return value


def capital_band(*, capital_yen: int | None, sole_proprietor: bool) -> str:
    """The band code that picks the business registration fee.

    `capital_yen=None` means an individual proprietor (個人事業主) that has no share capital.
    """
    if _check_bool(sole_proprietor, "sole_proprietor"):
        if capital_yen is not None:
            raise TariffError("invalid_conditions", "a 一人親方 has no share capital; pass capital_yen=None")
        return BAND_SOLE_PROPRIETOR
    if capital_yen is None:
        return BAND_INDIVIDUAL
    if isinstance(capital_yen, bool) or not isinstance(capital_yen, int):
        raise TariffError("invalid_conditions", "capital_yen must be an integer number of yen")
    if capital_yen < 0:
        raise TariffError("invalid_conditions", "capital_yen cannot be negative")
    for band in CAPITAL_BANDS:
        if band.min_yen <= capital_yen and (band.max_yen is None or capital_yen < band.max_yen):
            return band.code
    raise AssertionError("CAPITAL_BANDS must cover every non-negative amount")  # pragma: no cover


def _no_conditions(conditions: dict[str, Any]) -> str:
    return ANY


def _technician_registration(conditions: dict[str, Any]) -> str:
    tier = conditions.pop("tier", None)
    if tier not in ("simplified", "detailed"):
        raise TariffError("invalid_conditions", "tier must be 'simplified' (簡略型) or 'detailed' (詳細型)")
    return str(tier)


def _business_registration(conditions: dict[str, Any]) -> str:
    if "capital_yen" not in conditions or "sole_proprietor" not in conditions:
        raise TariffError("invalid_conditions", "business_registration needs capital_yen and sole_proprietor")
    return capital_band(capital_yen=conditions.pop("capital_yen"), sole_proprietor=conditions.pop("sole_proprietor"))


def _admin_id(conditions: dict[str, Any]) -> str:
    if "sole_proprietor" not in conditions:
        raise TariffError("invalid_conditions", "admin_id needs sole_proprietor")
    return "sole_proprietor" if _check_bool(conditions.pop("sole_proprietor"), "sole_proprietor") else "standard"


def _level_evaluation(conditions: dict[str, Any]) -> str:
    # Since 2021-09 each 能力評価実施団体 sets its own fee; members commonly pay 4,000 and others 4,500.
    member = _check_bool(conditions.pop("member", True), "member")
    return "member" if member else "non_member"


_RESOLVERS: Mapping[str, Callable[[dict[str, Any]], str]] = {
    "technician_registration": _technician_registration,
    "technician_upgrade": _no_conditions,
    "card_reissue": _no_conditions,
    "business_registration": _business_registration,
    "admin_id": _admin_id,
    "site_manager_id": _no_conditions,
    "site_usage": _no_conditions,
    "site_usage_carry_forward_threshold": _no_conditions,
    "level_evaluation": _level_evaluation,
}
FEE_TYPES: tuple[str, ...] = tuple(_RESOLVERS)


# --- public look-ups -------------------------------------------------------------------------------------------------


def tariff_row(*, fee_type: str, on: dt.date, **conditions: Any) -> TariffRow:
    """The tariff row that prices this event, so a caller can store which version it billed."""
    resolver = _RESOLVERS.get(fee_type)
    if resolver is None:
        raise TariffError("unknown_fee_type", f"unknown fee type {fee_type!r}")
    on = _check_date(on)
    remaining = dict(conditions)
    variant = resolver(remaining)
    if remaining:
        raise TariffError("invalid_conditions", f"{fee_type} does not take {', '.join(sorted(remaining))}")
    candidates = [r for r in load_tariffs() if r.fee_type == fee_type and r.applies_on(on)]
    if not candidates:
        raise TariffError("no_tariff_for_date", f"no {fee_type} tariff is in force on {on.isoformat()}")
    matches = [r for r in candidates if r.variant in (variant, ANY)]
    if not matches:
        # e.g. a 詳細型 upgrade priced before two-stage registration existed
        raise TariffError("no_tariff_for_date", f"no {fee_type} tariff for {variant} on {on.isoformat()}")
    (row,) = matches  # the loader refused overlaps, so there is exactly one
    return row


def fee(*, fee_type: str, on: dt.date, **conditions: Any) -> int:
    """The fee in yen (tax included) for one unit of `fee_type` on the event date `on`.

    Conditions by fee type: technician_registration(tier='simplified'|'detailed');
    business_registration(capital_yen, sole_proprietor); admin_id(sole_proprietor); level_evaluation(member=True).
    """
    return tariff_row(fee_type=fee_type, on=on, **conditions).amount_yen


def business_registration_fee(*, capital_yen: int | None, sole_proprietor: bool, on: dt.date) -> int:
    """事業者登録料 for five years. capital_yen=None = an individual proprietor that is not a 一人親方."""
    return fee(fee_type="business_registration", on=on, capital_yen=capital_yen, sole_proprietor=sole_proprietor)


def carry_forward_threshold(*, usage_month: dt.date) -> int:
    """The 現場利用料 amount below which a monthly bill is carried forward, for the month of use given."""
    on = _check_date(usage_month)
    return fee(fee_type="site_usage_carry_forward_threshold", on=on.replace(day=1))


def tariff_rows(*, on: dt.date) -> list[TariffRow]:
    """Every row in force on `on`, in table order, for showing the whole tariff."""
    on = _check_date(on)
    return [r for r in load_tariffs() if r.applies_on(on)]
