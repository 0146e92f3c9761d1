"""The table's conditions (issue 18 item 4; docs/keishin.md "Conditions"): the 解体 condition for 1級/2級土木・建築
施工管理技士 passed in FY2015 or earlier, years of experience after passing, and the post-2016 rows as data."""

from __future__ import annotations

from datetime import date

import pytest

from api.keishin.conditions import load_conditions
from api.keishin.masters import load_masters
from api.keishin.roster import compute_roster
from api.keishin.roster_models import HeldQualification, Technician

BASE = date(2024, 3, 31)


def person(code: str, acquired: date, *, kaitai: date | None = None, tid: str = "T1") -> Technician:
    return Technician(
        technician_id=tid,
        name=f"技術者{tid}",
        birth_date=date(1970, 4, 1),
        employed_since=date(2000, 4, 1),
        qualifications=(HeldQualification(code, acquired),),
        kaitai_evidence_on=kaitai,
    )


def totals(techs: list[Technician], applied: list[str], base: date = BASE) -> dict[str, int]:
    roster = compute_roster(technicians=techs, base_date=base, applied_industries=applied)
    return {t.industry_code: t.points for t in roster.totals}


def test_a_1kyu_doboku_of_1995_earns_nothing_in_kaitai_without_its_evidence() -> None:
    # The reproduction: 1級土木 passed in 1995 earned 5 in 解体 with no condition. Now 01 keeps its 5 …
    assert totals([person("113", date(1995, 8, 1))], ["01", "29"]) == {"01": 5, "29": 0}
    roster = compute_roster(technicians=[person("113", date(1995, 8, 1))], base_date=BASE, applied_industries=["29"])
    assert (
        roster.rows == () and "登録解体工事講習" in roster.notes[0].text and roster.notes[0].code == "no_kaitai_credit"
    )
    # … and 29 counts once the technician's evidence (a year of 解体 experience or the 講習) is approved by the base date.
    assert totals([person("113", date(1995, 8, 1), kaitai=date(2019, 6, 30))], ["29"]) == {"29": 5}
    assert totals([person("113", date(1995, 8, 1), kaitai=date(2024, 4, 1))], ["29"]) == {"29": 0}


@pytest.mark.parametrize(
    ("code", "acquired", "points"),
    [
        ("113", date(2016, 3, 31), 0),  # the last day of FY2015 (平成27年度): the condition applies
        ("113", date(2016, 4, 1), 5),  # FY2016: 解体 is in the examination itself
        ("214", date(2010, 1, 1), 0),
        ("214", date(2017, 1, 1), 2),
        ("120", date(2000, 1, 1), 0),
        ("120", date(2018, 1, 1), 5),
        ("221", date(2012, 1, 1), 0),
        ("222", date(2012, 1, 1), 0),
        ("222", date(2019, 1, 1), 2),
        ("141", date(2019, 1, 1), 0),  # 技術士 建設: whatever the pass year
    ],
)
def test_the_kaitai_condition_by_pass_date(code, acquired, points) -> None:
    assert totals([person(code, acquired)], ["29"]) == {"29": points}


def test_a_2kyu_ginoushi_counts_three_years_after_passing() -> None:
    # The reproduction: 2級とび技能士 (257) passed six months ago earned a point. 3 years must pass first.
    assert totals([person("257", date(2023, 9, 30))], ["05"]) == {"05": 0}
    # Passed 2021-03-31: three years are complete on the anniversary, the base date 2024-03-31 — it counts …
    assert totals([person("257", date(2021, 3, 31))], ["05"]) == {"05": 1}
    assert totals([person("257", date(2021, 4, 1))], ["05"]) == {"05": 0}  # … passed a day later, it does not yet
    roster = compute_roster(technicians=[person("257", date(2023, 9, 30))], base_date=BASE, applied_industries=["05"])
    assert roster.notes[0].code == "needs_experience" and roster.notes[0].params["counts_from"] == "2026-09-30"


@pytest.mark.parametrize(
    ("code", "years", "industry"),
    [
        ("256", 3, "08"),
        ("258", 5, "08"),
        ("259", 5, "22"),
        ("265", 1, "09"),
        ("061", 1, "05"),
        ("063", 1, "08"),
    ],
)
def test_the_n_year_rows(code, years, industry) -> None:
    assert load_conditions()[code].experience_years == years
    passed = date(BASE.year - years, BASE.month, BASE.day)  # the n-th anniversary is the base date
    assert totals([person(code, passed)], [industry])[industry] == 1
    assert totals([person(code, date(BASE.year - years, 4, 1))], [industry])[industry] == 0


def test_every_2kyu_ginoushi_row_has_its_condition_with_a_source() -> None:
    conditions = load_conditions()
    for q in load_masters().qualifications:
        if q.legal_basis.startswith("職業能力開発促進法") and "2級" in q.name:
            assert conditions[q.code].experience_years == 3, q.code
    assert all(c.source for c in conditions.values())


def test_denki_tsushin_sekou_kanri_of_the_current_table() -> None:
    masters = load_masters()
    first, second = masters.qualification("131", on=date(2020, 4, 1)), masters.qualification("232", on=date(2020, 4, 1))
    assert (first.name, dict(first.points)) == ("1級電気通信工事施工管理技士", {"22": 5})
    assert (second.name, dict(second.points)) == ("2級電気通信工事施工管理技士", {"22": 2})
    assert first.status == "INFERRED" and "mlit.go.jp" in first.change  # the source is stated with the row
    assert totals([person("131", date(2020, 3, 1), tid="A"), person("232", date(2021, 3, 1), tid="B")], ["22"]) == {
        "22": 7
    }


def test_an_inferred_row_that_earns_points_is_labelled_so() -> None:
    # 131/232 have no official source for their code (none in shared/reference either): the result says so, once per
    # code, beside the points; a VERIFIED row (113) earns its points without the label.
    techs = [
        person("131", date(2020, 3, 1), tid="A"),
        person("131", date(2021, 3, 1), tid="B"),
        person("113", date(2017, 3, 1), tid="C"),
    ]
    roster = compute_roster(technicians=techs, base_date=BASE, applied_industries=["22", "01"])
    inferred = [(n.params["qualification"], n.params["name"]) for n in roster.notes if n.code == "inferred_code_row"]
    assert inferred == [("131", "1級電気通信工事施工管理技士")]
    assert {t.industry_code: t.points for t in roster.totals}["22"] == 10
    # A person who earns nothing with an inferred code brings no label.
    roster = compute_roster(technicians=[person("232", date(2023, 3, 1))], base_date=BASE, applied_industries=["01"])
    assert [n for n in roster.notes if n.code == "inferred_code_row"] == []
