"""W1⑧ 技能者 inputs from judged level rises (docs/keishin.md "W1⑧")."""

from datetime import date

from api.keishin.skills import Judgement, skill_rises

BASE = date(2024, 3, 31)


def test_rises_in_the_three_years_and_level_4_before_them_deducted() -> None:
    judgements = [
        Judgement(1, "06-01", 2, date(2022, 5, 1)),  # first judgement in the window: a rise from level 1
        Judgement(2, "05-01", 2, date(2019, 5, 1)),  # judged before the window, not since
        Judgement(3, "05-01", 4, date(2020, 1, 1)),  # level 4 before the window: deducted
        Judgement(4, "05-01", 3, date(2020, 1, 1)),
        Judgement(4, "05-01", 4, date(2024, 3, 31)),  # rose on the base date
        Judgement(5, "05-01", 3, date(2021, 3, 31)),  # the first day outside the window (2021-03-31)
        Judgement(99, "05-01", 3, date(2023, 1, 1)),  # not this firm's technician
    ]
    r = skill_rises(technicians=[1, 2, 3, 4, 5, 6], judgements=judgements, base_date=BASE)
    assert (r.window_start, r.technicians, r.risen, r.deducted) == (date(2021, 3, 31), 6, 2, 1)
    assert r.risen_ids == (1, 4) and r.ratio == 0.4  # 2 / (6 - 1)


def test_no_technicians_no_ratio() -> None:
    assert skill_rises(technicians=[], judgements=[], base_date=BASE).ratio is None


def test_a_first_level_1_or_an_equal_level_is_no_rise() -> None:
    judgements = [
        Judgement(1, "05-01", 1, date(2023, 1, 1)),  # white card: level 1 and "not judged" are the same
        Judgement(2, "05-01", 3, date(2020, 1, 1)),
        Judgement(2, "06-01", 3, date(2023, 1, 1)),  # 3 in a 2nd trade: a rise
        Judgement(3, "05-01", 2, date(2024, 4, 1)),  # after the base date
    ]
    r = skill_rises(technicians=[1, 2, 3], judgements=judgements, base_date=BASE)
    assert r.risen_ids == (2,) and r.deducted == 0


def test_the_skill_value_and_the_w1_8_points_from_the_tables() -> None:
    # 1 of 8 technicians rose: 12.5% → band 12%以上13.5%未満 → B = 8.
    rises = [Judgement(1, "06-01", 2, date(2023, 1, 1))]
    eight = list(range(1, 9))
    r = skill_rises(technicians=eight, judgements=rises, base_date=BASE)
    assert (r.ratio, r.skill_value, r.points) == (0.125, 8, None)  # no 技術者数 entered: no 評点
    # 2 技術者 with A = 5: 2/10 × 5 + 8/10 × 8 = 7.4 → 7 points.
    r = skill_rises(technicians=eight, judgements=rises, base_date=BASE, engineers=2, engineer_value=5)
    assert (r.computed_value, r.points) == (7.4, 7)
    # Band edges, exact: 15% → 10, just under → 9; 1 in 7 (14.29%) → 9; none → 0; no 技能者 and no 技術者 → 0.
    assert (
        skill_rises(
            technicians=list(range(20)),
            judgements=[Judgement(i, "05-01", 2, date(2023, 1, 1)) for i in range(3)],
            base_date=BASE,
        ).skill_value
        == 10
    )
    assert skill_rises(technicians=list(range(7)), judgements=rises, base_date=BASE).skill_value == 9
    assert skill_rises(technicians=eight, judgements=[], base_date=BASE, engineers=0).points == 0
    assert skill_rises(technicians=[], judgements=[], base_date=BASE, engineers=0).points == 0
    # Only 技術者: their value alone.
    assert skill_rises(technicians=[], judgements=[], base_date=BASE, engineers=3, engineer_value=6).points == 6
