"""Payer names as banks send them vs. as people type them (zengin.md §6)."""

from __future__ import annotations

import pytest

from api.payments.zengin import ZenginError, extract_payer_reference, normalize_payer_name, to_zengin_kana


@pytest.mark.parametrize(
    ("bank_form", "registered_form"),
    [
        ("ｶ)ｻｸﾗｹﾝｾﾂ", "サクラケンセツ"),
        ("ｻｸﾗｹﾝｾﾂ(ｶ", "サクラケンセツ"),
        ("ｶ) ｻｸﾗ ｹﾝｾﾂ", "カブシキガイシャ　サクラケンセツ"),
        ("ｻｸﾗｹﾝｾﾂ(ｶ", "サクラケンセツカブシキガイシャ"),
        ("ｻｸﾗ(ｶ)ﾁﾊﾞｼﾃﾝ", "サクラチバシテン"),  # abbreviation in the middle
        ("ﾄﾞ)ﾐﾄﾞﾘﾃﾞﾝｾﾂ", "合同会社ミドリデンセツ"),
        ("ﾕ)ﾔﾏﾀﾞｺｳﾑﾃﾝ", "㈲ヤマダコウムテン"),
        ("ｼﾖｳｼﾞ ﾀﾛｳ", "しょうじ たろう"),  # banks have no small kana
        ("ｵ-ﾌﾟﾝ", "オープン"),
        ("ｻﾞｲ)ｹﾝｾﾂｷｷﾝ", "ケンセツキキン"),
        ("ABC ｺｳｷﾞﾖｳ", "ａｂｃコウギョウ"),
    ],
)
def test_bank_and_registered_forms_match(bank_form: str, registered_form: str) -> None:
    assert normalize_payer_name(bank_form) == normalize_payer_name(registered_form)


def test_a_leading_ka_without_parenthesis_is_part_of_the_name() -> None:
    assert normalize_payer_name("ｶﾄｳ ﾀﾛｳ") == "カトウタロウ"
    assert normalize_payer_name("ｶ)ｶﾄｳｼﾖｳﾃﾝ") == "カトウシヨウテン"


def test_different_names_stay_different() -> None:
    assert normalize_payer_name("ｻｸﾗｹﾝｾﾂ") != normalize_payer_name("ｻｸﾗｺｳｷﾞﾖｳ")
    assert normalize_payer_name("ｶﾞｸ)ﾊﾞﾊﾞ") != normalize_payer_name("ﾊﾊ")  # dakuten are not dropped


def test_to_zengin_kana() -> None:
    assert to_zengin_kana("カブシキガイシャ　さくらケンセツ") == "ｶﾌﾞｼｷｶﾞｲｼﾔ ｻｸﾗｹﾝｾﾂ"
    assert to_zengin_kana("ヴィラ・ｐａｒｋ") == "ｳﾞｲﾗ･PARK"
    assert to_zengin_kana("ﾔﾏﾀﾞ") == "ﾔﾏﾀﾞ"
    with pytest.raises(ZenginError) as err:
        to_zengin_kana("山田")
    assert err.value.code == "bad_encoding"


@pytest.mark.parametrize(
    ("name", "reference", "rest"),
    [
        ("1234567890 ﾔﾏﾀﾞ ﾀﾛｳ", "1234567890", "ﾔﾏﾀﾞ ﾀﾛｳ"),  # MUFG: 番号＋スペース＋依頼人名
        ("ﾔﾏﾀﾞ ﾀﾛｳ INV0042", "INV0042", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("ABC ｹﾝｾﾂ", None, "ABC ｹﾝｾﾂ"),  # letters only: a company name, not a reference
        ("123 ﾔﾏﾀﾞ", None, "123 ﾔﾏﾀﾞ"),  # too short to be a reference
        ("ﾔﾏﾀﾞ ﾀﾛｳ", None, "ﾔﾏﾀﾞ ﾀﾛｳ"),
    ],
)
def test_extract_payer_reference(name: str, reference: str | None, rest: str) -> None:
    assert extract_payer_reference(name) == (reference, rest)
