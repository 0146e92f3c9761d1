"""現場利用料 under the threshold is carried forward, at most six times (miyagi-ccus.com news9)."""

from __future__ import annotations

import pytest

from api.billing.invoice_math import InvoiceMathError, carry_forward


def _billed(decisions) -> list[int]:  # type: ignore[no-untyped-def]
    return [d.billed_yen for d in decisions]


def test_a_month_at_or_over_the_threshold_is_billed() -> None:
    decisions = carry_forward(monthly_amounts=[10_000, 12_340])
    assert _billed(decisions) == [10_000, 12_340]
    assert [d.reason for d in decisions] == ["threshold", "threshold"]


def test_small_months_accumulate_until_the_threshold() -> None:
    decisions = carry_forward(monthly_amounts=[3_000, 4_000, 3_000, 500])
    assert _billed(decisions) == [0, 0, 10_000, 0]
    assert [d.carried_yen for d in decisions] == [3_000, 7_000, 0, 500]
    assert decisions[2].months_covered == 3


def test_billed_anyway_after_six_carries() -> None:
    # January's 990 yen is carried at the January … June closes and invoiced at the July close.
    decisions = carry_forward(monthly_amounts=[990, 0, 0, 0, 0, 0, 0, 0])
    assert [d.reason for d in decisions] == ["carried"] * 6 + ["max_carry", "nothing"]
    assert decisions[6].billed_yen == 990
    assert decisions[6].months_covered == 7


def test_the_six_months_count_from_the_oldest_unbilled_usage() -> None:
    decisions = carry_forward(monthly_amounts=[0, 0, 100, 100, 100, 100, 100, 100, 100, 100])
    assert _billed(decisions) == [0, 0, 0, 0, 0, 0, 0, 0, 700, 0]
    assert decisions[9].carried_yen == 100  # a new carry starts after the bill


def test_nothing_to_bill() -> None:
    decisions = carry_forward(monthly_amounts=[0, 0])
    assert [(d.billed_yen, d.carried_yen, d.reason) for d in decisions] == [(0, 0, "nothing")] * 2


def test_threshold_change_in_april_2023() -> None:
    # March 2023 usage is judged against 1,500 yen, April 2023 usage against 10,000 yen
    decisions = carry_forward(monthly_amounts=[1_600, 1_600], threshold_yen=[1_500, 10_000])
    assert _billed(decisions) == [1_600, 0]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"monthly_amounts": [-1]}, "negative_amount"),
        ({"monthly_amounts": [1.0]}, "not_integer_yen"),
        ({"monthly_amounts": [1, 2], "threshold_yen": [10_000]}, "bad_thresholds"),
        ({"monthly_amounts": [1], "max_carry_months": -1}, "bad_max_carry"),
    ],
)
def test_bad_input(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(InvoiceMathError) as err:
        carry_forward(**kwargs)  # type: ignore[arg-type]
    assert err.value.code == code
