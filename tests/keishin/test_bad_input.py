"""Bad input is refused with a precise machine code, a readable reason and the offending field."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import pytest

from api.keishin.completed_works import ContractRow, FiscalYear, compute_completed_works
from api.keishin.errors import KeishinError
from api.keishin.roster import compute_roster
from api.keishin.roster_models import HeldQualification, Technician

from .seed import APPLICATION_DATE, BASE_DATE, FISCAL_YEARS, kagawa, seed_contracts


def refused(call: Callable[[], Any]) -> KeishinError:
    with pytest.raises(KeishinError) as exc:
        call()
    assert isinstance(exc.value, Exception) and exc.value.message
    return exc.value


def roster(
    techs: list[Technician], applied: Sequence[str] = ("29",), app: date = APPLICATION_DATE
) -> Callable[[], Any]:
    return lambda: compute_roster(
        technicians=techs, base_date=BASE_DATE, application_date=app, applied_industries=list(applied)
    )


def works(
    contracts: list[ContractRow],
    applied: Sequence[str] = ("05",),
    app: date = APPLICATION_DATE,
    years: Sequence[FiscalYear] = FISCAL_YEARS,
    n: int = 2,
) -> Callable[[], Any]:
    return lambda: compute_completed_works(
        contracts=contracts,
        fiscal_years=years,
        averaging_years=n,
        applied_industries=list(applied),
        application_date=app,
    )


def test_an_industry_code_that_does_not_exist() -> None:
    err = refused(roster([kagawa("甲", date(1970, 1, 1), None)], applied=("29", "30")))
    assert (err.code, err.field) == ("unknown_industry_code", "applied_industries[1]")
    err = refused(roster([kagawa("甲", date(1970, 1, 1), ("01", "31"))]))
    assert (err.code, err.field) == ("unknown_industry_code", "technicians[0].industry_codes[1]")
    assert "'31'" in err.message
    bad = [ContractRow("a", "b", True, "c", 100, None, date(2015, 6, 1), "00")]
    err = refused(works(bad))
    assert (err.code, err.field) == ("unknown_industry_code", "contracts[0].industry_code")


def test_three_industry_codes_for_one_technician() -> None:
    techs = [kagawa("甲", date(1970, 1, 1), ("01", "05")), kagawa("乙", date(1971, 1, 1), ("01", "05", "29"))]
    err = refused(roster(techs))
    assert (err.code, err.field) == ("too_many_industry_codes", "technicians[1].industry_codes")
    assert "3 industry codes" in err.message and "at most 2" in err.message


def test_99_outside_its_validity_window() -> None:
    after = refused(roster([kagawa("甲", date(1970, 1, 1), ("01", "99"))], app=date(2019, 6, 1)))
    assert (after.code, after.field) == ("industry_code_not_in_force", "technicians[0].industry_codes[1]")
    assert "2016-06-01 → 2019-05-31" in after.message and "2019-06-01" in after.message
    before = refused(roster([kagawa("甲", date(1970, 1, 1), ("99",))], applied=("05",), app=date(2016, 5, 31)))
    assert before.code == "industry_code_not_in_force"


def test_99_is_not_an_industry_to_apply_for() -> None:
    err = refused(roster([kagawa("甲", date(1970, 1, 1), None)], applied=("99",)))
    assert (err.code, err.field) == ("transitional_not_applicable", "applied_industries[0]")


def test_a_contract_row_without_an_industry() -> None:
    for missing in (None, ""):
        rows = seed_contracts()
        rows.insert(3, ContractRow("○○○", "○○補修工事", True, "香川県高松市", 1_000, None, date(2015, 6, 1), missing))
        err = refused(works(rows))
        assert (err.code, err.field) == ("contract_missing_industry", "contracts[3].industry_code")
        assert "○○補修工事" in err.message


def test_other_refusals_name_their_field() -> None:
    dup = [kagawa("甲", date(1970, 1, 1), ("05", "05"))]
    assert refused(roster(dup)).code == "duplicate_industry_code"
    redundant = [kagawa("甲", date(1970, 1, 1), ("05", "99"))]
    assert refused(roster(redundant)).code == "redundant_industry_code"
    unknown_q = [
        Technician("x", "丙", date(1970, 1, 1), date(2000, 1, 1), (HeldQualification("9Z9", date(2000, 1, 1)),))
    ]
    err = refused(roster(unknown_q))
    assert (err.code, err.field) == ("unknown_qualification_code", "technicians[0].qualifications[0].code")
    same_id = [kagawa("甲", date(1970, 1, 1), None), kagawa("甲", date(1970, 1, 1), None)]
    assert refused(roster(same_id)).field == "technicians[1].technician_id"
    negative = [ContractRow("a", "b", True, "c", -1, None, date(2015, 6, 1), "05")]
    assert refused(works(negative)).field == "contracts[0].amount_thousand_yen"
    ninety_nine = [ContractRow("a", "b", True, "c", 1, None, date(2015, 6, 1), "99")]
    assert refused(works(ninety_nine)).code == "contract_transitional_industry"
    gap = (FISCAL_YEARS[0], FiscalYear(date(2013, 11, 1), date(2014, 10, 31)))
    assert refused(works([], years=gap)).code == "fiscal_years_not_contiguous"
    assert refused(works([], n=3)).code == "missing_fiscal_years"

    def early() -> None:
        compute_roster(
            technicians=[], base_date=BASE_DATE, application_date=date(2015, 1, 1), applied_industries=["05"]
        )

    assert refused(early).code == "application_before_base_date"
