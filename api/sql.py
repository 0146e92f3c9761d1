"""Raw SQL written once with `?` placeholders for PostgreSQL and SQLite (the set-based statements of the fold, the
levels aggregation and billing)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

from tortoise import connections


def dialect(conn: Any | None = None) -> str:
    return (conn or connections.get("default")).capabilities.dialect


def is_pg(conn: Any | None = None) -> bool:
    return dialect(conn) == "postgres"


def q(text: str, conn: Any | None = None) -> str:
    """`?` → `$n` for asyncpg; `{true}`/`{false}` → the back end's boolean literals."""
    return _translate(text, is_pg(conn))


@lru_cache(maxsize=1024)
def _translate(text: str, pg: bool) -> str:
    # Cached: the same few statements run on every request (authentication, tap ingest).
    text = text.replace("{true}", "true" if pg else "1").replace("{false}", "false" if pg else "0")
    if not pg:
        return text
    out, n = [], 0
    for ch in text:
        if ch == "?":
            n += 1
            out.append(f"${n}")
        else:
            out.append(ch)
    return "".join(out)


def p(value: Any, conn: Any | None = None) -> Any:
    """Dates and times as each back end stores them (tortoise keeps SQLite dates and datetimes as ISO text)."""
    if is_pg(conn):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def marks(values: Any) -> str:
    """The placeholders of an IN list of these values ("?, ?, ?"); NULL for none, which matches nothing."""
    return ", ".join("?" * len(values)) or "NULL"


async def execute(conn: Any, text: str, values: list[Any]) -> int:
    """Run a write and return the number of rows it touched, on both back ends."""
    params = [p(v, conn) for v in values]
    if is_pg(conn):
        # tortoise reads asyncpg's "INSERT 0 n" status badly; count RETURNING rows instead.
        _, rows = await conn.execute_query(
            f"WITH w AS ({q(text, conn)} RETURNING 1) SELECT count(*) AS n FROM w", params
        )
        return int(rows[0]["n"])
    written, _ = await conn.execute_query(q(text, conn), params)
    return int(written)


async def fetch(conn: Any, text: str, values: list[Any]) -> list[dict[str, Any]]:
    return await conn.execute_query_dict(q(text, conn), [p(v, conn) for v in values])


def month_start_expr(column: str, conn: Any | None = None) -> str:
    """The first day of the column's month, as the back end stores a date."""
    if is_pg(conn):
        return f"CAST(date_trunc('month', {column}) AS DATE)"
    return f"strftime('%Y-%m-01', {column})"


def as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
