"""和暦 YYMMDD dates: no era letter, so the era is inferred (zengin.md §1)."""

from __future__ import annotations

import datetime as dt

import pytest

from api.payments.zengin import ZenginError, decode_wareki, encode_wareki

TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("080606", dt.date(2026, 6, 6)),  # S7: 「080606（令和8年6月6日）」
        ("280503", dt.date(2016, 5, 3)),  # S2: 「280503→平成28年5月3日」 (令和28 would be 2046)
        ("010501", dt.date(2019, 5, 1)),
        ("310430", dt.date(2019, 4, 30)),
        ("091122", dt.date(2027, 11, 22)),  # within a year ahead stays 令和
    ],
)
def test_decode(text: str, expected: dt.date) -> None:
    assert decode_wareki(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["310501", "130230", "08111", "0811a0", "000000"])
def test_decode_refuses(text: str) -> None:
    with pytest.raises(ZenginError) as err:
        decode_wareki(text, today=TODAY)
    assert err.value.code == "bad_date"


def test_encode() -> None:
    assert encode_wareki(dt.date(2019, 4, 30)) == "310430"
    assert encode_wareki(dt.date(2019, 5, 1)) == "010501"
    assert encode_wareki(dt.date(2026, 11, 20)) == "081120"
    with pytest.raises(ZenginError):
        encode_wareki(dt.date(1989, 1, 7))  # 昭和
