"""The issuer's 適格請求書発行事業者登録番号 (T + 13 digits), printed on every invoice, credit note and receipt.

The default is a placeholder so the embedded default (a demo, a laptop) runs without one. A service on PostgreSQL is
taken to be real: it warns at start while the number is the placeholder (or not a valid number) and refuses to
finalise invoices and credit notes with it, because a qualified invoice with a made-up number is worthless to the
payer's 仕入税額控除 and cannot be corrected afterwards (finalised invoices never change)."""

from __future__ import annotations

import logging
import re
from typing import Any

from stdnum.jp import cn
from stdnum.exceptions import ValidationError as StdnumError

from api.errors import Conflict

log = logging.getLogger("openccus.billing")

PLACEHOLDER = "T0000000000000"
_FORM = re.compile(r"^T\d{13}$")


def problem(number: str) -> str | None:
    """Why `number` cannot be printed on a qualified invoice, or None. The 13 digits carry the 法人番号 check digit
    (国税庁: 登録番号 = T + 法人番号 for a corporation; individuals get 13 digits under the same rule)."""
    if number == PLACEHOLDER or number.strip("T0") == "":
        return "it is the placeholder"
    if not _FORM.match(number):
        return "it is not T followed by 13 digits"
    try:
        cn.validate(number[1:])
    except StdnumError:
        return "its check digit does not match"
    return None


def warn_at_start(settings: Any) -> None:
    why = problem(settings.invoice_issuer_number)
    if why and not settings.embedded:
        log.warning(
            "OPENCCUS_INVOICE_ISSUER_NUMBER %s: invoices and credit notes will not be finalised until the "
            "issuer's 登録番号 is set",
            why,
        )
    if settings.transfer_account() is None:
        log.warning(
            "OPENCCUS_BANK_NAME / _BRANCH / _ACCOUNT_NUMBER / _ACCOUNT_HOLDER are not set: invoices tell payers "
            "to ask the operator for the 振込先"
        )


def ensure_can_finalise(settings: Any) -> None:
    """409 invoice_issuer_number_placeholder on PostgreSQL while the number is not a real one."""
    why = problem(settings.invoice_issuer_number)
    if why and not settings.embedded:
        raise Conflict(
            f"Invoices are not finalised: the issuer's 登録番号 (OPENCCUS_INVOICE_ISSUER_NUMBER) {why}.",
            code="invoice_issuer_number_placeholder",
        )
