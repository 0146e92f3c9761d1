"""The catalogue of error codes as data: api/data/error_codes.csv, one row per code with its HTTP status and the text
users read in Japanese and English (the PWA is built from the same file, pwa/scripts/masters.mjs). Field-level
messages of request validation are keyed by pydantic's error `type` in api/data/field_errors.csv.

A new refusal adds one line to error_codes.csv; tests/api/test_error_codes.py fails on a code raised anywhere in
api/ that the catalogue lacks, and on a catalogue line that nothing raises."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import NamedTuple

DATA = Path(__file__).parent / "data"

# Codes that only the framework handlers in api/error_handlers.py send: request-schema validation (422), paths that no route
# serves (404/405), another HTTP error, a write that lost a race to a unique constraint (409), our own failure (500).
FRAMEWORK = ("validation_error", "not_found", "method_not_allowed", "http_error", "write_conflict", "internal_error")


class ErrorCode(NamedTuple):
    code: str
    status: int
    ja: str
    en: str


@cache
def catalogue() -> dict[str, ErrorCode]:
    with (DATA / "error_codes.csv").open(encoding="utf-8", newline="") as f:
        return {r["code"]: ErrorCode(r["code"], int(r["status"]), r["ja"], r["en"]) for r in csv.DictReader(f)}
