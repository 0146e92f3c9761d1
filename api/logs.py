"""Logging without personal data.

What could carry it, and what happens here:
* exception text: asyncpg and SQLite errors quote the values of the failing row or parameter ("Failing row contains
  (…, 山田, 1985-04-01, …)", "invalid input for query argument $3: '090-…'"), pydantic's ValidationError repeats the
  input ("input_value='…'"), and a RAISE in a trigger may print anything. RedactingFormatter keeps the traceback
  (file, line, code) but replaces the message of these exceptions — and of every exception chained to them — with
  the exception's class and its safe parts (SQLSTATE, constraint, table, column);
* access logs: uvicorn's prints the query string; it is switched off and api/middleware.AccessLog logs method, path
  and status only;
* tortoise logs every SQL statement with its parameters at DEBUG: its loggers are kept at INFO.
"""

from __future__ import annotations

import logging
import logging.config
import traceback
from typing import Any

FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
_REDACTED_MODULES = ("asyncpg", "tortoise", "pydantic", "pydantic_core", "sqlite3", "aiosqlite")


def _is_data_bearing(exc: BaseException) -> bool:
    mod = type(exc).__module__.split(".")[0]
    return mod in _REDACTED_MODULES or isinstance(exc, UnicodeError)


def safe_description(exc: BaseException) -> str:
    """The class of a database/validation error and the parts of it that name schema, never values."""
    parts = [type(exc).__name__]
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc  # tortoise wraps asyncpg's
    for attr in ("sqlstate", "constraint_name", "table_name", "column_name"):
        value = getattr(inner, attr, None)
        if value:
            parts.append(f"{attr}={value}")
    if hasattr(exc, "error_count"):  # pydantic ValidationError: where, and which rule — never the input
        try:
            parts += [f"{'.'.join(map(str, e['loc']))}:{e['type']}" for e in exc.errors(include_input=False)]  # type: ignore[attr-defined]
        except Exception:
            pass
    return " ".join(parts) + " (message withheld: it may quote personal data)"


def format_exception(exc: BaseException) -> str:
    te = traceback.TracebackException.from_exception(exc)
    seen: set[int] = set()
    stack: list[tuple[traceback.TracebackException, BaseException]] = [(te, exc)]
    while stack:  # the chain (__cause__ / __context__) side by side: the TracebackException and its exception
        node, real = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if _is_data_bearing(real):
            node._str = safe_description(real)  # type: ignore[attr-defined]
        if node.__cause__ is not None and real.__cause__ is not None:
            stack.append((node.__cause__, real.__cause__))
        if node.__context__ is not None and real.__context__ is not None:
            stack.append((node.__context__, real.__context__))
    return "".join(te.format()).rstrip("\n")


class RedactingFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        return format_exception(ei[1]) if ei and ei[1] is not None else super().formatException(ei)

    def format(self, record: logging.LogRecord) -> str:
        # An exception passed as a %-argument ("failed: %s", exc) would print its message: describe it instead.
        if isinstance(record.args, tuple) and any(
            isinstance(a, BaseException) and _is_data_bearing(a) for a in record.args
        ):
            record.args = tuple(
                safe_description(a) if isinstance(a, BaseException) and _is_data_bearing(a) else a for a in record.args
            )
        return super().format(record)


def log_config(level: str = "INFO") -> dict[str, Any]:
    """For uvicorn's `log_config` and for workers: every handler formats through RedactingFormatter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"redacting": {"()": RedactingFormatter, "format": FORMAT}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "redacting", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            # Its own access log prints the query string: off (api/middleware.AccessLog replaces it).
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            "tortoise": {"level": "INFO"},
            "tortoise.db_client": {"level": "INFO"},
            "aiosqlite": {"level": "INFO"},
            "asyncio": {"level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    logging.config.dictConfig(log_config(level))
