"""Qualified-invoice (適格請求書) arithmetic on tax-included yen, the carry-forward rule, credit-note checks.

Integers only: CCUS prices are tax-included whole yen, and floats would make a 1-yen rounding difference depend on
the order of the additions.

Consumption tax on a qualified invoice is computed once per invoice per tax rate, from the rate's total, not per
line (消費税法施行令 第70条の10; 国税庁「適格請求書等保存方式に関するQ&A」, the 端数処理 question: 「一の適格請求書
につき、税率ごとに1回の端数処理」). The rule leaves the direction of rounding to the issuer (切上げ・切捨て・四捨五入);
OpenCCUS floors (切捨て). Flooring also means the tax on several credit notes against one invoice can never add up
to more than the tax the invoice showed, because floor(a) + floor(b) <= floor(a + b).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

TAX_RATES_PERCENT = frozenset({10, 8})  # standard and reduced rates; CCUS fees are all 10 %


class InvoiceMathError(Exception):
    """Invoice arithmetic refused its input. `code` is machine-readable so the HTTP layer can map it to a 4xx."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _yen(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvoiceMathError("not_integer_yen", f"{name} must be an integer number of yen")
    if value < 0:
        raise InvoiceMathError("negative_amount", f"{name} cannot be negative")
    return value


def _rate(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in TAX_RATES_PERCENT:
        raise InvoiceMathError("unsupported_tax_rate", f"tax rate {value!r} % is not a Japanese consumption tax rate")
    return value


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    description: str
    amount_yen: int  # the line total, tax included
    tax_rate_percent: int = 10


@dataclass(frozen=True, slots=True)
class RateTotal:
    tax_rate_percent: int
    amount_yen: int  # tax-included total of the lines at this rate
    tax_yen: int  # the consumption tax contained in amount_yen, rounded once

    @property
    def net_yen(self) -> int:
        return self.amount_yen - self.tax_yen


@dataclass(frozen=True, slots=True)
class InvoiceTotals:
    by_rate: tuple[RateTotal, ...]  # highest rate first, one entry per rate present

    @property
    def amount_yen(self) -> int:
        return sum(r.amount_yen for r in self.by_rate)

    @property
    def tax_yen(self) -> int:
        return sum(r.tax_yen for r in self.by_rate)

    def for_rate(self, tax_rate_percent: int) -> RateTotal | None:
        return next((r for r in self.by_rate if r.tax_rate_percent == tax_rate_percent), None)


def tax_included_portion(*, amount_yen: int, tax_rate_percent: int) -> int:
    """The tax contained in a tax-included amount: floor(amount × rate / (100 + rate))."""
    amount = _yen(amount_yen, "amount_yen")
    rate = _rate(tax_rate_percent)
    return amount * rate // (100 + rate)


def invoice_totals(*, lines: Iterable[InvoiceLine]) -> InvoiceTotals:
    """Per-rate totals and tax for one invoice (or one credit note), tax rounded once per rate."""
    sums: dict[int, int] = {}
    for i, line in enumerate(lines):
        rate = _rate(line.tax_rate_percent)
        sums[rate] = sums.get(rate, 0) + _yen(line.amount_yen, f"lines[{i}].amount_yen")
    return InvoiceTotals(
        by_rate=tuple(
            RateTotal(rate, total, tax_included_portion(amount_yen=total, tax_rate_percent=rate))
            for rate, total in sorted(sums.items(), reverse=True)
        )
    )


# --- carry-forward -------------------------------------------------------------------------------------------------

CarryReason = Literal["nothing", "carried", "threshold", "max_carry"]


@dataclass(frozen=True, slots=True)
class MonthDecision:
    month_index: int  # position in the input sequence
    usage_yen: int  # this month's amount
    billed_yen: int  # invoiced at this month's close (this month plus everything carried), 0 if carried
    carried_yen: int  # balance carried into the next month
    months_covered: int  # usage months the invoice covers; 0 when nothing is invoiced
    reason: CarryReason


def carry_forward(
    *,
    monthly_amounts: Sequence[int],
    threshold_yen: int | Sequence[int] = 10_000,
    max_carry_months: int = 6,
) -> list[MonthDecision]:
    """Decide, month by month, whether the 現場利用料 bill is invoiced or carried forward.

    `monthly_amounts` are consecutive months (a month with no usage is 0). At each month's close the balance
    (carried + this month) is invoiced when it reaches `threshold_yen`; below it, it is carried forward — but no
    amount is carried more than `max_carry_months` times: usage of January, carried at the closes of January to June,
    is invoiced at the July close whatever the balance, i.e. billing is delayed by at most six months.

    `threshold_yen` may be one amount or one per month, because the threshold itself changed (1,500 → 10,000 yen
    from April 2023 usage; see `tariffs.carry_forward_threshold`).
    Source: https://miyagi-ccus.com/posts/news9.html (「最大6か月間にわたり請求の繰り越し」).
    """
    amounts = [_yen(a, f"monthly_amounts[{i}]") for i, a in enumerate(monthly_amounts)]
    if isinstance(threshold_yen, int):
        thresholds = [_yen(threshold_yen, "threshold_yen")] * len(amounts)
    else:
        thresholds = [_yen(t, f"threshold_yen[{i}]") for i, t in enumerate(threshold_yen)]
        if len(thresholds) != len(amounts):
            raise InvoiceMathError("bad_thresholds", "give one threshold per month")
    if isinstance(max_carry_months, bool) or not isinstance(max_carry_months, int) or max_carry_months < 0:
        raise InvoiceMathError("bad_max_carry", "max_carry_months must be a non-negative integer")

    decisions: list[MonthDecision] = []
    balance = 0
    oldest: int | None = None  # first usage month still unbilled
    for i, amount in enumerate(amounts):
        balance += amount
        if balance == 0:
            decisions.append(MonthDecision(i, amount, 0, 0, 0, "nothing"))
            continue
        if oldest is None:
            oldest = i
        reason: CarryReason | None = None
        if balance >= thresholds[i]:
            reason = "threshold"
        elif i - oldest >= max_carry_months:
            reason = "max_carry"
        if reason is None:
            decisions.append(MonthDecision(i, amount, 0, balance, 0, "carried"))
            continue
        decisions.append(MonthDecision(i, amount, balance, 0, i - oldest + 1, reason))
        balance, oldest = 0, None
    return decisions


# --- credit notes --------------------------------------------------------------------------------------------------


def remaining_after_credits(*, invoice: InvoiceTotals, credits: Sequence[InvoiceTotals]) -> dict[int, int]:
    """Tax-included amount still creditable, per rate, after the credit notes already issued."""
    remaining = {r.tax_rate_percent: r.amount_yen for r in invoice.by_rate}
    for credit in credits:
        for r in credit.by_rate:
            remaining[r.tax_rate_percent] = remaining.get(r.tax_rate_percent, 0) - r.amount_yen
    return remaining


def check_credit_note(
    *, invoice: InvoiceTotals, previous_credits: Sequence[InvoiceTotals], credit: InvoiceTotals
) -> dict[int, int]:
    """Refuse a credit note that is empty, credits a rate the invoice did not charge, or exceeds what remains.

    Finalised invoices never change, so a correction is a credit note; it may only take back what the invoice still
    holds at each rate, otherwise a customer could be refunded money never charged. Returns what remains per rate
    once this credit note is issued.
    """
    if credit.amount_yen <= 0:
        raise InvoiceMathError("empty_credit_note", "a credit note must credit a positive amount")
    remaining = remaining_after_credits(invoice=invoice, credits=previous_credits)
    for r in credit.by_rate:
        if invoice.for_rate(r.tax_rate_percent) is None:
            raise InvoiceMathError(
                "credit_rate_not_on_invoice", f"the invoice has no {r.tax_rate_percent} % lines to credit"
            )
        left = remaining[r.tax_rate_percent]
        if r.amount_yen > left:
            raise InvoiceMathError(
                "credit_exceeds_remaining",
                f"credit of {r.amount_yen} yen at {r.tax_rate_percent} % exceeds the {left} yen that remains",
            )
        remaining[r.tax_rate_percent] = left - r.amount_yen
    return remaining
