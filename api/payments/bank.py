"""Bank transfers: import a 全銀協 振込入金通知 file and match each credit to an invoice.

The file is read whole before anything is written (api.payments.zengin is all-or-nothing) and the import runs in one
transaction, so a malformed, truncated or inconsistent file is refused with its precise code and record number and
changes nothing. Each credit is stored once (its idempotency key from zengin.dedupe_key), so overlapping downloads
or a re-import never record the same money twice.

Matching order (zengin.md §6): the invoice's payment reference in EDI情報, then in 振込依頼人コード, then typed before
or after the payer name, then the payer's kana name with the exact amount among open invoices. An exact match is
applied; anything else is queued for the operator with its reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass

from tortoise import connections

from api.accounts.models import Account
from api.audit import service as audit
from api.billing.invoices import lock_invoice, refresh_state
from api.billing.models import Invoice
from api.billing.numbering import parse_reference
from api.sql import fetch, is_pg
from api.errors import Unprocessable
from api.payments import zengin
from api.payments.apply import auto_apply, queue, record_once
from api.payments.models import (
    BankImport,
    ExceptionStatus,
    Payment,
    PaymentAllocation,
    PaymentException,
    PaymentSource,
    PaymentStatus,
)
from api.timeutil import today_jst

_TEN_DIGITS = re.compile(r"(?<!\d)(\d{10})(?!\d)")


@dataclass
class LineResult:
    record: int
    amount_yen: int
    payer_name: str
    outcome: str  # matched / queued / duplicate / cancelled
    invoice_pk: int | None = None
    reason: str | None = None


def _key(header: zengin.NoticeHeader, transfer: zengin.Transfer) -> str:
    return "zengin:" + hashlib.sha256("|".join(zengin.dedupe_key(header, transfer)).encode()).hexdigest()


async def import_notice(*, actor: Account, filename: str, data: bytes) -> tuple[BankImport, list[LineResult]]:
    try:
        notice = zengin.parse_transfer_notice(data, today=today_jst())
    except zengin.ZenginError as exc:
        where = f"record {exc.line_no}: " if exc.line_no else ""
        raise Unprocessable(
            f"The transfer notice was refused, nothing was imported. {where}{exc.message}",
            code=exc.code,
            fields=[{"field": "file", "message": where + exc.message}],
        ) from None
    imp = await BankImport.create(
        filename=filename[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        records=0,
        new_payments=0,
        duplicates=0,
        matched=0,
        queued=0,
        imported_by_id=actor.id,
    )
    results: list[LineResult] = []
    for header, transfer in notice.entries():
        results.append(await _one(imp, header, transfer))
    counts = {
        "records": len(results),
        "new_payments": sum(r.outcome != "duplicate" for r in results),
        "duplicates": sum(r.outcome == "duplicate" for r in results),
        "matched": sum(r.outcome == "matched" for r in results),
        "queued": sum(r.outcome == "queued" for r in results),
    }
    await BankImport.filter(id=imp.id).update(**counts)
    for k, v in counts.items():
        setattr(imp, k, v)
    await audit.record(
        actor=actor,
        action="payment.bank_import",
        entity_type="bank_import",
        entity_id=imp.id,
        after={"filename": imp.filename, "sha256": imp.sha256, **counts},
    )
    return imp, results


async def _one(imp: BankImport, header: zengin.NoticeHeader, t: zengin.Transfer) -> LineResult:
    base = {"record": t.line_no, "amount_yen": t.amount_yen, "payer_name": t.payer_name}
    details = {
        "bank": header.bank_code,
        "branch": header.branch_code,
        "account": header.account_number,
        "inquiry_number": t.inquiry_number,
        "remitting_bank": t.remitting_bank_name,
        "remitting_branch": t.remitting_branch_name,
        "edi": t.edi_info,
        "payer_code": t.payer_code,
        "other_bank_cheque_yen": t.other_bank_cheque_yen,
    }
    payment = await record_once(
        source=PaymentSource.bank_transfer,
        external_id=_key(header, t),
        amount_yen=t.amount_yen,
        received_on=t.posted_on,
        payer_name=t.payer_name,
        bank_import_id=imp.id,
        reference=(t.edi_info or t.payer_code)[:40],
        details=details,
        status=PaymentStatus.cancelled if t.cancelled else PaymentStatus.received,
    )
    if payment is None:  # this credit was imported before (or by a concurrent import of the same file)
        return LineResult(**base, outcome="duplicate")
    if t.cancelled:
        return await _cancel(payment, header, t, base)
    invoice, how = await _match(t)
    if invoice is None:
        reason, detail = how
        await queue(payment=payment, reason=reason, detail=detail)
        return LineResult(**base, outcome="queued", reason=reason)
    outcome = await auto_apply(payment=payment, invoice_pk=invoice.id, matched_by=how[0])
    if isinstance(outcome, PaymentException):
        return LineResult(**base, outcome="queued", invoice_pk=invoice.id, reason=outcome.reason)
    return LineResult(**base, outcome="matched", invoice_pk=invoice.id)


async def _by_reference(text: str) -> Invoice | None:
    for candidate in _TEN_DIGITS.findall(text or ""):
        parsed = parse_reference(candidate)
        if parsed:
            inv = await Invoice.get_or_none(series="INV", year=parsed[0], seq=parsed[1])
            if inv is not None:
                return inv
    return None


async def _match(t: zengin.Transfer) -> tuple[Invoice | None, tuple[str, str]]:
    reference, name = zengin.extract_payer_reference(t.payer_name)
    for how, text in (("edi", t.edi_info), ("payer_code", t.payer_code), ("name_reference", reference or "")):
        inv = await _by_reference(text)
        if inv is not None:
            return inv, (how, "")
    key = zengin.normalize_payer_name(name)
    if not key:
        return None, ("unknown_payer", f"no payer name and no invoice reference for {t.amount_yen} yen")
    rows = await fetch(
        connections.get("default"),
        """
        SELECT i.id, b.name_kana FROM invoice i JOIN business b ON b.id = i.business_id
        WHERE i.status = 'open' AND i.total_yen - i.credited_yen - i.paid_yen = ?""",
        [t.amount_yen],
    )
    hits = [r["id"] for r in rows if zengin.normalize_payer_name(r["name_kana"]) == key]
    if len(hits) == 1:
        return await Invoice.get(id=hits[0]), ("name_amount", "")
    if len(hits) > 1:
        return None, (
            "ambiguous_payer",
            f"{len(hits)} open invoices of {t.amount_yen} yen match the payer name {t.payer_name!r}",
        )
    return None, (
        "unknown_payer",
        f"no open invoice of {t.amount_yen} yen for the payer {t.payer_name!r} and no invoice reference (不明入金)",
    )


async def _cancel(payment: Payment, header: zengin.NoticeHeader, t: zengin.Transfer, base: dict) -> LineResult:
    """取消区分 1: the bank withdraws a credit it notified earlier. Undo what that credit did, or queue it."""
    # Locked like every writer of a payment (payment first): an operator's decision on it waits, or goes first.
    qs = Payment.filter(external_id=_key(header, dataclasses.replace(t, cancelled=False)))
    original = await (qs.select_for_update() if is_pg() else qs).first()
    if original is None or original.status is not PaymentStatus.received:
        await queue(
            payment=payment,
            reason="cancel_without_credit",
            detail=f"the bank cancels a credit of {t.amount_yen} yen (照会番号 {t.inquiry_number}) that was "
            "never imported",
        )
        return LineResult(**base, outcome="queued", reason="cancel_without_credit")
    for alloc in await PaymentAllocation.filter(payment=original):
        inv = await lock_invoice(alloc.invoice_id)  # type: ignore[attr-defined]
        inv.paid_yen -= alloc.amount_yen
        await refresh_state(inv)
        await alloc.delete()
    await Payment.filter(id=original.id).update(status=PaymentStatus.cancelled, allocated_yen=0)
    await PaymentException.filter(payment=original, status=ExceptionStatus.open).update(
        status=ExceptionStatus.resolved, resolution="cancelled", note="cancelled by the bank (取消)"
    )
    await audit.record(
        actor=None,
        action="payment.bank_cancel",
        entity_type="payment",
        entity_id=original.id,
        before={"status": "received", "allocated_yen": original.allocated_yen},
        after={"status": "cancelled", "allocated_yen": 0},
        reason="取消区分 1 in the transfer notice",
    )
    return LineResult(**base, outcome="cancelled")
