"""Payment tables: money received (card, konbini, bank transfer), how it was applied to invoices, the online payment
intents, the provider's webhook events, bank-file imports and the operator's correction queue."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class PaymentSource(str, Enum):
    card = "card"
    konbini = "konbini"
    bank_transfer = "bank_transfer"


class PaymentStatus(str, Enum):
    received = "received"  # money in, applied in full or waiting in the correction queue
    cancelled = "cancelled"  # the bank cancelled the transfer notice (取消)
    refunded = "refunded"  # paid back (in part or whole: see refunded_yen)


class Payment(Model):
    """Money received. external_id is unique (the PaymentIntent id, or the bank notice's idempotency key), so a
    repeated webhook or a re-imported bank file never records the same money twice."""

    id = fields.BigIntField(primary_key=True)
    source = fields.CharEnumField(PaymentSource, max_length=20)
    external_id = fields.CharField(max_length=200, unique=True)
    amount_yen = fields.BigIntField()
    allocated_yen = fields.BigIntField(default=0)
    refunded_yen = fields.BigIntField(default=0)
    received_on = fields.DateField()
    payer_name = fields.CharField(max_length=200, default="")
    reference = fields.CharField(max_length=40, default="")  # what the payer typed or the EDI field carried
    status = fields.CharEnumField(PaymentStatus, max_length=12, default=PaymentStatus.received)
    bank_import: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.BankImport", related_name="payments", null=True, on_delete=fields.RESTRICT
    )
    details = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payment"
        indexes = (("source", "received_on"),)


class PaymentAllocation(Model):
    """A part of a payment applied to an invoice. Several per payment when the operator splits it."""

    id = fields.BigIntField(primary_key=True)
    payment: fields.ForeignKeyRelation[Payment] = fields.ForeignKeyField(
        "models.Payment", related_name="allocations", on_delete=fields.RESTRICT
    )
    invoice: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Invoice", related_name="allocations", on_delete=fields.RESTRICT
    )
    amount_yen = fields.BigIntField()
    matched_by = fields.CharField(max_length=30)  # edi / payer_code / name_reference / name_amount / online / operator
    created_by_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payment_allocation"
        indexes = (("invoice_id",), ("payment_id",))


class OnlinePayment(Model):
    """A Stripe PaymentIntent for an invoice. Its status only moves forward: a late, older webhook never undoes a
    newer state, and a terminal state (succeeded, canceled) is final."""

    id = fields.BigIntField(primary_key=True)
    intent_id = fields.CharField(max_length=100, unique=True)
    invoice: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Invoice", related_name="online_payments", on_delete=fields.RESTRICT
    )
    method = fields.CharField(max_length=20)  # card / konbini
    amount_yen = fields.BigIntField()
    status = fields.CharField(max_length=40)
    last_event_at = fields.BigIntField(default=0)  # the provider's created timestamp of the newest applied event
    refunded_yen = fields.BigIntField(default=0)  # what the provider says it refunded in all (charge.refunded)
    failure_message = fields.CharField(max_length=300, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "online_payment"
        indexes = (("invoice_id",),)


class WebhookEvent(Model):
    """Every verified provider event, once (event id unique), with its payload and what applying it did."""

    id = fields.BigIntField(primary_key=True)
    provider = fields.CharField(max_length=20, default="stripe")
    event_id = fields.CharField(max_length=100, unique=True)
    type = fields.CharField(max_length=100)
    created = fields.BigIntField()  # the provider's timestamp
    payload = fields.JSONField()
    result = fields.CharField(max_length=200)
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_event"


class BankImport(Model):
    """One 全銀 振込入金通知 file as imported: counts and who imported it (the file itself is not kept)."""

    id = fields.BigIntField(primary_key=True)
    filename = fields.CharField(max_length=200)
    sha256 = fields.CharField(max_length=64)
    records = fields.IntField()
    new_payments = fields.IntField()
    duplicates = fields.IntField()
    matched = fields.IntField()
    queued = fields.IntField()
    imported_by_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "bank_import"


class ExceptionStatus(str, Enum):
    open = "open"
    resolved = "resolved"


class PaymentException(Model):
    """The operator's correction queue (seed 000 No.72, 入金情報の訂正): 不明入金 and 誤入金 with the reason they could
    not be applied, and how they were resolved (assign, split, refund). Every resolution is also audited."""

    id = fields.BigIntField(primary_key=True)
    payment: fields.ForeignKeyRelation[Payment] = fields.ForeignKeyField(
        "models.Payment", related_name="exceptions", on_delete=fields.RESTRICT
    )
    reason = fields.CharField(max_length=40)
    detail = fields.CharField(max_length=500)
    candidate_invoice_id = fields.BigIntField(null=True)
    status = fields.CharEnumField(ExceptionStatus, max_length=10, default=ExceptionStatus.open)
    resolution = fields.CharField(max_length=20, null=True)  # assigned / split / refunded / closed
    resolved_by_id = fields.BigIntField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    note = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payment_exception"
        indexes = (("status", "created_at"), ("payment_id",))
