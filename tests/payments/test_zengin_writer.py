"""The writer produces exactly the bytes of a hand-built file, and what it writes reads back the same."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from api.payments.zengin import (
    NoticeHeader,
    Transfer,
    ZenginError,
    parse_transfer_notice,
    write_transfer_notice,
)

from .samples import TODAY, crlf, sample_records

DAY = dt.date(2026, 11, 20)


def _header(**overrides: object) -> NoticeHeader:
    fields: dict[str, object] = dict(
        created_on=DAY,
        period_from=DAY,
        period_to=DAY,
        bank_code="0005",
        bank_name="ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ",
        branch_code="001",
        branch_name="ﾎﾝﾃﾝ",
        account_type="1",
        account_number="1234567",
        account_name="ｵ-ﾌﾟﾝｼ-ｼ-ﾕ-ｴｽ",
    )
    fields.update(overrides)
    return NoticeHeader(**fields)  # type: ignore[arg-type]


def _transfer(ref: str, amount: int, name: str, **overrides: object) -> Transfer:
    fields: dict[str, object] = dict(
        inquiry_number=ref,
        posted_on=DAY,
        value_on=DAY,
        amount_yen=amount,
        payer_name=name,
        remitting_bank_name="ﾐｽﾞﾎ",
        remitting_branch_name="ｼﾝｼﾞﾕｸ",
    )
    fields.update(overrides)
    return Transfer(**fields)  # type: ignore[arg-type]


def _sample_accounts() -> list[tuple[NoticeHeader, list[Transfer]]]:
    return [
        (
            _header(),
            [
                _transfer("000101", 11_400, "ｶ)ｻｸﾗｹﾝｾﾂ", edi_info="C2026110001"),
                _transfer("000102", 24_000, "1234567890 ﾔﾏﾀﾞ ﾀﾛｳ", payer_code="1234567890"),
                _transfer(
                    "000103",
                    6_000,
                    "ｱｵｿﾞﾗｺｳｷﾞﾖｳ(ﾕ",
                    value_on=None,
                    remitting_bank_name="ﾕｳﾁﾖ",
                    remitting_branch_name="ｾﾞﾛｲﾁﾊﾁ",
                ),
            ],
        ),
        (
            _header(bank_code="0009", branch_code="123", account_number="7654321"),
            [
                _transfer("000201", 5_000, "ﾄﾞ)ﾐﾄﾞﾘﾃﾞﾝｾﾂ"),
                _transfer("000201", 5_000, "ﾄﾞ)ﾐﾄﾞﾘﾃﾞﾝｾﾂ", cancelled=True),
            ],
        ),
    ]


def test_writes_the_hand_built_file_byte_for_byte() -> None:
    assert write_transfer_notice(accounts=_sample_accounts()) == crlf(sample_records())
    assert write_transfer_notice(accounts=_sample_accounts(), line_breaks=False) == b"".join(sample_records())


def _without_line_numbers(obj):  # type: ignore[no-untyped-def]
    return dataclasses.replace(obj, line_no=0)


def test_round_trip() -> None:
    accounts = _sample_accounts()
    notice = parse_transfer_notice(write_transfer_notice(accounts=accounts), today=TODAY)
    assert [
        (_without_line_numbers(g.header), [_without_line_numbers(t) for t in g.transfers]) for g in notice.groups
    ] == accounts


def test_large_amount_uses_layout_b() -> None:
    big = _transfer("000001", 12_345_678_901, "ｶ)ｵｵﾃｹﾝｾﾂ", edi_info="EDI-B")
    raw = write_transfer_notice(accounts=[(_header(), [big])])
    record = raw.split(b"\r\n")[1]
    assert record[19:29] == b"0" * 10  # 金額(1) empty when 金額(2) is used
    assert record[128:140] == b"012345678901"  # 金額(2) at 129–140
    (parsed,) = parse_transfer_notice(raw, today=TODAY).groups[0].transfers
    assert (parsed.layout, parsed.amount_yen, parsed.edi_info) == ("B", 12_345_678_901, "EDI-B")


def test_yen_sign_is_byte_5c() -> None:
    raw = write_transfer_notice(accounts=[(_header(), [_transfer("1", 1, "ｱ", edi_info="¥100")])])
    assert raw.split(b"\r\n")[1][128:132] == b"\x5c100"
    (parsed,) = parse_transfer_notice(raw, today=TODAY).groups[0].transfers
    assert parsed.edi_info == "¥100"


@pytest.mark.parametrize(
    ("accounts", "code"),
    [
        ([(_header(), [_transfer("1", 1, "ｱ" * 49)])], "field_too_long"),
        ([(_header(), [_transfer("1", 1, "桜建設")])], "bad_encoding"),
        ([(_header(), [_transfer("1", 1, "ｻｸﾗ", edi_info="é")])], "bad_encoding"),
        ([(_header(account_number="12345678"), [])], "field_too_long"),
        ([(_header(), [_transfer("1", -5, "ｱ")])], "field_too_long"),
        ([(_header(created_on=dt.date(1988, 1, 1)), [])], "bad_date"),
        ([], "empty_file"),
    ],
)
def test_refuses_what_a_bank_file_cannot_hold(accounts: list[tuple[NoticeHeader, list[Transfer]]], code: str) -> None:
    with pytest.raises(ZenginError) as err:
        write_transfer_notice(accounts=accounts)
    assert err.value.code == code
