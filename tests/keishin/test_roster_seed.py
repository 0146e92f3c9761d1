"""Acceptance: the seed's three 香川 technicians (別紙二, seed lines 1384–1400 and 1516–1528)."""

from __future__ import annotations

from api.keishin.roster import compute_roster
from api.keishin.roster_models import Roster

from .seed import APPLICATION_DATE, BASE_DATE, kagawa_three

# The seed's firm holds 土木一式, とび・土工 and 解体 permits and takes 経審 for 解体 (line 1516).
APPLIED = ["29"]


def roster(applied: list[str] = APPLIED, *, chosen: bool = True) -> Roster:
    return compute_roster(
        technicians=kagawa_three(chosen=chosen),
        base_date=BASE_DATE,
        application_date=APPLICATION_DATE,
        applied_industries=applied,
    )


def test_rows_reproduce_the_seed_form() -> None:
    rows = roster().rows
    # (通番, 氏名, 満年齢, [(業種コード, 有資格区分コード, 講習受講)]) as printed on the seed's 別紙二.
    assert [
        (r.serial, r.name, r.age, [(g.industry_code, g.qualification_code, g.lecture) for g in r.groups]) for r in rows
    ] == [
        (1, "香川　一郎", 49, [("01", "113", False), ("05", "113", False)]),
        (2, "香川　二郎", 47, [("01", "113", False), ("29", "11C", False)]),
        (3, "香川　三郎", 34, [("01", "113", False), ("99", "11C", False)]),
    ]


def test_credited_industries_are_those_the_seed_lists() -> None:
    # 一郎 ⇒ 「土木一式」「とび・土工」「経過措置」に5点; 二郎 ⇒ 「土木一式」「解体工事」「経過措置」;
    # 三郎 ⇒ 「土木一式」「とび・土工」「解体工事」「経過措置」 (99 = 経過措置).
    points = [dict(r.points) for r in roster().rows]
    assert points == [
        {"01": 5, "05": 5, "99": 5},
        {"01": 5, "29": 5, "99": 5},
        {"01": 5, "05": 5, "29": 5, "99": 5},
    ]


def test_totals_count_the_applied_industry_and_the_transitional_total() -> None:
    result = roster()
    assert result.applied_industries == ("29", "99")
    by_code = {t.industry_code: t for t in result.totals}
    assert (by_code["29"].points, by_code["29"].headcount, by_code["29"].applied) == (10, 2, True)
    assert (by_code["99"].points, by_code["99"].headcount, by_code["99"].applied) == (15, 3, True)
    # Shown for the record, but not applied for: they do not count for this business.
    assert (by_code["01"].points, by_code["01"].applied) == (15, False)
    assert (by_code["05"].points, by_code["05"].applied) == (10, False)


def test_optimiser_picks_the_seeds_best_choice_01_99_for_all_three() -> None:
    # Applying for all three permitted industries, 01 + 99 credits four categories, more than 01 05 or 01 29.
    result = roster(["01", "05", "29"], chosen=False)
    assert [[(g.industry_code, g.qualification_code) for g in r.groups] for r in result.rows] == [
        [("01", "113"), ("99", "11C")]
    ] * 3
    assert {t.industry_code: t.points for t in result.totals} == {"01": 15, "05": 15, "29": 15, "99": 15}


def test_optimiser_for_a_kaitai_only_application_gets_the_same_totals_as_the_seed_best() -> None:
    result = roster(chosen=False)
    assert (result.total("29"), result.total("99")) == (15, 15)
    assert all(r.applied_points == 10 for r in result.rows)
