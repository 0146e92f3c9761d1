"""CSV for Excel users: UTF-8 with a BOM (the default), or Shift_JIS on request.

"Shift_JIS" means Windows-31J (Python's cp932), the variant Japanese Excel reads. Before encoding, characters that
have a cp932 twin are mapped to it (〜 U+301C → ～ U+FF5E, − U+2212 → － U+FF0D, …): Unicode text from macOS or
JIS-mapped sources uses the first form and would otherwise fail on characters every Japanese user thinks of as
ordinary. What still cannot be encoded (𠮷 U+20BB7 and other characters outside JIS X 0208 + the IBM/NEC
extensions, emoji, hangul …) is, by choice of the caller:

* ``unencodable="refuse"`` (default): a `ReportError` naming every offending cell (row, column, character), because a
  silently altered name on a 作業員名簿 or a 建退共 report is worse than an error — the user can take the UTF-8 file;
* ``unencodable="replace"``: the character becomes 〓 (U+3013 GETA MARK, the customary Japanese placeholder for a
  missing glyph, itself in cp932) and every replacement is returned in `CsvFile.replacements`, so the caller can
  show a warning next to the download.

Cells starting with = + - @ or a tab / CR (other than a plain negative number) get a leading apostrophe so Excel
does not run them as formulas (CSV injection); the apostrophe is visible in other tools, a price worth paying for
text typed by other users.
Lines end in CRLF, which Excel on Windows expects.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from api.reports.errors import ReportError

Encoding = Literal["utf-8-bom", "shift_jis"]
Unencodable = Literal["refuse", "replace"]
GETA = "〓"
_CODECS = {"utf-8-bom": "utf-8-sig", "shift_jis": "cp932"}
MEDIA_TYPES = {"utf-8-bom": "text/csv; charset=utf-8", "shift_jis": "text/csv; charset=Shift_JIS"}

# Unicode → the cp932 code point Windows uses for the same JIS character.
_CP932_TWINS = str.maketrans(
    {
        "\u301c": "\uff5e",  # WAVE DASH → FULLWIDTH TILDE
        "\u2016": "\u2225",  # DOUBLE VERTICAL LINE → PARALLEL TO
        "\u2212": "\uff0d",  # MINUS SIGN → FULLWIDTH HYPHEN-MINUS
        "\u2014": "\u2015",  # EM DASH → HORIZONTAL BAR
        "\u00a2": "\uffe0",  # CENT SIGN → FULLWIDTH CENT SIGN
        "\u00a3": "\uffe1",  # POUND SIGN → FULLWIDTH POUND SIGN
        "\u00ac": "\uffe2",  # NOT SIGN → FULLWIDTH NOT SIGN
        "\u00a6": "\uffe4",  # BROKEN BAR → FULLWIDTH BROKEN BAR
    }
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True, slots=True)
class Replacement:
    row: int  # 1 = first data row (the header is row 0)
    column: str
    char: str


@dataclass(frozen=True, slots=True)
class CsvFile:
    data: bytes
    encoding: Encoding
    replacements: tuple[Replacement, ...] = ()

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.encoding]


def write_csv(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    encoding: Encoding = "utf-8-bom",
    unencodable: Unencodable = "refuse",
) -> CsvFile:
    if encoding not in _CODECS:
        raise ReportError("invalid_encoding", f"encoding must be one of {sorted(_CODECS)}", "encoding")
    if unencodable not in ("refuse", "replace"):
        raise ReportError("invalid_unencodable", "unencodable must be 'refuse' or 'replace'", "unencodable")
    table = [list(header)] + [[_cell(v) for v in row] for row in rows]
    replacements: list[Replacement] = []
    if encoding == "shift_jis":
        table = [[v.translate(_CP932_TWINS) for v in row] for row in table]
        bad = _unencodable_cells(table)
        if bad and unencodable == "refuse":
            shown = "; ".join(f"row {r.row} {r.column}: {r.char!r}" for r in bad[:20])
            more = f" (and {len(bad) - 20} more)" if len(bad) > 20 else ""
            raise ReportError(
                "not_encodable",
                f"cannot be written in Shift_JIS: {shown}{more}; use the UTF-8 CSV or ask for replacement with 〓",
                "encoding",
            )
        for r in bad:
            table[r.row] = [_replace(v) for v in table[r.row]]
        replacements = bad
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(table)
    return CsvFile(buf.getvalue().encode(_CODECS[encoding]), encoding, tuple(replacements))


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):  # -31 is a number, not a formula
        return "'" + text
    return text


def _unencodable_cells(table: list[list[str]]) -> list[Replacement]:
    # Fast path: one encode of everything; only a failure pays for the per-cell scan that names the culprits.
    try:
        "\x1f".join("\x1e".join(row) for row in table).encode("cp932")
        return []
    except UnicodeEncodeError:
        pass
    header = table[0]
    out = []
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            for ch in value:
                try:
                    ch.encode("cp932")
                except UnicodeEncodeError:
                    out.append(Replacement(r, header[c] if c < len(header) else str(c), ch))
    return out


def _replace(value: str) -> str:
    return "".join(ch if _encodable(ch) else GETA for ch in value)


def _encodable(ch: str) -> bool:
    try:
        ch.encode("cp932")
        return True
    except UnicodeEncodeError:
        return False
