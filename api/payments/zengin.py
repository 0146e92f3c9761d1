"""The banks' 全銀協 振込入金通知 file (種別コード 01): reader, writer, and payer-name normaliser.

Layout and rules: ../shared/reference/zengin.md §1–§2 (sources S1–S7 there) and docs/billing.md. In short: 200-byte
fixed-length records — header (1), data (2) × n, trailer (8), one group per account, then one end record (9);
JIS X 0201 8-bit (the single-byte part of Shift_JIS/cp932, half-width kana 0xA1–0xDF); records concatenated or
separated by CR LF / LF; dates are 和暦 YYMMDD with no era letter.

The reader is all-or-nothing: any defect raises `ZenginError(code, message, line_no)` and nothing is returned, so a
half-read file can never post half its payments.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

RECORD_LEN = 200
REIWA_START = dt.date(2019, 5, 1)
HEISEI_START = dt.date(1989, 1, 8)
HEISEI_END = dt.date(2019, 4, 30)


class ZenginError(Exception):
    """The file (or a value to write) is not a valid 振込入金通知. line_no is the 1-based record number, if any."""

    def __init__(self, code: str, message: str, line_no: int | None = None) -> None:
        super().__init__(f"record {line_no}: {message}" if line_no else message)
        self.code = code
        self.message = message
        self.line_no = line_no


@dataclass(frozen=True, slots=True)
class NoticeHeader:
    created_on: dt.date  # 作成日
    period_from: dt.date  # 勘定日（自）
    period_to: dt.date  # 勘定日（至）
    bank_code: str  # 統一金融機関番号, 4 digits
    bank_name: str
    branch_code: str  # 3 digits
    branch_name: str
    account_type: str  # 預金種目: 1 普通, 2 当座, 4 貯蓄
    account_number: str  # 7 digits
    account_name: str
    line_no: int = 0


@dataclass(frozen=True, slots=True)
class Transfer:
    inquiry_number: str  # 照会番号; unique at most within one account's notice
    posted_on: dt.date  # 勘定日
    amount_yen: int  # 金額 (金額(2) in layout B when it is used)
    payer_name: str  # 振込依頼人名, half-width kana as the paying side sent it
    value_on: dt.date | None = None  # 起算日; None when the bank left it empty
    payer_code: str = ""  # 振込依頼人コード; "" when absent (all zeros or spaces)
    remitting_bank_name: str = ""  # 仕向銀行名 (names only: the record carries no sending bank code)
    remitting_branch_name: str = ""
    cancelled: bool = False  # 取消区分 = 1: cancels a notice already sent
    edi_info: str = ""  # 20 characters from the payer's 総合振込 (識別表示 Y); the best invoice key when present
    other_bank_cheque_yen: int = 0  # うち他店券金額; can still bounce
    layout: Literal["A", "B"] = "A"
    line_no: int = 0


@dataclass(frozen=True, slots=True)
class NoticeTrailer:
    count: int  # 振込合計件数
    total_yen: int  # 振込合計金額
    cancel_count: int  # 取消合計件数 (optional in the spec: 0 when blank)
    cancel_total_yen: int
    line_no: int = 0


@dataclass(frozen=True, slots=True)
class NoticeGroup:
    header: NoticeHeader
    transfers: tuple[Transfer, ...]
    trailer: NoticeTrailer


@dataclass(frozen=True, slots=True)
class TransferNotice:
    groups: tuple[NoticeGroup, ...]

    def entries(self) -> Iterator[tuple[NoticeHeader, Transfer]]:
        for group in self.groups:
            for transfer in group.transfers:
                yield group.header, transfer


def dedupe_key(header: NoticeHeader, transfer: Transfer) -> tuple[str, ...]:
    """Idempotency key for a credit. 照会番号 alone repeats across days, accounts and re-downloads (zengin.md §5.8)."""
    return (
        header.bank_code,
        header.branch_code,
        header.account_type,
        header.account_number,
        transfer.posted_on.isoformat(),
        transfer.inquiry_number,
        str(transfer.amount_yen),
        "cancel" if transfer.cancelled else "credit",
    )


# --- 和暦 dates ------------------------------------------------------------------------------------------------------


def decode_wareki(text: str, *, today: dt.date, line_no: int | None = None, field: str = "date") -> dt.date:
    """YYMMDD with no era: 令和 unless that lands more than a year after `today`, then 平成 (zengin.md §1)."""
    if len(text) != 6 or not (text.isascii() and text.isdigit()):
        raise ZenginError("bad_date", f"{field} {text!r} is not YYMMDD", line_no)
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:])
    for base, lo, hi in ((2018, REIWA_START, today + dt.timedelta(days=366)), (1988, HEISEI_START, HEISEI_END)):
        try:
            day = dt.date(base + yy, mm, dd)
        except ValueError:
            continue
        if lo <= day <= hi:
            return day
    raise ZenginError("bad_date", f"{field} {text!r} is not a 令和 or 平成 date", line_no)


def encode_wareki(day: dt.date) -> str:
    if day >= REIWA_START:
        year = day.year - 2018
    elif HEISEI_START <= day <= HEISEI_END:
        year = day.year - 1988
    else:
        raise ZenginError("bad_date", f"{day.isoformat()} is before 平成")
    if year > 99:
        raise ZenginError("bad_date", f"{day.isoformat()} does not fit YYMMDD")
    return f"{year:02d}{day.month:02d}{day.day:02d}"


# --- bytes ↔ fields ------------------------------------------------------------------------------------------------


def _is_jis8(byte: int) -> bool:
    # printable ASCII (0x5C is ¥ in JIS X 0201) and half-width katakana; nothing else is legal in a field
    return 0x20 <= byte <= 0x7E or 0xA1 <= byte <= 0xDF


class _Fields:
    """Reads 1-based inclusive byte positions of one record, with errors that name the field and record."""

    def __init__(self, record: bytes, line_no: int, today: dt.date) -> None:
        self.record, self.line_no, self.today = record, line_no, today

    def raw(self, start: int, end: int, name: str) -> bytes:
        chunk = self.record[start - 1 : end]
        bad = next((i for i, b in enumerate(chunk) if not _is_jis8(b)), None)
        if bad is not None:
            raise ZenginError(
                "bad_encoding",
                f"{name}: byte 0x{chunk[bad]:02X} at position {start + bad} is not a JIS8 (half-width) character",
                self.line_no,
            )
        return chunk

    def text(self, start: int, end: int, name: str) -> str:
        return self.raw(start, end, name).decode("cp932").replace("\\", "¥").rstrip(" ")

    def number(self, start: int, end: int, name: str, *, optional: bool = False) -> int:
        chunk = self.raw(start, end, name)
        if optional and chunk.strip(b" ") == b"":
            return 0
        if not chunk.isdigit():
            raise ZenginError("bad_numeric", f"{name} {chunk.decode('ascii')!r} is not all digits", self.line_no)
        return int(chunk)

    def digits(self, start: int, end: int, name: str) -> str:
        return f"{self.number(start, end, name):0{end - start + 1}d}"

    def date(self, start: int, end: int, name: str, *, optional: bool = False) -> dt.date | None:
        chunk = self.raw(start, end, name).decode("ascii")
        if optional and chunk in ("000000", "      "):
            return None
        return decode_wareki(chunk, today=self.today, line_no=self.line_no, field=name)


def _parse_header(f: _Fields) -> NoticeHeader:
    kind = f.text(2, 3, "種別コード")
    if kind != "01":
        raise ZenginError("unsupported_file_kind", f"種別コード {kind!r}: only 01 (振込入金通知) is read", f.line_no)
    division = f.text(4, 4, "コード区分")
    if division != "0":
        raise ZenginError("unsupported_code_division", f"コード区分 {division!r}: only 0 (JIS) is read", f.line_no)
    created, start, end = (f.date(5, 10, "作成日"), f.date(11, 16, "勘定日(自)"), f.date(17, 22, "勘定日(至)"))
    assert created and start and end  # not optional, so never None
    return NoticeHeader(
        created_on=created,
        period_from=start,
        period_to=end,
        bank_code=f.digits(23, 26, "銀行コード"),
        bank_name=f.text(27, 41, "銀行名"),
        branch_code=f.digits(42, 44, "支店コード"),
        branch_name=f.text(45, 59, "支店名"),
        account_type=f.digits(60, 60, "預金種目"),
        account_number=f.digits(61, 67, "口座番号"),
        account_name=f.text(68, 107, "口座名"),
        line_no=f.line_no,
    )


def _is_layout_b(record: bytes) -> bool:
    # Nothing in the header says A or B (zengin.md §2.3). B has 24 digits at 129–152 (金額(2), 他店券(2)) and uses
    # either 金額(1) or 金額(2), never both. Requiring that second part keeps a format-A record whose EDI and dummy
    # happen to be digits (S6's bank) from being read as B.
    tail = record[128:152]
    return tail.isdigit() and (record[19:29] == b"0" * 10 or tail == b"0" * 24)


def _parse_data(f: _Fields) -> Transfer:
    layout: Literal["A", "B"] = "B" if _is_layout_b(f.record) else "A"
    amount = f.number(20, 29, "金額")
    cheque = f.number(30, 39, "うち他店券金額", optional=True)
    if layout == "B":
        amount = f.number(129, 140, "金額(2)") or amount
        cheque = f.number(141, 152, "うち他店券金額(2)") or cheque
    payer_code = f.text(40, 49, "振込依頼人コード").strip()
    posted = f.date(8, 13, "勘定日")
    assert posted is not None
    return Transfer(
        inquiry_number=f.text(2, 7, "照会番号").strip(),
        posted_on=posted,
        value_on=f.date(14, 19, "起算日", optional=True),
        amount_yen=amount,
        other_bank_cheque_yen=cheque,
        payer_code="" if payer_code.strip("0") == "" else payer_code,
        payer_name=f.text(50, 97, "振込依頼人名"),
        remitting_bank_name=f.text(98, 112, "仕向銀行名"),
        remitting_branch_name=f.text(113, 127, "仕向店名"),
        # only 1 is defined (取消); normal records carry 0 or a blank (zengin.md §5.3)
        cancelled=f.raw(128, 128, "取消区分") == b"1",
        edi_info=f.text(153, 172, "EDI情報") if layout == "B" else f.text(129, 148, "EDI情報"),
        layout=layout,
        line_no=f.line_no,
    )


def _parse_trailer(f: _Fields) -> NoticeTrailer:
    return NoticeTrailer(
        count=f.number(2, 7, "振込合計件数"),
        total_yen=f.number(8, 19, "振込合計金額"),
        cancel_count=f.number(20, 25, "取消合計件数", optional=True),
        cancel_total_yen=f.number(26, 37, "取消合計金額", optional=True),
        line_no=f.line_no,
    )


def _check_trailer(trailer: NoticeTrailer, transfers: list[Transfer]) -> None:
    # The spec does not say whether 振込合計 includes the 取消 records (zengin.md §5.3), so accept either reading.
    cancels = [t for t in transfers if t.cancelled]
    readings = {
        (len(transfers), sum(t.amount_yen for t in transfers)),
        (len(transfers) - len(cancels), sum(t.amount_yen for t in transfers if not t.cancelled)),
    }
    if trailer.count not in {count for count, _ in readings}:
        raise ZenginError(
            "trailer_count_mismatch",
            f"振込合計件数 says {trailer.count}, the group has {len(transfers)} data records",
            trailer.line_no,
        )
    if (trailer.count, trailer.total_yen) not in readings:
        raise ZenginError(
            "trailer_total_mismatch",
            f"振込合計金額 says {trailer.total_yen} yen, the data records add up to "
            f"{' or '.join(str(total) for count, total in sorted(readings) if count == trailer.count)} yen",
            trailer.line_no,
        )
    cancel_total = sum(t.amount_yen for t in cancels)
    stated = (trailer.cancel_count, trailer.cancel_total_yen)
    if stated != (0, 0) and stated != (len(cancels), cancel_total):  # the 取消 fields are optional (任意)
        raise ZenginError(
            "trailer_cancel_mismatch",
            f"取消合計 says {stated[0]} records / {stated[1]} yen, the group has {len(cancels)} / {cancel_total}",
            trailer.line_no,
        )


def split_records(data: bytes) -> list[bytes]:
    """Cut a file into 200-byte records: CR LF or LF separated, or concatenated with no separator (zengin.md §1)."""
    if data.endswith(b"\x1a"):  # DOS end-of-file marker left by some PC software
        data = data[:-1]
    if not data:
        raise ZenginError("empty_file", "the file is empty")
    if b"\n" not in data:
        if b"\r" in data:
            raise ZenginError("bad_line_break", "records are separated by CR alone; only CR LF, LF or none is valid")
        if len(data) % RECORD_LEN:
            raise ZenginError(
                "truncated_record",
                f"the file is {len(data)} bytes, not a multiple of {RECORD_LEN}: the last record is cut short",
                len(data) // RECORD_LEN + 1,
            )
        return [data[i : i + RECORD_LEN] for i in range(0, len(data), RECORD_LEN)]
    ends_with_break = data.endswith(b"\n")
    lines = [line.removesuffix(b"\r") for line in data.split(b"\n")]
    while lines and lines[-1] == b"":  # a final line break, or blank lines after the end record
        lines.pop()
    if len(lines) == 1 and len(lines[0]) % RECORD_LEN == 0:  # concatenated records with one final line break
        return [lines[0][i : i + RECORD_LEN] for i in range(0, len(lines[0]), RECORD_LEN)]
    records: list[bytes] = []
    for line_no, line in enumerate(lines, start=1):
        if len(line) == RECORD_LEN:
            records.append(line)
            continue
        if any(not _is_jis8(b) for b in line):
            code, why = "bad_encoding", "has characters outside JIS8 (UTF-8 or full-width text?)"
        elif line_no == len(lines) and not ends_with_break and len(line) < RECORD_LEN:
            code, why = "truncated_record", "is cut short at the end of the file"
        else:
            code, why = "wrong_record_length", "is not a 200-byte record"
        raise ZenginError(code, f"line of {len(line)} bytes {why}", line_no)
    return records


def parse_transfer_notice(data: bytes, *, today: dt.date | None = None) -> TransferNotice:
    """Read a whole 振込入金通知 file. `today` anchors the era guess for YYMMDD dates (default: the system date)."""
    anchor = today or dt.date.today()
    records = split_records(data)
    if records[0][:1] == b"\xf1":  # EBCDIC "1"
        raise ZenginError("unsupported_code_division", "the file is EBCDIC (コード区分 1); only JIS is read", 1)
    groups: list[NoticeGroup] = []
    header: NoticeHeader | None = None
    transfers: list[Transfer] = []
    ended = False
    for line_no, record in enumerate(records, start=1):
        f = _Fields(record, line_no, anchor)
        kind = record[:1]
        if ended:
            raise ZenginError("record_after_end", "a record follows the end record (9)", line_no)
        if kind == b"1":
            if header is not None:
                raise ZenginError("missing_trailer", "a header (1) starts before the previous group's trailer", line_no)
            header, transfers = _parse_header(f), []
        elif kind == b"2":
            if header is None:
                raise ZenginError("unexpected_record", "a data record (2) outside a header–trailer group", line_no)
            transfers.append(_parse_data(f))
        elif kind == b"8":
            if header is None:
                raise ZenginError("unexpected_record", "a trailer (8) without a header", line_no)
            trailer = _parse_trailer(f)
            _check_trailer(trailer, transfers)
            groups.append(NoticeGroup(header, tuple(transfers), trailer))
            header = None
        elif kind == b"9":
            if header is not None:
                raise ZenginError("missing_trailer", "the end record (9) comes before the group's trailer", line_no)
            if not groups:
                raise ZenginError("unexpected_record", "the end record (9) comes before any header", line_no)
            ended = True  # the 01 end record's dummy is not checked: some banks put counts there (zengin.md §2.5)
        else:
            raise ZenginError("unknown_record_type", f"データ区分 {kind!r} is not 1, 2, 8 or 9", line_no)
    if not ended:
        raise ZenginError(
            "missing_trailer" if header is not None else "missing_end_record",
            "the file ends without its end record (9): truncated?",
            len(records),
        )
    return TransferNotice(tuple(groups))


# --- writer -------------------------------------------------------------------------------------------------------


def _encode_text(text: str, width: int, name: str) -> bytes:
    out = bytearray()
    for ch in text:
        try:
            encoded = b"\x5c" if ch == "¥" else ch.encode("cp932")  # 0x5C is ¥ in JIS X 0201
        except UnicodeEncodeError:
            encoded = b""
        if len(encoded) != 1 or not _is_jis8(encoded[0]):
            raise ZenginError("bad_encoding", f"{name}: {ch!r} is not a half-width (JIS8) character")
        out += encoded
    if len(out) > width:
        raise ZenginError("field_too_long", f"{name} is {len(out)} bytes, the field holds {width}")
    return bytes(out).ljust(width, b" ")


def _encode_number(value: int | str, width: int, name: str) -> bytes:
    text = f"{value:0{width}d}" if isinstance(value, int) else value.zfill(width)
    if len(text) != width or not (text.isascii() and text.isdigit()):
        raise ZenginError("field_too_long", f"{name} {value!r} does not fit {width} digits")
    return text.encode("ascii")


def _header_record(h: NoticeHeader) -> bytes:
    dates = "".join(encode_wareki(d) for d in (h.created_on, h.period_from, h.period_to))
    return b"".join(
        (
            b"1010",
            dates.encode("ascii"),
            _encode_number(h.bank_code, 4, "銀行コード"),
            _encode_text(h.bank_name, 15, "銀行名"),
            _encode_number(h.branch_code, 3, "支店コード"),
            _encode_text(h.branch_name, 15, "支店名"),
            _encode_number(h.account_type, 1, "預金種目"),
            _encode_number(h.account_number, 7, "口座番号"),
            _encode_text(h.account_name, 40, "口座名"),
            b" " * 93,
        )
    )


def _payer_code(code: str) -> bytes:
    # N(10) in S1/S3/S4 (zeros when absent); S7 treats it as C(10), so a non-numeric code is written left-justified
    if code == "" or (code.isascii() and code.isdigit()):
        return _encode_number(code or "0", 10, "振込依頼人コード")
    return _encode_text(code, 10, "振込依頼人コード")


def _data_record(t: Transfer) -> bytes:
    layout_b = t.layout == "B" or t.amount_yen > 9_999_999_999
    head = b"".join(
        (
            b"2",
            _encode_number(t.inquiry_number, 6, "照会番号"),
            encode_wareki(t.posted_on).encode("ascii"),
            encode_wareki(t.value_on).encode("ascii") if t.value_on else b"000000",
            _encode_number(0 if layout_b else t.amount_yen, 10, "金額"),
            _encode_number(0 if layout_b else t.other_bank_cheque_yen, 10, "うち他店券金額"),
            _payer_code(t.payer_code),
            _encode_text(t.payer_name, 48, "振込依頼人名"),
            _encode_text(t.remitting_bank_name, 15, "仕向銀行名"),
            _encode_text(t.remitting_branch_name, 15, "仕向店名"),
            b"1" if t.cancelled else b"0",
        )
    )
    if not layout_b:
        return head + _encode_text(t.edi_info, 20, "EDI情報") + b" " * 52
    return b"".join(
        (
            head,
            _encode_number(t.amount_yen, 12, "金額(2)"),
            _encode_number(t.other_bank_cheque_yen, 12, "うち他店券金額(2)"),
            _encode_text(t.edi_info, 20, "EDI情報"),
            b" " * 28,
        )
    )


def _trailer_record(transfers: Sequence[Transfer]) -> bytes:
    # 振込合計 counts every data record and 取消合計 the cancelling ones again, as Diva.Zengin (S3) writes it.
    cancels = [t for t in transfers if t.cancelled]
    return b"".join(
        (
            b"8",
            _encode_number(len(transfers), 6, "振込合計件数"),
            _encode_number(sum(t.amount_yen for t in transfers), 12, "振込合計金額"),
            _encode_number(len(cancels), 6, "取消合計件数"),
            _encode_number(sum(t.amount_yen for t in cancels), 12, "取消合計金額"),
            b" " * 163,
        )
    )


def write_transfer_notice(
    *, accounts: Sequence[tuple[NoticeHeader, Sequence[Transfer]]], line_breaks: bool = True
) -> bytes:
    """A valid 振込入金通知 file: one header–data–trailer group per account, then the end record.

    With `line_breaks` every record (the end record too) is followed by CR LF, as bank downloads are (zengin.md S14).
    """
    if not accounts:
        raise ZenginError("empty_file", "a notice needs at least one account group")
    records: list[bytes] = []
    for header, transfers in accounts:
        records.append(_header_record(header))
        records.extend(_data_record(t) for t in transfers)
        records.append(_trailer_record(transfers))
    records.append(b"9" + b" " * 199)
    assert all(len(r) == RECORD_LEN for r in records)
    separator = b"\r\n" if line_breaks else b""
    return b"".join(r + separator for r in records)


# --- payer names ---------------------------------------------------------------------------------------------------

_SMALL_TO_CAPITAL = str.maketrans("ァィゥェォッャュョヮヵヶヰヱヲ", "アイウエオツヤユヨワカケイエオ")
_HALF_KANA = {unicodedata.normalize("NFKC", chr(c)): chr(c) for c in range(0xFF61, 0xFF9E)}
_DASHES = re.compile("[ー‐‑–—―−ｰ-]")
# 法人略語, 営業所略語 and the common 事業略語 (zengin.md §6, S11–S13), in the full-width form NFKC gives them.
_ABBREVIATIONS = (
    "カ|ユ|メ|シ|ド|イ|ザイ|シヤ|シユウ|ガク|フク|ソ|ホゴ|トクヒ|ドク|ベン|ギヨ|シホウ|ゼイ|ダイ|ノウ|チユウ"
    "|エイ|シユツ|レン|キヨウクミ|キヨウサイ|ケンポ|株|有"
)
_ABBREV_FORMS = re.compile(rf"^(?:{_ABBREVIATIONS})\)|\((?:{_ABBREVIATIONS})$|\((?:{_ABBREVIATIONS})\)")
_LONG_FORMS = re.compile(
    r"^(?:株式会社|有限会社|合同会社|合名会社|合資会社|"
    r"カブシキ[ガカ]イシヤ|ユウゲン[ガカ]イシヤ|ゴウドウ[ガカ]イシヤ|ゴウメイ[ガカ]イシヤ|ゴウシ[ガカ]イシヤ)"
    r"|(?:株式会社|有限会社|合同会社|合名会社|合資会社|"
    r"カブシキ[ガカ]イシヤ|ユウゲン[ガカ]イシヤ|ゴウドウ[ガカ]イシヤ|ゴウメイ[ガカ]イシヤ|ゴウシ[ガカ]イシヤ)$"
)
_REFERENCE_AT_START = re.compile(r"^(?=[A-Z]*[0-9])([0-9A-Z]{4,10}) +(.+)$")
_REFERENCE_AT_END = re.compile(r"^(.+?) +(?=[A-Z]*[0-9])([0-9A-Z]{4,10})$")


def _katakana(text: str) -> str:
    # hiragana → katakana: the two blocks are 0x60 apart
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def normalize_payer_name(name: str) -> str:
    """A comparison key for payer names: 「ｶ)ｻｸﾗｹﾝｾﾂ」, 「サクラケンセツ(カ」 and 「株式会社 さくら建設」's kana
    「カブシキガイシャ サクラケンセツ」 all become 「サクラケンセツ」.

    Banks send half-width capital kana with no small kana and a 法人略語 in parentheses; people type full-width
    kana, small kana and the company type in full. So: NFKC (half → full width, ｶﾞ → ガ), hiragana → katakana,
    small → capital kana, upper-case, one dash, no spaces/dots/commas, company type removed.
    """
    text = _katakana(unicodedata.normalize("NFKC", name)).translate(_SMALL_TO_CAPITAL).upper()
    text = _DASHES.sub("-", text)
    text = re.sub(r"[\s.,・]", "", text)
    for pattern in (_ABBREV_FORMS, _LONG_FORMS):
        text = pattern.sub("", text)
    return text


def to_zengin_kana(text: str) -> str:
    """Convert a kana name to the form banks send: half-width, capital kana only, upper-case ASCII."""
    out: list[str] = []
    folded = _katakana(unicodedata.normalize("NFKC", text)).translate(_SMALL_TO_CAPITAL)
    for ch in unicodedata.normalize("NFD", folded):  # NFD splits ガ into カ + U+3099
        if ch in ("\u3099", "\u309a"):  # combining (han)dakuten split off by NFD
            out.append("ﾞ" if ch == "\u3099" else "ﾟ")
        elif ch in _HALF_KANA:
            out.append(_HALF_KANA[ch])
        else:
            out.append(unicodedata.normalize("NFKC", ch).upper())
    result = "".join(out)
    _encode_text(result, len(result), "name")  # refuses what a bank cannot carry
    return result


def extract_payer_reference(name: str) -> tuple[str | None, str]:
    """Split off a customer reference typed before or after the payer name (「1234567890 ﾔﾏﾀﾞ ﾀﾛｳ」, zengin.md §6).

    The reference must contain a digit, so an all-letter company name such as 「ABC ｹﾝｾﾂ」 is not mistaken for one.
    """
    stripped = name.strip()
    if m := _REFERENCE_AT_START.match(stripped):
        return m.group(1), m.group(2)
    if m := _REFERENCE_AT_END.match(stripped):
        return m.group(2), m.group(1)
    return None, stripped
