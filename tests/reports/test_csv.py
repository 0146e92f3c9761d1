"""CSV encodings for Excel: UTF-8 with BOM, Shift_JIS (cp932), and what happens to characters cp932 lacks."""

from __future__ import annotations

import csv
import io

import pytest

from api.reports import ReportError, write_csv


def rows_of(data: bytes, codec: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(codec), newline="")))


HEADER = ("氏名", "現場名")


def test_utf8_has_bom_and_crlf() -> None:
    out = write_csv(HEADER, [["山田 太郎", "〇〇ビル新築工事"]])
    assert out.data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in out.data
    assert rows_of(out.data, "utf-8-sig") == [list(HEADER), ["山田 太郎", "〇〇ビル新築工事"]]
    assert out.media_type == "text/csv; charset=utf-8"


def test_shift_jis_decodes_as_cp932_without_bom() -> None:
    out = write_csv(HEADER, [["髙橋 一郎", "①号棟"]], encoding="shift_jis")
    assert not out.data.startswith(b"\xef\xbb\xbf")
    assert rows_of(out.data, "cp932") == [list(HEADER), ["髙橋 一郎", "①号棟"]]
    assert out.media_type == "text/csv; charset=Shift_JIS"


def test_shift_jis_maps_wave_dash_and_minus_to_their_cp932_twins() -> None:
    out = write_csv(HEADER, [["佐藤", "A〜C棟 −1階"]], encoding="shift_jis")
    assert rows_of(out.data, "cp932")[1] == ["佐藤", "A～C棟 －1階"]
    assert out.replacements == ()


def test_unencodable_character_is_refused_by_default_naming_the_cell() -> None:
    with pytest.raises(ReportError) as err:
        write_csv(HEADER, [["山田", "x"], ["𠮷田 花子", "y"]], encoding="shift_jis")
    assert err.value.code == "not_encodable"
    assert "row 2 氏名: '𠮷'" in err.value.message


def test_unencodable_character_can_be_replaced_with_geta_and_is_reported() -> None:
    out = write_csv(HEADER, [["𠮷田 花子", "y"]], encoding="shift_jis", unencodable="replace")
    assert rows_of(out.data, "cp932")[1] == ["〓田 花子", "y"]
    assert [(r.row, r.column, r.char) for r in out.replacements] == [(1, "氏名", "𠮷")]


def test_utf8_keeps_every_character() -> None:
    out = write_csv(HEADER, [["𠮷田 花子", "y"]])
    assert rows_of(out.data, "utf-8-sig")[1][0] == "𠮷田 花子"


def test_formula_like_cells_are_neutralised() -> None:
    out = write_csv(HEADER, [['=HYPERLINK("x")', "+1"], ["@a", "-b"], ["-31", "-1.5"]])
    body = rows_of(out.data, "utf-8-sig")[1:]
    assert body == [['\'=HYPERLINK("x")', "'+1"], ["'@a", "'-b"], ["-31", "-1.5"]]  # numbers stay numbers


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(ReportError):
        write_csv(HEADER, [], encoding="latin-1")  # type: ignore[arg-type]
