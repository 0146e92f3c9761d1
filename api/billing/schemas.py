from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from api.common import Int, Month, Strict, Yen, invalid

Period = Month
Reason = Annotated[str, StringConstraints(min_length=2, max_length=1000)]


class InvoiceLineOut(BaseModel):
    fee_type: str
    label: str
    site_pk: int | None
    site_name: str | None = Field(
        default=None, description="The site's name (a usage line), so no internal id is shown"
    )
    unit_price_yen: int
    quantity: int
    amount_yen: int
    tax_rate_percent: int


class RateTotalOut(BaseModel):
    tax_rate_percent: int
    amount_yen: int
    tax_yen: int


class CreditNoteLineOut(BaseModel):
    fee_type: str | None
    label: str
    amount_yen: int
    tax_rate_percent: int


class CreditNoteOut(BaseModel):
    id: int
    number: str
    invoice_pk: int
    issued_on: date
    total_yen: int
    tax_yen: int
    by_rate: list[RateTotalOut]
    reason: str
    lines: list[CreditNoteLineOut] = []


class AllocationOut(BaseModel):
    payment_pk: int
    source: str
    amount_yen: int
    received_on: date
    matched_by: str


class OnlinePaymentOut(BaseModel):
    intent_id: str
    method: str
    amount_yen: int
    status: str
    failure_message: str | None


class InvoiceOut(BaseModel):
    id: int
    number: str
    payment_reference: str = Field(description="10 digits to type before the payer name or in EDI on a bank transfer")
    kind: str
    business_pk: int | None
    technician_pk: int | None
    payer_name: str | None = Field(default=None, description="The business's name, or the technician's (lists)")
    period: date | None
    issued_on: date
    due_on: date
    total_yen: int
    tax_yen: int
    by_rate: list[RateTotalOut]
    credited_yen: int
    paid_yen: int
    balance_yen: int = Field(description="total − credited − paid (negative: paid too much)")
    status: str
    payment_status: Literal["unpaid", "partially_paid", "paid", "overpaid"]


class TransferAccountOut(BaseModel):
    """振込先: where to transfer the invoice's amount (type the payment reference before the payer name)."""

    bank: str
    branch: str
    account_type: str = Field(description="普通 or 当座")
    account_number: str
    holder: str = Field(description="the holder's name as the bank prints it (half-width kana)")
    demo: bool = Field(description="true on the embedded demo: not a real account")


class InvoiceDetailOut(InvoiceOut):
    lines: list[InvoiceLineOut]
    credit_notes: list[CreditNoteOut]
    payments: list[AllocationOut]
    online_payments: list[OnlinePaymentOut]
    transfer_to: TransferAccountOut | None = Field(
        default=None, description="振込先; null: not configured, ask the operator"
    )
    online_payment_available: bool = Field(
        default=False, description="whether card / konbini payment can be started (a payment provider is configured)"
    )


class ChargeOut(BaseModel):
    id: int
    fee_type: str
    label: str
    event_date: date
    site_pk: int | None
    quantity: int
    unit_price_yen: int
    amount_yen: int
    counted_in: date
    invoice_pk: int | None


class InvoiceQuery(BaseModel):
    period: Period | None = None
    status: Literal["open", "paid"] | None = None
    overdue: bool = Field(default=False, description="Only open invoices past their due date")
    q: str | None = Field(
        default=None,
        max_length=100,
        description="The invoice number (INV-2026-0000123, or its last digits) or words of the payer's name",
    )
    limit: int = Field(default=100, ge=1, le=1000)
    before_id: int | None = None


class CloseIn(Strict):
    period: Period | None = Field(default=None, description="YYYY-MM; default: the previous month (Japan time)")


class CloseOut(BaseModel):
    job_id: str
    period: str
    run_id: int = Field(description="the batch run (GET /api/v1/admin/batches/runs/{run_id} for its status)")
    status: str = Field(description="queued / running / done / failed")
    already_running: bool = Field(
        description="true when a close of this month was already queued or running: this request started nothing new"
    )


class BillingRunOut(BaseModel):
    period: date
    started_at: datetime
    finished_at: datetime | None
    runs: int
    usage_charges: int
    renewal_charges: int
    invoices: int
    invoiced_yen: int
    carried_businesses: int


class CreditLineIn(Strict):
    label: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    amount_yen: Yen
    tax_rate_percent: Literal[10, 8] = 10
    fee_type: Annotated[str, StringConstraints(max_length=40)] | None = None


class CreditNoteIn(Strict):
    lines: list[CreditLineIn] = Field(min_length=1, max_length=50)
    reason: Reason


class LumpSumIn(Strict):
    contract_amount_yen: Yen | None = Field(default=None, description="請負金額: picks the band and its person-days")
    estimated_person_days: Annotated[Int, Field(ge=1, le=10_000_000)] | None = None

    @model_validator(mode="after")
    def one_input(self) -> LumpSumIn:
        if (self.contract_amount_yen is None) == (self.estimated_person_days is None):
            raise invalid("amount_or_days_required", "give either contract_amount_yen or estimated_person_days")
        return self


class LumpSumOut(BaseModel):
    site_pk: int
    business_pk: int
    band: str | None
    contract_amount_yen: int | None
    estimated_person_days: int
    unit_price_yen: int
    discount_percent: int
    amount_yen: int
    chosen_on: date
    settles_after: date = Field(
        description="After this day (the late-record deadline of the window's last day) the "
        "records are compared with the estimate and the excess charged"
    )
    settled_on: date | None = None
    actual_person_days: int | None = None
    excess_person_days: int | None = None
    excess_yen: int | None = None


class QuoteQuery(BaseModel):
    kind: Literal["technician_registration", "business_registration", "technician_upgrade", "card_reissue", "renewal"]
    tier: Literal["simplified", "detailed"] | None = Field(
        default=None, description="technician registration and renewal: 簡略型 / 詳細型"
    )
    capital_yen: Annotated[int, Field(ge=0, le=10**15)] | None = Field(
        default=None, description="business registration: 資本金 in yen; omit for an individual proprietor"
    )
    sole_proprietor: bool | None = Field(default=None, description="business registration: 一人親方")
    on: date | None = Field(default=None, description="the submission day to price (default today, Japan time)")


class QuoteOut(BaseModel):
    kind: str
    fee_type: str
    variant: str
    label_ja: str
    amount_yen: int
    priced_on: date
    tariff_valid_from: date
    tariff_valid_to: date | None
    source: str
