"""A 振込入金通知 built field by field from the positions in zengin.md §2, independently of the writer under test."""

from __future__ import annotations

TODAY = __import__("datetime").date(2026, 11, 22)


def n(value: int | str, width: int) -> bytes:
    text = str(value).zfill(width)
    assert len(text) == width
    return text.encode("ascii")


def c(text: str, width: int) -> bytes:
    raw = text.encode("cp932")
    assert len(raw) <= width, text
    return raw.ljust(width, b" ")


def header(*, bank: str = "0005", branch: str = "001", account: str = "1234567", name: str = "ｵ-ﾌﾟﾝｼ-ｼ-ﾕ-ｴｽ") -> bytes:
    rec = b"".join(
        [
            b"1",
            b"01",
            b"0",
            b"081120",
            b"081120",
            b"081120",  # 令和8年11月20日 = 2026-11-20
            n(bank, 4),
            c("ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ", 15),
            n(branch, 3),
            c("ﾎﾝﾃﾝ", 15),
            b"1",
            n(account, 7),
            c(name, 40),
            b" " * 93,
        ]
    )
    assert len(rec) == 200
    return rec


def data(
    *,
    ref: str,
    amount: int,
    name: str,
    code: str = "0000000000",
    value_date: str = "081120",
    cancel: bytes = b"0",
    edi: str = "",
    bank: str = "ﾐｽﾞﾎ",
    branch: str = "ｼﾝｼﾞﾕｸ",
) -> bytes:
    rec = b"".join(
        [
            b"2",
            n(ref, 6),
            b"081120",
            value_date.encode("ascii"),
            n(amount, 10),
            n(0, 10),
            c(code, 10),
            c(name, 48),
            c(bank, 15),
            c(branch, 15),
            cancel,
            c(edi, 20),
            b" " * 52,
        ]
    )
    assert len(rec) == 200
    return rec


def trailer(count: int, total: int, cancel_count: int = 0, cancel_total: int = 0) -> bytes:
    rec = b"8" + n(count, 6) + n(total, 12) + n(cancel_count, 6) + n(cancel_total, 12) + b" " * 163
    assert len(rec) == 200
    return rec


END = b"9" + b" " * 199


def sample_records() -> list[bytes]:
    """Two accounts: three transfers into the first; a transfer and its cancellation into the second."""
    return [
        header(),
        data(ref="000101", amount=11_400, name="ｶ)ｻｸﾗｹﾝｾﾂ", edi="C2026110001"),
        data(ref="000102", amount=24_000, name="1234567890 ﾔﾏﾀﾞ ﾀﾛｳ", code="1234567890"),
        data(ref="000103", amount=6_000, name="ｱｵｿﾞﾗｺｳｷﾞﾖｳ(ﾕ", value_date="000000", bank="ﾕｳﾁﾖ", branch="ｾﾞﾛｲﾁﾊﾁ"),
        trailer(3, 41_400),
        header(bank="0009", branch="123", account="7654321"),
        data(ref="000201", amount=5_000, name="ﾄﾞ)ﾐﾄﾞﾘﾃﾞﾝｾﾂ"),
        data(ref="000201", amount=5_000, name="ﾄﾞ)ﾐﾄﾞﾘﾃﾞﾝｾﾂ", cancel=b"1"),
        trailer(2, 10_000, 1, 5_000),
        END,
    ]


def crlf(records: list[bytes]) -> bytes:
    return b"".join(r + b"\r\n" for r in records)
