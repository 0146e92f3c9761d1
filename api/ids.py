"""The 14-digit OpenCCUS IDs and the 13-digit 法人番号.

Real CCUS IDs are 14 digits with no published structure. OpenCCUS makes the 14th digit a Damm check digit over the
first 13, so a mistyped ID (any single wrong digit, any swap of neighbours) is refused before it is looked up.
"""

from __future__ import annotations

import secrets

from stdnum import damm
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.jp import cn

from api.errors import Unprocessable


def new_ccus_id() -> str:
    body = str(secrets.randbelow(9 * 10**12) + 10**12)  # 13 digits, no leading zero
    return body + damm.calc_check_digit(body)


def is_valid_ccus_id(value: str) -> bool:
    return len(value) == 14 and value.isascii() and value.isdigit() and damm.is_valid(value)


def check_ccus_id(value: str, *, field: str) -> str:
    if not (len(value) == 14 and value.isascii() and value.isdigit()):
        raise Unprocessable.field(field, "must be exactly 14 digits", code="invalid_id")
    if not damm.is_valid(value):
        raise Unprocessable.field(field, "check digit does not match; please check the ID", code="invalid_check_digit")
    return value


def check_corporate_number(value: str) -> str:
    """法人番号: 13 digits whose first digit is a check digit (国税庁 rule, implemented by python-stdnum)."""
    try:
        return cn.validate(value)
    except StdnumError as exc:
        raise Unprocessable.field("corporate_number", f"not a valid 法人番号: {exc}", code="invalid_corporate_number")
