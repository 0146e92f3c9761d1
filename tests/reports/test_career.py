"""A technician's career summary PDF, fed from a real level evaluation."""

from __future__ import annotations

from datetime import date

import pytest

from api.levels import HeldQualification, LevelInputs, evaluate, load_criteria
from api.reports import CareerSummary, LevelHistoryLine, QualificationLine, SiteLine, TradeCareer, career_pdf

from .pdfcheck import FONT_AVAILABLE, assert_japanese_font_embedded, text

ON = date(2025, 4, 1)


def summary() -> CareerSummary:
    result = evaluate(
        inputs=LevelInputs(
            "40000000000001",
            "05-01",
            "detailed",
            work_days=1193,
            foreman_days=100,
            team_leader_days=45,
            qualifications=(HeldQualification("T01", date(2015, 6, 1)),),
        ),
        criteria=load_criteria(),
        on=ON,
    )
    simplified = evaluate(
        inputs=LevelInputs("40000000000001", "06-01", "simplified", work_days=10), criteria=load_criteria(), on=ON
    )
    return CareerSummary(
        technician_id="40000000000001",
        name="山田 太郎",
        kana="ヤマダ タロウ",
        birth_date=date(1985, 7, 7),
        tier="detailed",
        employer_name="下請鉄筋工業",
        made_on=ON,
        registered_on=date(2019, 4, 1),
        trades=(
            TradeCareer.from_result(result, trade_name="鉄筋工"),
            TradeCareer.from_result(simplified, trade_name="とび工"),
        ),
        history=(LevelHistoryLine(date(2022, 5, 1), "鉄筋工", None, 2, "rebar-2019-10-08"),),
        qualifications=(QualificationLine("玉掛け技能講習", date(2015, 6, 1)),),
        sites=(
            SiteLine(
                "12345678901234",
                "〇〇ビル新築工事",
                "下請鉄筋工業",
                date(2024, 4, 1),
                date(2025, 3, 31),
                180,
                "鉄筋工",
                "foreman",
            ),
        ),
        days_by_year=((2023, 210), (2024, 220)),
    )


def test_trade_career_takes_the_numbers_of_the_evaluation() -> None:
    t = summary().trades[0]
    assert (t.level, t.work_days, t.foreman_days, t.team_leader_days) == (2, 1193, 100, 45)
    assert t.missing_for_next[0] == "就業日数 あと 312 日"


@pytest.mark.skipif(not FONT_AVAILABLE, reason="fonts-ipafont-gothic not installed")
def test_career_pdf_embeds_font_and_shows_levels_and_what_is_missing() -> None:
    data = career_pdf(summary())
    assert_japanese_font_embedded(data)
    body = text(data)
    for needle in (
        "技能者キャリアサマリー",
        "山田太郎",
        "鉄筋工",
        "レベル2",
        "次のレベルに必要なもの",
        "就業日数あと312日",
        "職長・班長としての就業日数あと500日",
        "詳細型登録",
        "レベルの履歴",
        "玉掛け技能講習",
        "〇〇ビル新築工事",
        "1,193",
        "2024",
        "平成31年4月1日",  # registered on 2019-04-01: the printed form in 和暦
        "令和4年5月1日",  # a level judged on 2022-05-01
    ):
        assert needle in body, needle
