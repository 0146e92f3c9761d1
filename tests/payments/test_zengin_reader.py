"""Reading 振込入金通知 files: layout, separators, and every way a file can be bad."""

from __future__ import annotations

import datetime as dt

import pytest

from api.payments.zengin import ZenginError, dedupe_key, parse_transfer_notice

from .samples import END, TODAY, c, crlf, data, header, n, sample_records, trailer


def _parse(raw: bytes):  # type: ignore[no-untyped-def]
    return parse_transfer_notice(raw, today=TODAY)


def _error(raw: bytes) -> ZenginError:
    with pytest.raises(ZenginError) as err:
        _parse(raw)
    return err.value


def test_reads_a_file_with_two_accounts() -> None:
    notice = _parse(crlf(sample_records()))
    first, second = notice.groups
    h = first.header
    assert (h.bank_code, h.branch_code, h.account_type, h.account_number) == ("0005", "001", "1", "1234567")
    assert (h.bank_name, h.branch_name, h.account_name) == ("ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ", "ﾎﾝﾃﾝ", "ｵ-ﾌﾟﾝｼ-ｼ-ﾕ-ｴｽ")
    assert h.created_on == h.period_from == h.period_to == dt.date(2026, 11, 20)
    assert [t.amount_yen for t in first.transfers] == [11_400, 24_000, 6_000]
    sakura, yamada, aozora = first.transfers
    assert sakura.payer_name == "ｶ)ｻｸﾗｹﾝｾﾂ" and sakura.edi_info == "C2026110001" and sakura.payer_code == ""
    assert sakura.remitting_bank_name == "ﾐｽﾞﾎ" and sakura.remitting_branch_name == "ｼﾝｼﾞﾕｸ"
    assert sakura.posted_on == sakura.value_on == dt.date(2026, 11, 20)
    assert yamada.payer_code == "1234567890" and yamada.payer_name == "1234567890 ﾔﾏﾀﾞ ﾀﾛｳ"
    assert aozora.value_on is None and aozora.inquiry_number == "000103"
    assert [t.line_no for t in first.transfers] == [2, 3, 4]
    assert (first.trailer.count, first.trailer.total_yen) == (3, 41_400)
    assert second.header.account_number == "7654321"
    assert [t.cancelled for t in second.transfers] == [False, True]
    assert all(t.layout == "A" for _, t in notice.entries())


def test_a_cancellation_has_its_own_dedupe_key() -> None:
    keys = [dedupe_key(h, t) for h, t in _parse(crlf(sample_records())).entries()]
    assert len(set(keys)) == 5


@pytest.mark.parametrize(
    "raw",
    [
        b"".join(sample_records()),  # 改行なし
        b"".join(r + b"\n" for r in sample_records()),
        b"".join(sample_records()) + b"\r\n",
        crlf(sample_records()) + b"\x1a",
        crlf(sample_records()) + b"\r\n",
        crlf(sample_records())[:-2],  # no break after the end record
    ],
    ids=["none", "lf", "concatenated+crlf", "dos-eof", "blank-last-line", "no-final-break"],
)
def test_every_separator_style_reads_the_same(raw: bytes) -> None:
    assert _parse(raw) == _parse(crlf(sample_records()))


def test_trailer_that_leaves_cancellations_out_of_the_transfer_total() -> None:
    records = sample_records()
    records[8] = trailer(1, 5_000, 1, 5_000)
    assert _parse(crlf(records)).groups[1].trailer.count == 1


def test_trailer_without_the_optional_cancel_totals() -> None:
    records = sample_records()
    records[8] = trailer(2, 10_000, 0, 0)
    assert len(_parse(crlf(records)).groups[1].transfers) == 2


def test_an_account_with_no_transfers() -> None:
    notice = _parse(crlf([header(), trailer(0, 0), END]))
    assert notice.groups[0].transfers == ()


def test_layout_b_amount_over_ten_digits() -> None:
    rec = b"".join(
        [
            b"2",
            n(1, 6),
            b"081120",
            b"081120",
            n(0, 10),
            n(0, 10),
            n(0, 10),
            c("ｶ)ｵｵﾃｹﾝｾﾂ", 48),
            c("ﾐｽﾞﾎ", 15),
            c("ﾎﾝﾃﾝ", 15),
            b"0",
            n(12_345_678_901, 12),
            n(0, 12),
            c("EDI-B", 20),
            b" " * 28,
        ]
    )
    notice = _parse(crlf([header(), rec, trailer(1, 12_345_678_901), END]))
    (transfer,) = notice.groups[0].transfers
    assert (transfer.layout, transfer.amount_yen, transfer.edi_info) == ("B", 12_345_678_901, "EDI-B")


def test_layout_a_with_digits_in_edi_and_dummy_stays_a() -> None:
    # S6's bank fills the 52-byte dummy with digits; a numeric EDI must still be read at 129.
    rec = data(ref="1", amount=11_400, name="ｻｸﾗ", edi="12345678901234567890")
    rec = rec[:148] + b"0" * 52
    (transfer,) = _parse(crlf([header(), rec, trailer(1, 11_400), END])).groups[0].transfers
    assert (transfer.layout, transfer.amount_yen, transfer.edi_info) == ("A", 11_400, "12345678901234567890")


# --- bad input -------------------------------------------------------------------------------------------------------


def test_truncated_inside_a_record_without_separators() -> None:
    raw = b"".join(sample_records())[:-57]
    err = _error(raw)
    assert (err.code, err.line_no) == ("truncated_record", 10)


def test_truncated_inside_the_last_line() -> None:
    err = _error(crlf(sample_records()[:4]) + sample_records()[4][:120])
    assert (err.code, err.line_no) == ("truncated_record", 5)


def test_truncated_at_a_record_boundary() -> None:
    assert _error(crlf(sample_records()[:9])).code == "missing_end_record"
    assert _error(crlf(sample_records()[:3])).code == "missing_trailer"


def test_wrong_record_length() -> None:
    records = sample_records()
    records[2] = records[2][:199]
    err = _error(crlf(records))
    assert (err.code, err.line_no) == ("wrong_record_length", 3)


def test_wrong_trailer_count() -> None:
    records = sample_records()
    records[4] = trailer(4, 41_400)
    err = _error(crlf(records))
    assert (err.code, err.line_no) == ("trailer_count_mismatch", 5)


def test_wrong_trailer_total() -> None:
    records = sample_records()
    records[4] = trailer(3, 41_401)
    err = _error(crlf(records))
    assert (err.code, err.line_no) == ("trailer_total_mismatch", 5)


def test_wrong_cancel_total() -> None:
    records = sample_records()
    records[8] = trailer(2, 10_000, 1, 4_000)
    assert _error(crlf(records)).code == "trailer_cancel_mismatch"


def test_a_bad_last_group_refuses_the_whole_file() -> None:
    records = sample_records()
    records[8] = trailer(3, 10_000, 1, 5_000)  # the first account's group is fine
    assert _error(crlf(records)).code == "trailer_count_mismatch"


def test_kanji_in_a_kana_field() -> None:
    records = sample_records()
    name = "桜建設".encode("cp932")  # 6 bytes of double-byte Shift_JIS where half-width kana belong
    records[1] = records[1][:49] + name + records[1][49 + len(name) :]
    err = _error(crlf(records))
    assert (err.code, err.line_no) == ("bad_encoding", 2)
    assert "振込依頼人名" in err.message


def test_utf8_file() -> None:
    raw = crlf(sample_records()).decode("cp932").encode("utf-8")
    err = _error(raw)
    assert (err.code, err.line_no) == ("bad_encoding", 1)


def test_unknown_record_type() -> None:
    records = sample_records()
    records[2] = b"3" + records[2][1:]
    err = _error(crlf(records))
    assert (err.code, err.line_no) == ("unknown_record_type", 3)


@pytest.mark.parametrize(
    ("records", "code", "line_no"),
    [
        ([data(ref="1", amount=1, name="ｱ"), header(), trailer(0, 0), END], "unexpected_record", 1),
        ([header(), header(), trailer(0, 0), END], "missing_trailer", 2),
        ([header(), trailer(0, 0), END, header()], "record_after_end", 4),
        ([header(), END], "missing_trailer", 2),
        ([END], "unexpected_record", 1),
        ([trailer(0, 0), END], "unexpected_record", 1),
    ],
)
def test_records_out_of_order(records: list[bytes], code: str, line_no: int) -> None:
    err = _error(crlf(records))
    assert (err.code, err.line_no) == (code, line_no)


def test_other_file_kinds_and_encodings() -> None:
    statement = b"1030" + header()[4:]  # 03 入出金取引明細 is a different layout
    assert _error(crlf([statement, trailer(0, 0), END])).code == "unsupported_file_kind"
    ebcdic_division = header()[:3] + b"1" + header()[4:]
    assert _error(crlf([ebcdic_division, trailer(0, 0), END])).code == "unsupported_code_division"
    assert _error(b"\xf1" + b"\x40" * 199).code == "unsupported_code_division"


def test_bad_numbers_and_dates() -> None:
    records = sample_records()
    records[1] = records[1][:19] + b"00000114O0" + records[1][29:]  # letter O in the amount
    assert _error(crlf(records)).code == "bad_numeric"
    records = sample_records()
    records[1] = records[1][:7] + b"081332" + records[1][13:]
    err = _error(crlf(records))
    assert (err.code, err.line_no) == ("bad_date", 2)


def test_empty_file_and_cr_only_breaks() -> None:
    assert _error(b"").code == "empty_file"
    assert _error(b"".join(r + b"\r" for r in sample_records())).code == "bad_line_break"
