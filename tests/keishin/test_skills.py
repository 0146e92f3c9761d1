"""W1⑧ 技能者 inputs from judged level rises (docs/keishin.md "W1⑧")."""

from datetime import date

from api.keishin.skills import Judgement, skill_rises

BASE = date(2024, 3, 31)


def test_rises_in_the_three_years_and_level_4_before_them_deducted() -> None:
    judgements = [
        Judgement(1, "06-01", 2, date(2022, 5, 1)),  # first judgement in the window: a rise from level 1
        Judgement(2, "05-01", 2, date(2019, 5, 1)),  # judged before the window, not since
        Judgement(3, "05-01", 4, date(2020, 1, 1)),  # level 4 before the window: deducted
        Judgement(4, "05-01", 3, date(2020, 1, 1)), Judgement(4, "05-01", 4, date(2024, 3, 31)),  # rose on the base date
        Judgement(5, "05-01", 3, date(2021, 3, 31)),  # the first day outside the window (2021-03-31)
        Judgement(99, "05-01", 3, date(2023, 1, 1)),  # not this firm's technician
    ]
    r = skill_rises(technicians=[1, 2, 3, 4, 5, 6], judgements=judgements, base_date=BASE)
    assert (r.window_start, r.technicians, r.risen, r.deducted) == (date(2021, 3, 31), 6, 2, 1)
    assert r.risen_ids == (1, 4) and r.ratio == 0.4  # 2 / (6 - 1)


def test_no_technicians_no_ratio() -> None:
    assert skill_rises(technicians=[], judgements=[], base_date=BASE).ratio is None
