"""Gap-free invoice and credit-note numbers: one counter row per series and issuer year, locked and advanced in the
same transaction as the documents it numbers. A rolled-back transaction rolls the counter back with it."""

from __future__ import annotations

from typing import Any

from stdnum import damm

from api.sql import execute, fetch, is_pg

PREFIX = {"INV": "INV", "CRN": "CRN"}


async def lock(conn: Any, *, series: str, year: int) -> int:
    """Lock the counter row (creating it at 0) and return the last number issued."""
    await execute(
        conn,
        "INSERT INTO invoice_counter (series, year, last_seq) VALUES (?, ?, 0) ON CONFLICT (series, year) DO NOTHING",
        [series, year],
    )
    # A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite before anything is read, so two
    # runs never read the same last number.
    await execute(conn, "UPDATE invoice_counter SET last_seq = last_seq WHERE series = ? AND year = ?", [series, year])
    suffix = " FOR UPDATE" if is_pg(conn) else ""
    rows = await fetch(
        conn, f"SELECT last_seq FROM invoice_counter WHERE series = ? AND year = ?{suffix}", [series, year]
    )
    return int(rows[0]["last_seq"])


async def advance(conn: Any, *, series: str, year: int, count: int) -> None:
    if count:
        await execute(
            conn,
            "UPDATE invoice_counter SET last_seq = last_seq + ? WHERE series = ? AND year = ?",
            [count, series, year],
        )


async def take(conn: Any, *, series: str, year: int) -> int:
    """The next number (locks the counter until the transaction ends)."""
    last = await lock(conn, series=series, year=year)
    await advance(conn, series=series, year=year, count=1)
    return last + 1


def display_number(series: str, year: int, seq: int) -> str:
    return f"{PREFIX.get(series, series)}-{year}-{seq:07d}"


def payment_reference(year: int, seq: int) -> str:
    """10 digits a payer types before their name or in EDI: 2-digit year, 7-digit number, Damm check digit. Only
    digits, so it survives every bank's character filter (zengin.md §6)."""
    body = f"{year % 100:02d}{seq:07d}"
    return body + damm.calc_check_digit(body)


def parse_reference(text: str) -> tuple[int, int] | None:
    """(year, seq) from a payment reference, or None when it is not one (wrong length or check digit)."""
    text = text.strip()
    if len(text) != 10 or not text.isdigit() or not damm.is_valid(text):
        return None
    return 2000 + int(text[:2]), int(text[2:9])
