"""所属技能者一覧 and 所属技能者統計情報 with levels and residence status (seed 000 items No.83, No.84)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from api.reports import BusinessTechnician, TradeLevel, business_pdf, list_csv, statistics, statistics_csv

from .pdfcheck import FONT_AVAILABLE, assert_japanese_font_embedded, text

ON = date(2025, 4, 1)
TECHS = [
    BusinessTechnician(
        "30000000000001",
        "山田 太郎",
        "ヤマダ タロウ",
        date(1980, 5, 1),
        "detailed",
        (TradeLevel("鉄筋工", 3), TradeLevel("とび工", None)),
        kentaikyo=True,
        card_valid_until=date(2030, 5, 1),
    ),
    BusinessTechnician(
        "30000000000002",
        "グエン ヴァン アン",
        "グエン ヴァン アン",
        date(1999, 1, 1),
        "detailed",
        (TradeLevel("鉄筋工", 1),),
        nationality="VN",
        residence_status="特定技能1号",
        residence_expiry=date(2025, 6, 1),
    ),
    BusinessTechnician(
        "30000000000003",
        "サントス マリア",
        "サントス マリア",
        date(1990, 1, 1),
        "simplified",
        (TradeLevel("鉄筋工", None),),
        nationality="PH",
        residence_status="技能実習2号",
        residence_expiry=date(2025, 3, 1),
    ),
]


def rows_of(data: bytes, codec: str = "utf-8-sig") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode(codec), newline="")))


def test_list_shows_level_per_trade_and_residence_status() -> None:
    rows = {r["技能者ID"]: r for r in rows_of(list_csv(TECHS, on=ON).data)}
    y = rows["30000000000001"]
    assert (y["職種1"], y["レベル1"], y["職種2"], y["レベル2"], y["職種3"]) == (
        "鉄筋工",
        "レベル3",
        "とび工",
        "未評価",
        "",
    )
    assert (y["最高レベル"], y["登録区分"], y["建退共"], y["カード有効期限"]) == (
        "レベル3",
        "詳細型",
        "加入",
        "2030-05-01",
    )
    g = rows["30000000000002"]
    assert (g["国籍"], g["在留資格"], g["在留期間満了日"], g["在留期間残日数"]) == (
        "VN",
        "特定技能1号",
        "2025-06-01",
        "61",
    )
    assert rows["30000000000003"]["在留期間残日数"] == "-31"


def test_list_csv_in_shift_jis() -> None:
    assert rows_of(list_csv(TECHS, on=ON, encoding="shift_jis").data, "cp932") == rows_of(list_csv(TECHS, on=ON).data)


def test_statistics_count_levels_per_trade_with_zero_categories() -> None:
    stats = {(s.group, s.item, s.category): s.count for s in statistics(TECHS, on=ON)}
    assert stats[("総数", "", "")] == 3
    assert stats[("職種別レベル", "鉄筋工", "レベル1")] == 1
    assert stats[("職種別レベル", "鉄筋工", "レベル3")] == 1
    assert stats[("職種別レベル", "鉄筋工", "未評価")] == 1
    assert stats[("職種別レベル", "鉄筋工", "レベル4")] == 0  # present at zero, for stable pivots
    assert stats[("職種別レベル", "とび工", "未評価")] == 1
    assert stats[("最高レベル", "", "レベル3")] == 1
    assert stats[("登録区分", "", "簡略型")] == 1


def test_statistics_of_foreign_technicians_and_expiring_residence() -> None:
    stats = {(s.group, s.item, s.category): s.count for s in statistics(TECHS, on=ON)}
    assert stats[("国籍", "", "外国籍")] == 2
    assert stats[("在留資格", "", "特定技能1号")] == 1 and stats[("在留資格", "", "技能実習2号")] == 1
    assert stats[("在留期間", "", "満了済み")] == 1
    assert stats[("在留期間", "", "90日以内に満了")] == 1
    assert stats[("年齢", "", "40〜49歳")] == 1 and stats[("年齢", "", "20〜29歳")] == 1


def test_statistics_csv_is_long_format() -> None:
    rows = rows_of(statistics_csv(TECHS, on=ON).data)
    assert list(rows[0]) == ["集計", "項目", "区分", "人数"]
    assert {"集計": "職種別レベル", "項目": "鉄筋工", "区分": "レベル3", "人数": "1"} in rows


@pytest.mark.skipif(not FONT_AVAILABLE, reason="fonts-ipafont-gothic not installed")
def test_business_pdf_embeds_font_and_shows_levels_and_residence() -> None:
    data = business_pdf(business_id="98765432109876", business_name="下請鉄筋工業", technicians=TECHS, on=ON)
    assert_japanese_font_embedded(data)
    body = text(data)
    for needle in ("所属技能者一覧", "所属技能者統計情報", "鉄筋工レベル3", "特定技能1号", "在留資格", "職種別レベル"):
        assert needle in body, needle
