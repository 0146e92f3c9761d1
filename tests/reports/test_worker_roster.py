"""作業員名簿: the six statutory items plus level and residence status, per site and employer, CSV and PDF."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from api.registration.masters import qualifications
from api.reports import RosterHeader, RosterWorker, roster_csv, roster_pdf, split_training
from api.reports.worker_roster import COLUMNS, OPTED_OUT

from .pdfcheck import FONT_AVAILABLE, assert_japanese_font_embedded, text

HEADER = RosterHeader(
    site_id="12345678901234",
    site_name="中央区〇〇ビル新築工事",
    prime_name="元請建設株式会社",
    business_id="98765432109876",
    business_name="下請鉄筋工業",
    tier=2,
    made_on=date(2024, 4, 1),
    site_manager_name="現場 代理",
    first_tier_name="一次工業",
    first_tier_business_id="11112222333344",
)
WORKERS = [
    RosterWorker(
        "20000000000002",
        "山田 太郎",
        "ヤマダ タロウ",
        date(1980, 4, 2),
        "鉄筋工",
        "foreman",
        "enrolled",
        "enrolled",
        "exempt",
        kentaikyo=True,
        safety_education=("職長・安全衛生責任者教育",),
        qualifications=("玉掛け技能講習", "1級鉄筋施工技能士"),
        level=3,
    ),
    RosterWorker(
        "20000000000003",
        "グエン ヴァン アン",
        "グエン ヴァン アン",
        date(1998, 4, 1),
        "鉄筋工",
        "worker",
        "enrolled",
        "enrolled",
        "enrolled",
        kentaikyo=True,
        level=1,
        residence_status="特定技能1号",
        residence_expiry=date(2025, 3, 31),
    ),
    RosterWorker(
        "20000000000004",
        "佐藤 次郎",
        "サトウ ジロウ",
        date(1970, 1, 1),
        "鉄筋工",
        "team_leader",
        "not_enrolled",
        "not_enrolled",
        "not_enrolled",
        kentaikyo=False,
        chutaikyo=True,
        qualifications=("玉掛け技能講習",),
        show_qualifications=False,
        level=None,
    ),
]


def csv_rows(data: bytes, codec: str = "utf-8-sig") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode(codec), newline="")))


def test_statutory_columns_level_and_residence_are_present() -> None:
    for column in (
        "氏名",
        "生年月日",
        "年齢",
        "職種",
        "健康保険",
        "年金保険",
        "雇用保険",
        "建退共・中退共",
        "安全衛生教育",
        "資格",
        "レベル",
        "在留資格",
        "在留期間満了日",
    ):
        assert column in COLUMNS


def test_rows_carry_the_statutory_items_in_japanese() -> None:
    rows = {r["技能者ID"]: r for r in csv_rows(roster_csv(HEADER, WORKERS).data)}
    yamada = rows["20000000000002"]
    assert (yamada["生年月日"], yamada["年齢"]) == ("1980-04-02", "43")  # counted on 作成日 2024-04-01
    assert (yamada["健康保険"], yamada["年金保険"], yamada["雇用保険"]) == ("加入", "加入", "適用除外")
    assert yamada["建退共・中退共"] == "建退共"
    assert yamada["安全衛生教育"] == "職長・安全衛生責任者教育"
    assert yamada["資格"] == "玉掛け技能講習、1級鉄筋施工技能士"
    assert (yamada["立場"], yamada["レベル"], yamada["在留資格"]) == ("職長", "レベル3", "")
    nguyen = rows["20000000000003"]
    assert (nguyen["年齢"], nguyen["在留資格"], nguyen["在留期間満了日"]) == ("26", "特定技能1号", "2025-03-31")
    sato = rows["20000000000004"]
    assert (sato["健康保険"], sato["建退共・中退共"], sato["資格"], sato["レベル"]) == (
        "未加入",
        "中退共",
        OPTED_OUT,
        "未評価",
    )


def test_rows_are_numbered_in_kana_order() -> None:
    rows = csv_rows(roster_csv(HEADER, WORKERS).data)
    assert [(r["番号"], r["フリガナ"]) for r in rows] == [
        ("1", "グエン ヴァン アン"),
        ("2", "サトウ ジロウ"),
        ("3", "ヤマダ タロウ"),
    ]


def test_roster_csv_in_shift_jis() -> None:
    out = roster_csv(HEADER, WORKERS, encoding="shift_jis")
    assert csv_rows(out.data, "cp932") == csv_rows(roster_csv(HEADER, WORKERS).data)


def test_split_training_puts_education_in_item_5_and_the_rest_in_item_6() -> None:
    education, quals = split_training(
        ["T01", "T03", "T05", "K01", "120"], {code: row["name"] for code, row in qualifications().items()}
    )
    assert education == ("足場の組立て等特別教育", "職長・安全衛生責任者教育")
    assert quals == ("玉掛け技能講習", "登録鉄筋基幹技能者", "1級建築施工管理技士")


@pytest.mark.skipif(not FONT_AVAILABLE, reason="fonts-ipafont-gothic not installed")
def test_pdf_embeds_the_japanese_font_and_shows_header_and_columns() -> None:
    data = roster_pdf(HEADER, WORKERS)
    assert data.startswith(b"%PDF")
    assert_japanese_font_embedded(data)
    body = text(data)
    for needle in (
        "作業員名簿",
        "中央区〇〇ビル新築工事",
        "12345678901234",
        "下請鉄筋工業",
        "98765432109876",
        "2次",
        "一次工業",
        "所長現場代理",
        "健康保険",
        "年金保険",
        "雇用保険",
        "建退共・中退共",
        "安全衛生教育",
        "資格",
        "レベル",
        "在留資格",
        "山田太郎",
        "昭和55年4月2日",  # the printed form in 和暦
        "特定技能1号",
        "令和7年3月31日",
        "レベル3",
        "適用除外",
    ):
        assert needle in body, needle


@pytest.mark.skipif(not FONT_AVAILABLE, reason="fonts-ipafont-gothic not installed")
def test_pdf_is_deterministic() -> None:
    assert roster_pdf(HEADER, WORKERS) == roster_pdf(HEADER, WORKERS)
