"""Acceptance: the seed's patterns ①②③ (別紙一, seed lines 58–118 and the forms at 123–1029), and the averages."""

from __future__ import annotations

from datetime import date

import pytest

from api.keishin.completed_works import CompletedWorks, ContractRow, FiscalYear, compute_completed_works
from api.keishin.errors import KeishinError

from .seed import APPLICATION_DATE, FISCAL_YEARS, seed_contracts


def form(
    applied: list[str], *, app: date = APPLICATION_DATE, contracts: list[ContractRow] | None = None
) -> CompletedWorks:
    return compute_completed_works(
        contracts=seed_contracts() if contracts is None else contracts,
        fiscal_years=FISCAL_YEARS,
        averaging_years=2,
        applied_industries=applied,
        application_date=app,
    )


def completed(result: CompletedWorks) -> list[tuple[str, int, int]]:
    """(code or label, 審査対象事業年度, 前審査対象事業年度) in form order."""
    return [(r.code or r.name, r.current.completed, r.prior.completed) for r in result.rows]


def test_pattern_1_tobi_only() -> None:
    assert completed(form(["05"])) == [
        ("050", 40_000, 40_000),
        ("300", 50_000, 50_000),
        ("051", 0, 0),
        ("その他工事", 10_000, 10_000),
        ("合計", 50_000, 50_000),
    ]


def test_pattern_2_tobi_and_kaitai() -> None:
    assert completed(form(["05", "29"])) == [
        ("050", 40_000, 40_000),
        ("290", 10_000, 10_000),
        ("300", 50_000, 50_000),
        ("051", 0, 0),
        ("その他工事", 0, 0),
        ("合計", 50_000, 50_000),
    ]


def test_pattern_3_kaitai_only() -> None:
    assert completed(form(["29"])) == [
        ("290", 10_000, 10_000),
        ("300", 50_000, 50_000),
        ("その他工事", 40_000, 40_000),
        ("合計", 50_000, 50_000),
    ]


def test_before_june_2016_tobi_includes_demolition_and_there_is_no_300() -> None:
    # 「従来の記載方法」: 050 = 50,000, その他 0. Demolition was part of とび・土工 then, so it is tagged 05.
    old = form(["05"], app=date(2016, 5, 31), contracts=seed_contracts(kaitai_code="05"))
    assert completed(old) == [("050", 50_000, 50_000), ("051", 0, 0), ("その他工事", 0, 0), ("合計", 50_000, 50_000)]
    with pytest.raises(KeishinError) as exc:
        form(["05"], app=date(2016, 5, 31))  # a 29 row cannot exist before the amendment
    assert (exc.value.code, exc.value.field) == ("industry_code_not_in_force", "contracts[6].industry_code")


def test_after_the_transitional_window_there_is_no_300() -> None:
    codes = [r.code for r in form(["05", "29"], app=date(2019, 6, 1)).rows]
    assert codes == ["050", "290", "051", "", ""]


def test_prime_amounts_come_from_the_contract_rows() -> None:
    # From the seed's 工事経歴書 rows: とび 元請 10,000 + 8,000 + その他元請 6,000; 解体 4,000 + 2,500 + 500.
    result = form(["05", "29"])
    assert result.row("050").current.prime == 24_000
    assert result.row("290").current.prime == 7_000
    assert result.row("300").current.prime == 31_000
    assert result.total.prior.prime == 31_000


def test_three_year_average_truncates_and_prior_column_holds_both_earlier_years() -> None:
    years = (*FISCAL_YEARS, FiscalYear(date(2012, 12, 1), date(2013, 11, 30)))
    contracts = [
        ContractRow("a", "w1", True, "x", 10_001, None, date(2015, 3, 1), "13"),
        ContractRow("a", "w2", False, "x", 10_000, None, date(2014, 3, 1), "13"),
        ContractRow("a", "w3", False, "x", 10_000, None, date(2013, 3, 1), "13"),
    ]
    result = compute_completed_works(
        contracts=contracts,
        fiscal_years=years,
        averaging_years=3,
        applied_industries=["13"],
        application_date=APPLICATION_DATE,
    )
    row = result.row("130")
    assert [y.completed for y in row.years] == [10_001, 10_000, 10_000]
    assert (row.current.completed, row.prior.completed) == (10_001, 20_000)
    assert row.average.completed == 10_000  # 30,001 / 3, 千円未満切り捨て
    assert row.average.prime == 3_333  # 10,001 / 3


def test_two_year_basis_ignores_older_works_and_unfinished_ones_with_reasons() -> None:
    contracts = [
        ContractRow("a", "old", True, "x", 9_999, None, date(2013, 3, 1), "13"),
        ContractRow("a", "open", True, "x", 8_888, date(2015, 9, 1), None, "13"),
        ContractRow("a", "done", True, "x", 1_000, None, date(2015, 3, 1), "13"),
    ]
    result = compute_completed_works(
        contracts=contracts,
        fiscal_years=FISCAL_YEARS,
        averaging_years=2,
        applied_industries=["13"],
        application_date=APPLICATION_DATE,
    )
    assert result.total.current.completed == 1_000 and result.total.prior.completed == 0
    assert [(e.work_name, e.code) for e in result.excluded] == [
        ("old", "outside_fiscal_years"),
        ("open", "not_completed"),
    ]


def test_breakdown_rows_are_part_of_their_industry() -> None:
    contracts = [
        ContractRow("a", "法面", True, "x", 3_000, None, date(2015, 3, 1), "05", "051"),
        ContractRow("a", "基礎", True, "x", 7_000, None, date(2015, 3, 1), "05"),
    ]
    result = form(["05"], contracts=contracts)
    assert (result.row("050").current.completed, result.row("051").current.completed) == (10_000, 3_000)
    assert result.total.current.completed == 10_000  # the うち row is not added again
    with pytest.raises(KeishinError) as exc:
        form(["05"], contracts=[ContractRow("a", "b", True, "x", 1, None, date(2015, 3, 1), "13", "051")])
    assert (exc.value.code, exc.value.field) == ("breakdown_mismatch", "contracts[0].breakdown_code")


def test_300_is_not_added_into_the_total() -> None:
    result = form(["05", "29"])
    industries = [r for r in result.rows if r.kind == "industry"]
    applied_sum = sum(r.current.completed for r in industries)
    assert applied_sum + result.other.current.completed == result.total.current.completed
