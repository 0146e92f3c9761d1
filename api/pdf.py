"""PDF building blocks shared by the reports: a Japanese TrueType font embedded as a subset, and grid tables.

Same approach as api/keishin/export.py (IPA Gothic, reportlab, Paragraph cells that wrap), factored out so every
report renders alike; keishin can move onto it later. reportlab's built-in CID fonts (HeiseiKakuGo-W5) are *not*
embedded and render only where the viewer has the font, so a TrueType file is required and its absence is an error.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from api.domain_errors import DomainError

# Debian's fonts-ipafont-gothic; the second path is the alternatives link it installs.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"),
    Path("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"),
)


@dataclass(frozen=True)
class Section:
    """A captioned grid: `header` then `rows`, column widths relative to each other, `right` = right-aligned columns."""

    caption: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float]
    right: frozenset[int] = field(default_factory=frozenset)
    fraction: float = 1.0  # of the text width; narrow tables (statistics) need not span the page


def find_font(font_path: Path | None = None) -> Path:
    candidates = (font_path,) if font_path else FONT_CANDIDATES
    for path in candidates:
        if path and path.is_file():
            return path
    raise DomainError(
        "font_missing",
        f"no Japanese TrueType font at {', '.join(str(p) for p in candidates)}; install fonts-ipafont-gothic",
        "font_path",
    )


@functools.cache
def register_font(path: Path) -> str:
    # reportlab's font registry is process-wide: register each file once instead of re-parsing 6 MB per document.
    name = f"JP-{path.stem}"
    pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


def build_pdf(
    *,
    title: str,
    head: Sequence[str],
    sections: Sequence[Section],
    font_path: Path | None = None,
    wide: bool = True,
    notes: Sequence[str] = (),
) -> bytes:
    """A4 (landscape when `wide`): title, header lines, the sections, then notes. Deterministic bytes."""
    font = register_font(find_font(font_path))
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=10)
    cell = ParagraphStyle("cell", fontName=font, fontSize=7, leading=8.5)
    heading = ParagraphStyle("title", fontName=font, fontSize=13, leading=16, spaceAfter=4)
    page = landscape(A4) if wide else A4
    margin = 10 * mm
    story: list = [Paragraph(escape(title), heading)]
    story += [Paragraph(escape(line), body) for line in head]
    for section in sections:
        story.append(Spacer(1, 4 * mm))
        if section.caption:
            story += [Paragraph(escape(section.caption), body), Spacer(1, 1.5 * mm)]
        story.append(_table(section, page[0] - 2 * margin, cell, font))
    if notes:
        story.append(Spacer(1, 3 * mm))
        story += [Paragraph(escape(line), body) for line in notes]
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
        # The canvas starts in the embedded font: its default (Helvetica, one of the base 14)
        # would be declared on every page without being embedded, which an archive check refuses.
        initialFontName=font,
    )
    doc.build(story)
    return buf.getvalue()


def _table(section: Section, width: float, style: ParagraphStyle, font: str) -> Table:
    # Paragraph cells wrap long Japanese text inside fixed-width columns instead of running off the page.
    right = ParagraphStyle("num", parent=style, alignment=2)
    data = [[Paragraph(escape(h), style) for h in section.header]]
    for row in section.rows or [["" for _ in section.header]]:
        data.append([Paragraph(escape(v), right if k in section.right else style) for k, v in enumerate(row)])
    scale = width * section.fraction / sum(section.widths)
    table = Table(data, colWidths=[w * scale for w in section.widths], repeatRows=1, hAlign="LEFT")
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


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
