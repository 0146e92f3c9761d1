"""別紙一 / 別紙二 as CSV (UTF-8 with BOM, or Shift_JIS for older Excel) and as PDF with an embedded Japanese font.

Columns follow the forms left to right. Shift_JIS here means Windows-31J (cp932), the variant Japanese Excel reads;
any text it cannot encode is refused with the offending character rather than replaced, because a silently changed
name on an official form is worse than an error.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Literal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from api.keishin.completed_works import CompletedWorks, Form1Row
from api.keishin.errors import KeishinError
from api.keishin.roster_models import Roster, RosterRow

CsvEncoding = Literal["utf-8-bom", "shift_jis"]
_CODECS = {"utf-8-bom": "utf-8-sig", "shift_jis": "cp932"}

# Debian's fonts-ipafont-gothic; the second path is the alternatives link it installs.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"),
    Path("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"),
)

FORM2_COLUMNS = (
    "通番",
    "新規掲載者",
    "氏名",
    "生年月日",
    "審査基準日現在の満年齢",
    "業種コード1",
    "有資格区分コード1",
    "講習受講1",
    "業種コード2",
    "有資格区分コード2",
    "講習受講2",
    "監理技術者資格者証交付番号",
)
FORM1_COLUMNS = (
    "項番",
    "業種コード",
    "工事の種類",
    "審査対象事業年度 完成工事高",
    "審査対象事業年度 元請完成工事高",
    "前審査対象事業年度(3年平均は前々を含む) 完成工事高",
    "前審査対象事業年度(3年平均は前々を含む) 元請完成工事高",
    "完成工事高計算表 前審査対象事業年度",
    "完成工事高計算表 前々審査対象事業年度",
    "元請完成工事高計算表 前審査対象事業年度",
    "元請完成工事高計算表 前々審査対象事業年度",
    "年間平均完成工事高",
    "年間平均元請完成工事高",
)
TOTALS_COLUMNS = ("業種コード", "業種", "審査対象", "技術職員数", "合計点", "6点", "5点", "4点", "3点", "2点", "1点")

_ERAS = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1868, 10, 23), "明治"),
)


def wareki(day: date) -> str:
    """A date in the Japanese era form the paper forms use (1966-09-19 → 昭和41年9月19日)."""
    for start, era in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    raise KeishinError("date_before_meiji", f"{day.isoformat()} is before the 明治 era", None)


# --- rows in form order --------------------------------------------------------------------------------------------


def form2_rows(roster: Roster) -> list[list[str]]:
    return [_form2_row(row) for row in roster.rows]


def _form2_row(row: RosterRow) -> list[str]:
    cells = [str(row.serial), "1" if row.newly_listed else "", row.name, wareki(row.birth_date), str(row.age)]
    for k in range(2):
        if k < len(row.groups):
            g = row.groups[k]
            cells += [g.industry_code, g.qualification_code, "1" if g.lecture else "2"]
        else:
            cells += ["", "", ""]
    return cells + [row.supervisor_certificate_no]


def form1_rows(works: CompletedWorks) -> list[list[str]]:
    return [_form1_row(row) for row in works.rows]


def _form1_row(row: Form1Row) -> list[str]:
    def year(k: int) -> tuple[str, str]:
        return (str(row.years[k].completed), str(row.years[k].prime)) if k < len(row.years) else ("", "")

    prior_c, prior_p = year(1)
    before_c, before_p = year(2)
    return [
        str(row.item_no),
        row.code,
        row.name,
        str(row.current.completed),
        str(row.current.prime),
        str(row.prior.completed),
        str(row.prior.prime),
        prior_c,
        before_c,
        prior_p,
        before_p,
        str(row.average.completed),
        str(row.average.prime),
    ]


def totals_rows(roster: Roster) -> list[list[str]]:
    return [
        [t.industry_code, t.name, "1" if t.applied else "", str(t.headcount), str(t.points)]
        + [str(t.by_points.get(p, 0)) for p in (6, 5, 4, 3, 2, 1)]
        for t in roster.totals
    ]


# --- CSV -----------------------------------------------------------------------------------------------------------


def roster_csv(roster: Roster, *, encoding: CsvEncoding = "utf-8-bom") -> bytes:
    return _csv(FORM2_COLUMNS, form2_rows(roster), encoding)


def roster_totals_csv(roster: Roster, *, encoding: CsvEncoding = "utf-8-bom") -> bytes:
    return _csv(TOTALS_COLUMNS, totals_rows(roster), encoding)


def completed_works_csv(works: CompletedWorks, *, encoding: CsvEncoding = "utf-8-bom") -> bytes:
    return _csv(FORM1_COLUMNS, form1_rows(works), encoding)


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]], encoding: CsvEncoding) -> bytes:
    if encoding not in _CODECS:
        raise KeishinError("invalid_encoding", f"encoding must be one of {sorted(_CODECS)}", "encoding")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # CRLF: what Excel on Windows expects
    writer.writerow(header)
    writer.writerows(rows)
    text = buf.getvalue()
    try:
        return text.encode(_CODECS[encoding])
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        line = text.count("\n", 0, exc.start)
        raise KeishinError(
            "not_encodable",
            f"row {line}: {bad!r} cannot be written in Shift_JIS; use the UTF-8 CSV",
            f"rows[{line - 1}]",
        ) from exc


# --- PDF -----------------------------------------------------------------------------------------------------------


def find_font(font_path: Path | None = None) -> Path:
    candidates = (font_path,) if font_path else FONT_CANDIDATES
    for path in candidates:
        if path and path.is_file():
            return path
    raise KeishinError(
        "font_missing",
        f"no Japanese TrueType font at {', '.join(str(p) for p in candidates)}; install fonts-ipafont-gothic",
        "font_path",
    )


@functools.cache
def _register_font(path: Path) -> str:
    # reportlab keeps registered fonts in its own process-wide registry; registering once per path keeps that
    # registry from growing and avoids re-parsing a 6 MB font for every document. reportlab embeds a subset.
    name = f"JP-{path.stem}"
    pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


def roster_pdf(roster: Roster, *, business_name: str = "", font_path: Path | None = None) -> bytes:
    head = [f"審査基準日 {wareki(roster.base_date)}", f"申請日 {wareki(roster.application_date)}"]
    return _pdf(
        "別紙二 技術職員名簿",
        business_name,
        head,
        font_path,
        [
            ("", [list(FORM2_COLUMNS)] + form2_rows(roster), (4, 4, 12, 11, 5, 5, 6, 5, 5, 6, 5, 12), 99),
            (
                "業種別の技術職員数と点数",
                [list(TOTALS_COLUMNS)] + totals_rows(roster),
                (5, 24, 5, 6, 6, 4, 4, 4, 4, 4, 4),
                3,
            ),
        ],
    )


def completed_works_pdf(works: CompletedWorks, *, business_name: str = "", font_path: Path | None = None) -> bytes:
    years = " / ".join(f"{wareki(fy.start)}〜{wareki(fy.end)}" for fy in works.fiscal_years)
    head = [
        f"計算基準の区分 {'1 (2年平均)' if works.averaging_years == 2 else '2 (3年平均)'}",
        f"事業年度 (新しい順) {years}",
        "単位 千円",
    ]
    widths = (3, 4, 14, 7, 7, 8, 8, 7, 7, 7, 7, 7, 7)
    return _pdf(
        "別紙一 工事種類別完成工事高・工事種類別元請完成工事高",
        business_name,
        head,
        font_path,
        [("", [list(FORM1_COLUMNS)] + form1_rows(works), widths, 3)],
    )


# caption, rows (header first), relative column widths, index of the first numeric column
Section = tuple[str, list[list[str]], Sequence[float], int]


def _pdf(
    title: str, business_name: str, head: Sequence[str], font_path: Path | None, sections: Sequence[Section]
) -> bytes:
    font = _register_font(find_font(font_path))
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=10)
    cell = ParagraphStyle("cell", fontName=font, fontSize=7, leading=8.5)
    heading = ParagraphStyle("title", fontName=font, fontSize=13, leading=16, spaceAfter=4)
    page = landscape(A4)
    margin = 10 * mm
    story = [Paragraph(_escape(title), heading)]
    if business_name:
        story.append(Paragraph(f"商号又は名称 {_escape(business_name)}", body))
    story += [Paragraph(_escape(line), body) for line in head]
    for caption, rows, weights, numeric_from in sections:
        story.append(Spacer(1, 4 * mm))
        if caption:
            story += [Paragraph(_escape(caption), body), Spacer(1, 2 * mm)]
        story.append(_table(rows, weights, numeric_from, page[0] - 2 * margin, cell, font))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=page,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title,
        invariant=True,
    )
    doc.build(story)
    return buf.getvalue()


def _table(
    rows: list[list[str]], weights: Sequence[float], numeric_from: int, width: float, style: ParagraphStyle, font: str
) -> Table:
    # Paragraphs let long Japanese headers wrap inside fixed-width cells instead of overflowing the page. Amounts
    # are printed as on the paper form (40,000), right-aligned; the CSV keeps plain integers for machines.
    right = ParagraphStyle("num", parent=style, alignment=2)
    data = [[Paragraph(_escape(value), style) for value in rows[0]]]
    for row in rows[1:]:
        data.append(
            [
                Paragraph(f"{int(v):,}", right) if k >= numeric_from and v.isdigit() else Paragraph(_escape(v), style)
                for k, v in enumerate(row)
            ]
        )
    scale = width / sum(weights)
    table = Table(data, colWidths=[w * scale for w in weights], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
