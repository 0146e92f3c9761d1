"""Input guards applied in the one place requests are parsed (api/http.py), so no route can forget them.

What they refuse would otherwise reach the database or the date arithmetic and come back as a 500: JSON nested deeper
than any request needs, non-finite numbers, integers beyond 64 bits (PostgreSQL's bigint), text with NUL characters
(PostgreSQL refuses them) or unpaired surrogates (not encodable as UTF-8), dates outside 1900–2100 (`date - timedelta`
overflows near year 1 and 9999; nothing in CCUS lies outside that range), and path ids that no bigint column holds.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from typing import Any

from api.errors import BadRequest, NotFound, Unprocessable

MAX_JSON_DEPTH = 32
INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2100, 12, 31)
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def _no_constant(name: str) -> Any:
    raise Unprocessable.field("body", f"{name} is not a number JSON allows", code="number_out_of_range")


def parse_json(raw: bytes) -> Any:
    """The request body as JSON, refused with a precise code when it is malformed, too deep or carries values that
    cannot be stored."""
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise BadRequest(
            f"The JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels).", code="json_too_deep"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}", code="invalid_json") from None
    check_values(data, root="body", depth_limit=MAX_JSON_DEPTH)
    return data


def check_values(value: Any, *, root: str = "body", depth_limit: int | None = None) -> None:
    """Walk parsed JSON (or a validated model's python dump) and refuse what no column or calendar can hold."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        v, path, depth = stack.pop()
        if isinstance(v, dict):
            if depth_limit is not None and depth >= depth_limit:
                raise BadRequest(f"The JSON is nested too deeply (at most {depth_limit} levels).", code="json_too_deep")
            for k, item in v.items():
                key = str(k)
                _check_text(key, f"{path}.{key}" if path else key, root)
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(v, (list, tuple)):
            if depth_limit is not None and depth >= depth_limit:
                raise BadRequest(f"The JSON is nested too deeply (at most {depth_limit} levels).", code="json_too_deep")
            stack.extend((item, f"{path}.{i}" if path else str(i), depth + 1) for i, item in enumerate(v))
        elif isinstance(v, str):
            _check_text(v, path, root)
        elif isinstance(v, bool):
            continue
        elif isinstance(v, int):
            if not -INT64_MAX - 1 <= v <= INT64_MAX:
                raise Unprocessable.field(path or root, "the number is too large", code="number_out_of_range")
        elif isinstance(v, float):
            if not math.isfinite(v):
                raise Unprocessable.field(path or root, "the number is too large", code="number_out_of_range")
        elif isinstance(v, (date, datetime)):
            day = v.date() if isinstance(v, datetime) else v
            if not MIN_DATE <= day <= MAX_DATE:
                raise Unprocessable.field(
                    path or root, f"the date must lie between {MIN_DATE} and {MAX_DATE}", code="date_out_of_range"
                )


def _check_text(text: str, path: str, root: str) -> None:
    if _BAD_TEXT.search(text):
        raise Unprocessable.field(
            path or root, "the text contains a NUL character or an unpaired surrogate", code="invalid_character"
        )


def check_path(params: dict[str, Any]) -> None:
    """Path ids beyond 64 bits name nothing (every primary key is a bigint); text with NUL names nothing either."""
    for value in params.values():
        if isinstance(value, int) and not 0 <= value <= INT64_MAX:
            raise NotFound("Not found.", code="record_not_found")
        if isinstance(value, str) and _BAD_TEXT.search(value):
            raise NotFound("Not found.", code="record_not_found")


def check_query(params: Any) -> None:
    for key, value in params.multi_items():
        _check_text(key, key, "query")
        _check_text(value, key, "query")
