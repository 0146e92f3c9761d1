"""The qualification and trade masters, loaded from data files (codes are data, not code)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@cache
def qualifications() -> dict[str, dict[str, str]]:
    """Qualification codes: the 経審 有資格区分コード (shared with api.keishin) plus training, 登録基幹技能者 and awards."""
    with open(DATA / "qualifications.csv", encoding="utf-8") as f:
        return {row["code"]: row for row in csv.DictReader(f)}


@cache
def trades() -> dict[str, str]:
    """職種 codes (大分類-小分類). The official CCUS code list is not public; these are OpenCCUS's own."""
    with open(DATA / "trades.csv", encoding="utf-8") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}
