"""Read back a PDF: which fonts are embedded, and the text with line breaks removed (cells wrap)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from api.pdf import FONT_CANDIDATES

FONT_AVAILABLE = any(p.is_file() for p in FONT_CANDIDATES)


def embedded_fonts(data: bytes) -> set[str]:
    """BaseFont names of fonts whose file is embedded in the PDF (FontFile2 = TrueType)."""
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                names.add(str(font["/BaseFont"]))
    return names


def text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")


def assert_japanese_font_embedded(data: bytes) -> None:
    fonts = embedded_fonts(data)
    # reportlab embeds a subset: "AAAAAA+IPAGothic"
    assert any(name.endswith("+IPAGothic") for name in fonts), fonts
