"""The roster rules a business relies on: who counts, how much, and the code choice."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from api.keishin.errors import KeishinError
from api.keishin.roster import compute_roster
from api.keishin.roster_models import CcusLevel, HeldQualification, Roster, Technician

BASE = date(2015, 11, 30)
IN_WINDOW = date(2016, 6, 15)


def tech(
    *quals: str,
    since: date = date(2010, 4, 1),
    lecture: bool = False,
    levels: tuple[CcusLevel, ...] = (),
    codes: tuple[str, ...] | None = None,
    tid: str = "T1",
    declared: tuple[str, ...] = (),
    acquired: date = date(2005, 4, 1),
) -> Technician:
    return Technician(
        technician_id=tid,
        name=f"技術者{tid}",
        birth_date=date(1980, 4, 1),
        employed_since=since,
        qualifications=tuple(HeldQualification(q, acquired, declared) for q in quals),
        supervisor_lecture=lecture,
        ccus_levels=levels,
        industry_codes=codes,
    )


def run(techs: list[Technician], applied: list[str], *, base: date = BASE, app: date | None = None) -> Roster:
    # OpenCCUS holds the 別表（四） from 2016-06-01 on, so an earlier base date is applied for in the seed's window.
    app = app or max(base, IN_WINDOW)
    return compute_roster(technicians=techs, base_date=base, application_date=app, applied_industries=applied)


@pytest.mark.parametrize(
    ("base", "since", "counted"),
    [
        (date(2015, 11, 30), date(2015, 5, 29), True),
        (date(2015, 11, 30), date(2015, 5, 30), False),  # exactly 6 months: not "more than"
        (date(2016, 2, 29), date(2015, 8, 28), True),
        (date(2016, 2, 29), date(2015, 8, 29), False),
        (date(2016, 3, 31), date(2015, 9, 30), False),  # month-end: 6 months end on 3/31 itself
    ],
)
def test_only_technicians_employed_more_than_6_months_count(base: date, since: date, counted: bool) -> None:
    result = run([tech("129", since=since)], ["09"], base=base)
    assert (len(result.rows) == 1) is counted
    if not counted:
        assert result.excluded[0].code == "employed_6_months_or_less"


def test_the_highest_points_a_person_earns_in_an_industry_count() -> None:
    result = run([tech("230", "129")], ["09"])  # 2級管 (2) and 1級管 (5)
    assert result.total("09") == 5
    assert result.rows[0].groups[0].qualification_code == "129"


def test_first_class_with_the_supervisor_lecture_counts_6_and_second_class_does_not() -> None:
    result = run([tech("113", lecture=True, tid="A"), tech("214", lecture=True, tid="B")], ["01"])
    first, second = result.rows
    assert (first.points["01"], first.groups[0].lecture) == (6, True)
    assert (second.points["01"], second.groups[0].lecture) == (2, False)
    assert dict(next(t for t in result.totals if t.industry_code == "01").by_points) == {6: 1, 2: 1}


def test_ccus_levels_count_from_2020_04_01() -> None:
    levels = (CcusLevel("05", 4, date(2019, 12, 1)), CcusLevel("17", 3, date(2019, 12, 1)))
    after = run([tech(levels=levels)], ["05", "17"], base=date(2020, 3, 31), app=date(2020, 4, 1))
    assert dict(after.rows[0].points) == {"05": 3, "17": 2}
    assert {g.qualification_code for g in after.rows[0].groups} == {"704", "703"}
    before = run([tech(levels=levels)], ["05", "17"], base=date(2020, 3, 31), app=date(2020, 3, 31))
    assert before.rows == () and before.excluded[0].code == "no_points_in_applied_industries"
    assert any("2020-04-01" in note.text and note.code == "level_not_yet_counted" for note in before.notes)


def test_levels_and_qualifications_obtained_after_the_base_date_do_not_count() -> None:
    late = tech("129", acquired=date(2021, 1, 1), levels=(CcusLevel("09", 4, date(2021, 1, 1)),))
    result = run([late], ["09"], base=date(2020, 12, 31), app=date(2021, 2, 1))
    assert result.rows == ()


def test_low_levels_earn_nothing() -> None:
    result = run([tech(levels=(CcusLevel("05", 2, date(2020, 1, 1)),))], ["05"], base=date(2021, 3, 31))
    assert result.rows == ()


def test_at_most_two_industries_per_person_chosen_for_the_applied_ones() -> None:
    # 1級建築施工管理技士 counts in 建 大 左 …; the business applies for three of them.
    result = run([tech("120")], ["02", "03", "04"])
    row = result.rows[0]
    assert len(row.groups) == 2
    assert row.applied_points == 10
    assert sorted(t.points for t in result.totals) == [0, 5, 5]


def test_exhaustive_choice_beats_a_greedy_one() -> None:
    # 216 counts only in と (2), 060 only in 解 (2). Code 99 can carry one qualification, so it earns 2 + 2 = 4;
    # 05 + 29 earns 05:2, 29:2 and the transitional total 2 = 6. A greedy pick of the best single code (99) would
    # stop at 4 because nothing else may be added to it.
    result = run([tech("216", "060")], ["05", "29"], app=IN_WINDOW)
    row = result.rows[0]
    assert [g.industry_code for g in row.groups] == ["05", "29"]
    assert row.applied_points == 6


def test_99_with_another_industry_when_one_qualification_covers_05_and_29() -> None:
    result = run([tech("113", "11C")], ["05", "13", "29"], app=IN_WINDOW)
    row = result.rows[0]
    assert sorted(g.industry_code for g in row.groups) == ["13", "99"]
    assert row.applied_points == 20


def test_a_transitional_code_holder_loses_kaitai_when_the_deeming_ends() -> None:
    # Holding 11C says the 解体 credit comes through 附則第4条; from 2021-04-01 it no longer exists.
    deemed = run([tech("113", "11C", codes=("29",))], ["29"], base=date(2021, 3, 31), app=date(2021, 3, 31))
    assert deemed.rows[0].groups[0].qualification_code == "11C"
    with pytest.raises(KeishinError) as exc:
        run([tech("113", "11C", codes=("29",))], ["29"], base=date(2021, 3, 31), app=date(2021, 4, 1))
    assert exc.value.code == "no_points_for_industry_code"
    # Someone whose 113 itself qualifies for 解体 (passed FY2016 or later) keeps it.
    qualified = run(
        [tech("113", codes=("29",), acquired=date(2016, 7, 1))], ["29"], base=date(2021, 3, 31), app=date(2021, 4, 1)
    )
    assert qualified.rows[0].points["29"] == 5


def test_declared_qualifications_count_only_where_proven() -> None:
    with pytest.raises(KeishinError) as exc:
        run([tech("001")], ["05"])
    assert exc.value.code == "declared_industries_required"
    assert exc.value.field == "technicians[0].qualifications[0].industry_codes"
    result = run([tech("001", declared=("05",))], ["05", "13"], app=IN_WINDOW)
    assert dict(result.rows[0].points) == {"05": 1, "99": 1}


def test_an_explicit_choice_outside_the_applied_industries_is_kept_but_not_counted() -> None:
    result = run([tech("113", codes=("01", "13"))], ["01"])
    assert [g.industry_code for g in result.rows[0].groups] == ["01", "13"]
    totals = {t.industry_code: (t.points, t.applied) for t in result.totals}
    assert totals == {"01": (5, True), "13": (5, False)}
    assert result.rows[0].applied_points == 5


def test_after_the_window_99_is_gone_and_05_29_count_on_their_own() -> None:
    result = run([tech("113", acquired=date(2016, 7, 1))], ["05", "29"], base=date(2019, 5, 31), app=date(2019, 6, 3))
    assert result.applied_industries == ("05", "29")
    assert {t.industry_code: t.points for t in result.totals} == {"05": 5, "29": 5}


def test_one_qualification_declared_in_05_and_29_is_better_used_as_two_codes_than_as_99() -> None:
    # 基幹技能者 (064) proven once for とび and once for 解体: 99 can carry only one of the two (3 + 3), while
    # 05 + 29 earn 05:3, 29:3 and the transitional total 3.
    held = (HeldQualification("064", date(2010, 1, 1), ("05",)), HeldQualification("064", date(2010, 1, 1), ("29",)))
    person = Technician("K", "基幹", date(1975, 1, 1), date(2000, 1, 1), held)
    result = run([person], ["05", "29"], app=IN_WINDOW)
    row = result.rows[0]
    assert [(g.industry_code, g.qualification_code) for g in row.groups] == [("05", "064"), ("29", "064")]
    assert (dict(row.points), row.applied_points) == ({"05": 3, "29": 3, "99": 3}, 9)
    only_99 = run([replace(person, industry_codes=("99",))], ["05", "29"], app=IN_WINDOW)
    assert only_99.rows[0].applied_points == 6
