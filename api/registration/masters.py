"""The qualification and trade masters, loaded from data files (codes are data, not code)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@cache
def qualifications() -> dict[str, dict[str, str]]:
    """Qualification codes: the 経審 有資格区分コード from the 経審 master (api/keishin/data, the newest name of each
    code) plus training, 登録基幹技能者, awards and other level criteria (qualifications_other.csv)."""
    out: dict[str, dict[str, str]] = {}
    with open(DATA.parent.parent / "keishin" / "data" / "qualifications.csv", encoding="utf-8") as f:
        for row in sorted(csv.DictReader(f), key=lambda r: r["valid_from"]):
            out[row["code"]] = {"code": row["code"], "name": row["name"], "category": "keishin"}
    with open(DATA / "qualifications_other.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[row["code"]] = row
    return out


@cache
def trades() -> dict[str, str]:
    """職種 codes (大分類-小分類). The official CCUS code list is not public; these are OpenCCUS's own."""
    with open(DATA / "trades.csv", encoding="utf-8") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


@cache
def trade_industries() -> dict[str, str]:
    """職種 → the 建設業種 (2-digit) its level evaluation counts for in 経審 (Z1: level 4 = 3 points, level 3 = 2),
    where the 能力評価基準 maps to one; trades without one are absent."""
    with open(DATA / "trades.csv", encoding="utf-8") as f:
        return {row["code"]: row["keishin_industry"] for row in csv.DictReader(f) if row["keishin_industry"]}
