"""Pure parsers of both licence paths: era dates, JIS X 0208, TLV, check digit, common data,
change file, the lawful expiry — and that the edge and server copies agree."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from api.licence import jpdate
from edge_reader.licence import era, number
from edge_reader.licence.changes import parse_changes
from edge_reader.licence.errors import LicenceDataError
from edge_reader.licence.jis import decode_jisx0208
from edge_reader.licence.model import parse_common_data, parse_pin_setting
from edge_reader.licence.tlv import parse_tlv, tlv_dict
from tests.licence.cardface import lawful_expiry
from tests.pcsc_stack.licence import ChangeEntry, LicenceHolder, jis, tlv


# --- era dates -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("4140913", dt.date(2002, 9, 13)),  # the JDCardReaderCore README example: 平成14年09月13日
        ("1450101", dt.date(1912, 1, 1)),  # 明治45年
        ("2010730", dt.date(1912, 7, 30)),  # 大正元年 = first day of 大正
        ("3641231", dt.date(1989, 12, 31)),  # 昭和64年 past the era's end: arithmetic, accepted
        ("4010108", dt.date(1989, 1, 8)),  # 平成元年 first day
        ("4330601", dt.date(2021, 6, 1)),  # 平成33年 on licences printed before 令和 was known
        ("5010501", dt.date(2019, 5, 1)),  # 令和元年
        ("5071231", dt.date(2025, 12, 31)),
    ],
)
def test_era_codes(code, expected):
    assert era.parse_era_code(code) == expected
    name = era.BY_DIGIT[int(code[0])].name
    assert jpdate.era_to_date(name, int(code[1:3]), int(code[3:5]), int(code[5:7])) == expected


@pytest.mark.parametrize("digit", "12345")
def test_not_held_is_era_plus_zeros(digit):
    assert era.parse_era_code(f"{digit}000000") is None


@pytest.mark.parametrize(
    "code",
    [
        "4010107",  # 平成元年1月7日: still 昭和
        "5010430",  # 令和元年4月30日: still 平成
        "6010101",  # no era 6
        "4001010",  # era year 0
        "4131301",  # month 13
        "4140230",  # 30 February
        "414091",
        "41409131",
        "４１４０９１３",
    ],
)
def test_impossible_era_codes_are_refused(code):
    with pytest.raises(LicenceDataError):
        era.parse_era_code(code)


def test_era_round_trip_and_server_copy_agree():
    rnd = random.Random(5)
    for _ in range(2000):
        d = dt.date(1868, 1, 25) + dt.timedelta(days=rnd.randrange(0, 60000))
        code = era.to_era_code(d)
        assert era.parse_era_code(code) == d
        name = era.BY_DIGIT[int(code[0])].name
        assert jpdate.era_to_date(name, int(code[1:3]), d.month, d.day) == d
    assert [(e.name, e.first_day) for e in era.ERAS] == list(jpdate.ERAS)


# --- JIS X 0208 ----------------------------------------------------------------------------
def test_jis_decodes_bare_row_cell_codes():
    assert decode_jisx0208(bytes.fromhex("3B6E3833212132563B52")) == ("試験\u3000花子", False)
    assert decode_jisx0208(jis("東京都千代田区霞が関二丁目１番２号")) == ("東京都千代田区霞が関二丁目１番２号", False)
    assert decode_jisx0208(b"") == ("", False)
    assert decode_jisx0208(jis("\u3000山田\u3000")) == ("山田", False)  # outer spaces stripped


def test_gaiji_and_missing_characters_become_geta_and_are_flagged():
    raw = jis("高") + bytes.fromhex("FFF1") + jis("太郎") + bytes.fromhex("FFFA")
    assert decode_jisx0208(raw) == ("高〓太郎〓", True)
    # TRET's little-endian comparison would look for F1 FF: that is not a placeholder.
    with pytest.raises(LicenceDataError):
        decode_jisx0208(bytes.fromhex("F1FF"))


@pytest.mark.parametrize("raw", [b"\x30", b"\x30\x21\x22", b"\x00\x21", b"\x80\x80"])
def test_bad_jis_is_refused(raw):
    with pytest.raises(LicenceDataError):
        decode_jisx0208(raw)


def test_unmapped_jis_codes_become_geta():
    assert decode_jisx0208(bytes.fromhex("2F21")) == ("〓", True)  # row 15: unassigned


# --- TLV ------------------------------------------------------------------------------------
def test_tlv_tag_1f_is_one_byte_and_5f40_is_two():
    data = tlv(0x1F, jis("眼鏡等")) + tlv(0x5F40, b"\xff\x4f" + bytes(300)) + b"\xff" * 5
    objects = parse_tlv(data)
    assert [(o.tag, len(o.value)) for o in objects] == [(0x1F, 6), (0x5F40, 302)]
    assert data[8:11] == b"\x5f\x40\x82"  # long form 82 hh ll


def test_tlv_long_forms_padding_and_errors():
    assert parse_tlv(b"\x12\x81\x02ab") == parse_tlv(b"\x12\x02ab")
    assert parse_tlv(b"\x12\x00\xff\x13\x01a") == parse_tlv(b"\x12\x00")  # stops at FF padding
    for bad in (b"\x12\x05ab", b"\x12", b"\x12\x83\x00\x00\x01", b"\x5f", b"\x12\x82\x01"):
        with pytest.raises(LicenceDataError):
            parse_tlv(bad)
    with pytest.raises(LicenceDataError):
        tlv_dict(b"\x12\x00\x12\x00")


# --- licence number --------------------------------------------------------------------------
def test_check_digit_formula():
    # 5*3+4*6+3*0+... : 3*5+0*4+0*3+3*2+1*7+2*6+3*5+4*4+5*3+6*2 = 98; 98 mod 11 = 10 -> 1
    assert number.check_digit("3003123456") == 1
    # 4*5+5*4+1*3+2*2+0*7+0*6+0*5+7*4+7*3+7*2 = 110 -> mod 11 = 0 -> (11-0) mod 10 = 1 as well
    assert number.check_digit("4512000777") == 1
    # 5*5+4*4+3*3+2*2+7*7+6*6+5*5+4*4+3*3+2*2 = 193 -> 6 -> 5
    assert number.check_digit("5432765432") == 5
    assert number.check_digit_ok("300312345610") and not number.check_digit_ok("300312345620")
    # remainders 0 and 10 both give 1
    assert number.check_digit("0000000000") == 1  # sum 0
    assert sum(int(c) * w for c, w in zip("2000000000", number.WEIGHTS, strict=True)) % 11 == 10
    assert number.check_digit("2000000000") == 1
    for n in ("30031234567", "3003123456701", "30031234567a"):
        assert not number.check_digit_ok(n)


def test_check_digit_edge_and_server_agree_and_masking():
    rnd = random.Random(9)
    for _ in range(1000):
        first10 = f"{rnd.randrange(10**10):010d}"
        assert number.check_digit(first10) == jpdate.check_digit(first10)
        full = f"{first10}{number.check_digit(first10)}{rnd.randrange(10)}"
        assert number.check_digit_ok(full) and jpdate.check_digit_ok(full)
        assert number.mask(full) == jpdate.mask_number(full) == "********" + full[-4:]


# --- common data, PIN setting, change file ---------------------------------------------------------
def test_common_data_is_gregorian_bcd():
    raw = LicenceHolder(issued=dt.date(2021, 5, 10), expires=dt.date(2026, 6, 1)).common_data()
    assert raw.hex() == "450b3030382021051020260601" + "46020101"
    common = parse_common_data(raw)
    assert (common.spec_version, common.issued, common.expires) == ("008", dt.date(2021, 5, 10), dt.date(2026, 6, 1))
    with pytest.raises(LicenceDataError):
        parse_common_data(bytes.fromhex("450b303038202113102026060146020101"))  # month 13


def test_pin_setting_is_strict():
    assert parse_pin_setting(b"\xc1\x01\x01") is True
    assert parse_pin_setting(b"\xc1\x01\x00") is False
    for bad in (b"\xc1\x01\x02", b"\xc1\x02\x01", b"\xc1\x01"):
        with pytest.raises(LicenceDataError):
            parse_pin_setting(bad)


def test_change_file_both_date_forms_latest_wins_unknown_kept():
    holder = LicenceHolder(
        changes=[
            ChangeEntry(0x54, dt.date(2023, 4, 1), "大阪府大阪市北区中之島一丁目３番２０号", "大阪府"),
            ChangeEntry(0x52, "5050606", "新姓\u3000花子", "大阪府", date_form="ascii"),
            ChangeEntry(0x54, dt.date(2020, 1, 1), "兵庫県神戸市中央区下山手通五丁目１０番１号", "兵庫県"),
        ]
    )
    raw = holder.changes_file()
    raw = raw[: raw.index(b"\xff" * 8)] + tlv(0x5A, b"\x01\x02") + b"\xff" * 8
    changes = parse_changes(raw)
    assert changes.appended
    assert [(r.kind, r.changed_on) for r in changes.records] == [
        ("address", dt.date(2023, 4, 1)),
        ("name", dt.date(2023, 6, 6)),
        ("address", dt.date(2020, 1, 1)),
    ]
    assert changes.latest("address").value == "大阪府大阪市北区中之島一丁目３番２０号"
    assert changes.latest("name").commission == "大阪府"
    assert changes.unknown_tags == (0x5A,)
    assert parse_changes(LicenceHolder().changes_file()).records == ()
    with pytest.raises(LicenceDataError):
        parse_changes(tlv(0x54, b"\x90" + jis("４０５")))  # too short


# --- the lawful expiry (OCR cross-check) ---------------------------------------------------------
@pytest.mark.parametrize(
    ("birth", "year", "expected"),
    [
        (dt.date(1985, 5, 13), 2026, dt.date(2026, 6, 12)),
        (dt.date(1985, 3, 1), 2026, dt.date(2026, 3, 31)),
        (dt.date(1985, 1, 31), 2027, dt.date(2027, 2, 28)),  # no 31 February: end of that month
        (dt.date(1985, 1, 31), 2028, dt.date(2028, 2, 29)),
        (dt.date(1984, 2, 29), 2027, dt.date(2027, 3, 28)),
        (dt.date(1985, 12, 31), 2027, dt.date(2027, 1, 30)),  # a December birthday ends in January
        (dt.date(1985, 12, 1), 2027, dt.date(2027, 12, 31)),
    ],
)
def test_expiry_for_birthday(birth, year, expected):
    assert jpdate.expiry_for_birthday(birth, year) == expected


def test_expiry_rule_matches_the_renderers_independent_copy():
    rnd = random.Random(3)
    for _ in range(500):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rnd.randrange(0, 20000))
        year = rnd.randrange(2020, 2035)
        lawful = lawful_expiry(birth, year)
        assert jpdate.expiry_for_birthday(birth, lawful.year) == lawful
