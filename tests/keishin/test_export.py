"""CSV (UTF-8 with BOM, Shift_JIS) and PDF output of 別紙一 and 別紙二."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest

from api.keishin import export
from api.keishin.completed_works import CompletedWorks, compute_completed_works
from api.keishin.errors import KeishinError
from api.keishin.roster import compute_roster
from api.keishin.roster_models import HeldQualification, Roster, Technician

from .seed import APPLICATION_DATE, BASE_DATE, FISCAL_YEARS, kagawa_three, seed_contracts

FONT_AVAILABLE = any(p.is_file() for p in export.FONT_CANDIDATES)


def seed_roster() -> Roster:
    return compute_roster(
        technicians=kagawa_three(), base_date=BASE_DATE, application_date=APPLICATION_DATE, applied_industries=["29"]
    )


def seed_works() -> CompletedWorks:
    return compute_completed_works(
        contracts=seed_contracts(),
        fiscal_years=FISCAL_YEARS,
        averaging_years=2,
        applied_industries=["05", "29"],
        application_date=APPLICATION_DATE,
    )


def rows_of(data: bytes, codec: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(codec), newline="")))


def test_roster_csv_utf8_with_bom_in_form_order() -> None:
    data = export.roster_csv(seed_roster(), encoding="utf-8-bom")
    assert data.startswith(b"\xef\xbb\xbf")
    header, *rows = rows_of(data, "utf-8-sig")
    assert header[:5] == ["通番", "新規掲載者", "氏名", "生年月日", "審査基準日現在の満年齢"]
    assert header[5:11] == [
        "業種コード1",
        "有資格区分コード1",
        "講習受講1",
        "業種コード2",
        "有資格区分コード2",
        "講習受講2",
    ]
    # The seed's 別紙二 rows (昭和41年9月19日 … as printed; 講習受講 2 = not attended).
    assert rows == [
        ["1", "", "香川　一郎", "昭和41年9月19日", "49", "01", "113", "2", "05", "113", "2", ""],
        ["2", "", "香川　二郎", "昭和43年1月11日", "47", "01", "113", "2", "29", "11C", "2", ""],
        ["3", "", "香川　三郎", "昭和55年12月2日", "34", "01", "113", "2", "99", "11C", "2", ""],
    ]


def test_roster_csv_decodes_in_shift_jis() -> None:
    data = export.roster_csv(seed_roster(), encoding="shift_jis")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert rows_of(data, "shift_jis") == rows_of(export.roster_csv(seed_roster()), "utf-8-sig")
    assert b"\r\n" in data


def test_text_shift_jis_cannot_hold_is_refused_not_mangled() -> None:
    odd = Technician(
        "x", "𠮷田　太郎", date(1980, 1, 1), date(2000, 1, 1), (HeldQualification("113", date(2005, 1, 1)),)
    )
    roster = compute_roster(
        technicians=[odd], base_date=BASE_DATE, application_date=APPLICATION_DATE, applied_industries=["01"]
    )
    with pytest.raises(KeishinError) as exc:
        export.roster_csv(roster, encoding="shift_jis")
    assert exc.value.code == "not_encodable" and "𠮷" in exc.value.message
    assert "𠮷田　太郎" in export.roster_csv(roster).decode("utf-8-sig")


def test_completed_works_csv_pattern_2_in_form_order() -> None:
    header, *rows = rows_of(export.completed_works_csv(seed_works(), encoding="shift_jis"), "shift_jis")
    assert header[:7] == [
        "項番",
        "業種コード",
        "工事の種類",
        "審査対象事業年度 完成工事高",
        "審査対象事業年度 元請完成工事高",
        "前審査対象事業年度(3年平均は前々を含む) 完成工事高",
        "前審査対象事業年度(3年平均は前々を含む) 元請完成工事高",
    ]
    assert [(r[0], r[1], r[3], r[5]) for r in rows] == [
        ("32", "050", "40000", "40000"),
        ("32", "290", "10000", "10000"),
        ("32", "300", "50000", "50000"),
        ("32", "051", "0", "0"),
        ("33", "", "0", "0"),
        ("34", "", "50000", "50000"),
    ]
    assert rows[2][2] == "とび・土工・コンクリート・解体工事（経過措置）"


def test_totals_csv_counts_points_per_industry() -> None:
    header, *rows = rows_of(export.roster_totals_csv(seed_roster()), "utf-8-sig")
    by_code = {r[0]: r for r in rows}
    assert header[:5] == ["業種コード", "業種", "審査対象", "技術職員数", "合計点"]
    assert by_code["99"][2:5] == ["1", "3", "15"]


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(1966, 9, 19), "昭和41年9月19日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
    ],
)
def test_japanese_era_dates(day: date, text: str) -> None:
    assert export.wareki(day) == text


@pytest.mark.skipif(not FONT_AVAILABLE, reason="fonts-ipafont-gothic not installed")
def test_pdfs_embed_the_japanese_font() -> None:
    pdfs = (export.roster_pdf(seed_roster(), business_name="株式会社香川"), export.completed_works_pdf(seed_works()))
    for pdf in pdfs:
        assert pdf.startswith(b"%PDF-")
        # A TrueType subset of IPA Gothic is embedded (FontFile2), not merely referenced by name.
        assert re.search(rb"/BaseFont /[A-Z]{6}\+IPAGothic", pdf)
        assert b"/FontFile2" in pdf


@pytest.mark.skipif(not FONT_AVAILABLE, reason="fonts-ipafont-gothic not installed")
def test_pdf_text_reads_back() -> None:
    pypdf = pytest.importorskip("pypdf")
    text = pypdf.PdfReader(io.BytesIO(export.roster_pdf(seed_roster()))).pages[0].extract_text()
    assert "技術職員名簿" in text and "昭和41年9月19日" in text and "11C" in text
    works = pypdf.PdfReader(io.BytesIO(export.completed_works_pdf(seed_works()))).pages[0].extract_text()
    assert "50,000" in works and "法面処理工事" in works


def test_missing_font_is_a_clear_error() -> None:
    with pytest.raises(KeishinError) as exc:
        export.roster_pdf(seed_roster(), font_path=Path("/nonexistent/ipag.ttf"))
    assert exc.value.code == "font_missing" and "fonts-ipafont-gothic" in exc.value.message
