"""Qualified-invoice tax on tax-included prices: once per invoice per rate, floored."""

from __future__ import annotations

import pytest

from api.billing.invoice_math import (
    InvoiceLine,
    InvoiceMathError,
    check_credit_note,
    invoice_totals,
    tax_included_portion,
)


@pytest.mark.parametrize(
    ("amount", "rate", "tax"),
    [
        (11_000, 10, 1_000),
        (11_400, 10, 1_036),  # 管理者ID利用料: 114,000 / 110 = 1,036.36…
        (2_500, 10, 227),  # 25,000 / 110 = 227.27…
        (10, 10, 0),
        (11, 10, 1),
        (109, 10, 9),  # 9.909… floors, never rounds up
        (1_080, 8, 80),
        (0, 10, 0),
    ],
)
def test_tax_contained_in_a_tax_included_amount(amount: int, rate: int, tax: int) -> None:
    assert tax_included_portion(amount_yen=amount, tax_rate_percent=rate) == tax


def test_tax_is_rounded_once_per_invoice_not_per_line() -> None:
    lines = [InvoiceLine("現場利用料", 105), InvoiceLine("現場利用料", 105), InvoiceLine("現場利用料", 105)]
    totals = invoice_totals(lines=lines)
    # per line it would be 3 × floor(9.54) = 27; on the 315 yen total it is floor(28.63) = 28
    assert totals.amount_yen == 315
    assert totals.tax_yen == 28
    assert totals.by_rate[0].net_yen == 287


def test_rates_are_kept_apart() -> None:
    totals = invoice_totals(
        lines=[InvoiceLine("a", 1_100), InvoiceLine("b", 1_080, 8), InvoiceLine("c", 550), InvoiceLine("d", 540, 8)]
    )
    by_rate = [(r.tax_rate_percent, r.amount_yen, r.tax_yen) for r in totals.by_rate]
    assert by_rate == [(10, 1_650, 150), (8, 1_620, 120)]
    assert (totals.amount_yen, totals.tax_yen) == (3_270, 270)
    assert totals.for_rate(5) is None


def test_an_empty_invoice_has_no_rates() -> None:
    totals = invoice_totals(lines=[])
    assert totals.by_rate == () and totals.amount_yen == 0 and totals.tax_yen == 0


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (InvoiceLine("x", 10.5), "not_integer_yen"),  # type: ignore[arg-type]
        (InvoiceLine("x", True), "not_integer_yen"),
        (InvoiceLine("x", -1), "negative_amount"),
        (InvoiceLine("x", 100, 5), "unsupported_tax_rate"),
        (InvoiceLine("x", 100, 10.0), "unsupported_tax_rate"),  # type: ignore[arg-type]
    ],
)
def test_bad_lines(line: InvoiceLine, code: str) -> None:
    with pytest.raises(InvoiceMathError) as err:
        invoice_totals(lines=[line])
    assert err.value.code == code


# --- credit notes ----------------------------------------------------------------------------------------------------


def _totals(*amounts: int, rate: int = 10):  # type: ignore[no-untyped-def]
    return invoice_totals(lines=[InvoiceLine("x", a, rate) for a in amounts])


def test_credit_up_to_the_invoice_total() -> None:
    invoice = _totals(11_400, 6_000)
    assert check_credit_note(invoice=invoice, previous_credits=[], credit=_totals(17_400)) == {10: 0}
    assert check_credit_note(invoice=invoice, previous_credits=[_totals(6_000)], credit=_totals(11_400)) == {10: 0}


def test_credit_larger_than_what_remains_is_refused() -> None:
    invoice = _totals(11_400)
    with pytest.raises(InvoiceMathError) as err:
        check_credit_note(invoice=invoice, previous_credits=[], credit=_totals(11_401))
    assert err.value.code == "credit_exceeds_remaining"
    with pytest.raises(InvoiceMathError) as err:
        check_credit_note(invoice=invoice, previous_credits=[_totals(6_000), _totals(5_000)], credit=_totals(401))
    assert err.value.code == "credit_exceeds_remaining"


def test_credit_at_a_rate_the_invoice_did_not_charge() -> None:
    with pytest.raises(InvoiceMathError) as err:
        check_credit_note(invoice=_totals(11_000), previous_credits=[], credit=_totals(100, rate=8))
    assert err.value.code == "credit_rate_not_on_invoice"


def test_empty_credit_note() -> None:
    with pytest.raises(InvoiceMathError) as err:
        check_credit_note(invoice=_totals(11_000), previous_credits=[], credit=_totals(0))
    assert err.value.code == "empty_credit_note"


def test_credited_tax_never_exceeds_the_invoiced_tax() -> None:
    # Why the rounding is floor: any split of an invoice into credit notes gives back at most the tax charged.
    for total in range(1, 400):
        invoice_tax = tax_included_portion(amount_yen=total, tax_rate_percent=10)
        for first in range(total + 1):
            parts = (first, total - first)
            assert sum(tax_included_portion(amount_yen=p, tax_rate_percent=10) for p in parts) <= invoice_tax
