from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.common import Int, Strict, Yen

Reason = Annotated[str, StringConstraints(min_length=2, max_length=1000)]


class PayIn(Strict):
    method: Literal["card", "konbini"]
    return_path: Annotated[str, StringConstraints(pattern=r"^/([A-Za-z0-9_.-][A-Za-z0-9/_.-]{0,199})?$")] | None = (
        Field(
            default=None,
            description="pay on the provider's hosted page and come back to this path of OpenCCUS "
            "(with ?payment=done or ?payment=cancelled); without it, a PaymentIntent for Stripe.js",
        )
    )


class PayOut(BaseModel):
    intent_id: str | None = Field(
        description="the PaymentIntent (Stripe.js flow); with a hosted page it is created when the payer pays"
    )
    client_secret: str | None = Field(description="for Stripe.js on the payer's device; not stored by OpenCCUS")
    hosted_url: str | None = Field(default=None, description="the provider's payment page to send the payer to")
    method: str
    amount_yen: int
    status: str


class WebhookOut(BaseModel):
    event: str
    status: Literal["processed", "duplicate"]
    result: str | None = None


class ImportLineOut(BaseModel):
    record: int
    amount_yen: int
    payer_name: str
    outcome: Literal["matched", "queued", "duplicate", "cancelled"]
    invoice_pk: int | None
    reason: str | None


class BankImportOut(BaseModel):
    id: int
    filename: str
    records: int
    new_payments: int
    duplicates: int
    matched: int
    queued: int
    lines: list[ImportLineOut]


class ExceptionOut(BaseModel):
    id: int
    reason: str = Field(
        description="unknown_payer / ambiguous_payer / amount_mismatch / invoice_already_paid / cancel_without_credit"
    )
    detail: str
    status: str
    resolution: str | None
    note: str | None
    candidate_invoice_pk: int | None
    created_at: datetime
    resolved_at: datetime | None
    payment_pk: int
    source: str
    amount_yen: int
    unapplied_yen: int
    received_on: date
    payer_name: str
    reference: str


class ExceptionQuery(BaseModel):
    status: Literal["open", "resolved"] | None = "open"
    limit: int = Field(default=100, ge=1, le=1000)


class AssignIn(Strict):
    invoice_id: Int
    reason: Reason


class SplitPart(Strict):
    invoice_id: Int
    amount_yen: Annotated[Yen, Field(gt=0)]


class SplitIn(Strict):
    parts: list[SplitPart] = Field(default_factory=list, max_length=50)
    refund_yen: Yen = 0
    reason: Reason


class RefundIn(Strict):
    reason: Reason
