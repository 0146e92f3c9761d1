"""The 12-digit licence number (免許証の番号, tag 21; license-ic.md §9).

Digits 1-2 公安委員会コード, 3-4 year of first licence, 5-10 serial, 11 check digit, 12
reissue count.  The check-digit formula is not officially published; the one reported by
four independent pages is

    cd = (11 - (5a+4b+3c+2d+7e+6f+5g+4h+3i+2j) mod 11) mod 10     over digits 1-10

(remainders 0 and 10 both give 1).  It is used as a soft check: a mismatch is a warning and
a reason to ask the user, never a refusal.
"""

from __future__ import annotations

WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def check_digit(first10: str) -> int:
    if len(first10) != 10 or not first10.isascii() or not first10.isdigit():
        raise ValueError("need the first 10 digits of a licence number")
    total = sum(int(c) * w for c, w in zip(first10, WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def is_well_formed(number: str) -> bool:
    return len(number) == 12 and number.isascii() and number.isdigit()


def check_digit_ok(number: str) -> bool:
    return is_well_formed(number) and check_digit(number[:10]) == int(number[10])


def mask(number: str) -> str:
    """Keep only the last 4 digits (check digit and reissue count among them)."""
    return "*" * max(len(number) - 4, 0) + number[-4:]
