"""Billing tables: charges (billable events), renewal anchors, invoices with their lines, credit notes, the gap-free
number counter, lump-sum sites and the record of each monthly run.

Money is integer yen, tax included. Invoices, their lines and credit notes are immutable once written: database
triggers (migration 0007) refuse changes to their amounts, numbers and lines. Only the payment state of an invoice
(paid_yen, credited_yen, status) moves.
"""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class Charge(Model):
    """One billable event, priced from the tariff in force on its event date (the version is kept).

    A charge is pending (carried forward) until a monthly close puts it on an invoice. source_key is the natural key
    of the event (application, account and year, site and work month and run), unique, so a retried or repeated
    recording never bills twice."""

    id = fields.BigIntField(primary_key=True)
    business: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Business", related_name="charges", null=True, on_delete=fields.RESTRICT
    )
    # A technician with no employer pays their own registration and card fees: invoiced at once, not monthly.
    technician: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Technician", related_name="charges", null=True, on_delete=fields.RESTRICT
    )
    fee_type = fields.CharField(max_length=40)
    variant = fields.CharField(max_length=40)
    label = fields.CharField(max_length=200)
    source_key = fields.CharField(max_length=160, unique=True)
    event_date = fields.DateField()  # Japan date that picked the tariff
    site: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Site", related_name="charges", null=True, on_delete=fields.RESTRICT
    )
    work_month = fields.DateField(null=True)  # 現場利用料: first day of the month the work records are from
    quantity = fields.IntField()
    unit_price_yen = fields.IntField()
    amount_yen = fields.BigIntField()
    tax_rate_percent = fields.SmallIntField(default=10)
    tariff_valid_from = fields.DateField()  # the tariff version used
    counted_in = fields.DateField()  # first day of the billing month whose close picks it up
    invoice: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Invoice", related_name="charges", null=True, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "charge"
        indexes = (
            ("business_id", "invoice_id"),
            ("invoice_id",),
            ("site_id", "work_month"),
            ("fee_type", "event_date"),
        )


class AnchorKind(str, Enum):
    business_registration = "business_registration"  # renewed every 60 months
    admin_id = "admin_id"  # renewed every 12 months


class BillingAnchor(Model):
    """When a recurring fee started: renewals fall due every term from this date (set-based in the monthly close)."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(AnchorKind, max_length=30)
    business: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Business", related_name="billing_anchors", on_delete=fields.RESTRICT
    )
    account: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="billing_anchors", null=True, on_delete=fields.RESTRICT
    )
    anchored_on = fields.DateField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "billing_anchor"
        unique_together = (("kind", "business", "account"),)
        indexes = (("kind", "anchored_on"),)


class InvoiceKind(str, Enum):
    monthly = "monthly"  # a business's bill for a month (with anything carried forward)
    immediate = "immediate"  # a technician without an employer, billed when the fee arises


class InvoiceStatus(str, Enum):
    open = "open"
    paid = "paid"


class Invoice(Model):
    """A finalised qualified invoice (適格請求書). Number = series, issuer year and a gap-free sequence."""

    id = fields.BigIntField(primary_key=True)
    series = fields.CharField(max_length=3, default="INV")
    year = fields.SmallIntField()
    seq = fields.IntField()
    business: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Business", related_name="invoices", null=True, on_delete=fields.RESTRICT
    )
    technician: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Technician", related_name="invoices", null=True, on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(InvoiceKind, max_length=10)
    period = fields.DateField(null=True)  # first day of the billed month (monthly invoices)
    issued_on = fields.DateField()
    due_on = fields.DateField()
    total_10 = fields.BigIntField(default=0)
    tax_10 = fields.BigIntField(default=0)
    total_8 = fields.BigIntField(default=0)
    tax_8 = fields.BigIntField(default=0)
    total_yen = fields.BigIntField()
    tax_yen = fields.BigIntField()
    # The only columns that change after issue: the payment state.
    credited_yen = fields.BigIntField(default=0)
    paid_yen = fields.BigIntField(default=0)
    status = fields.CharEnumField(InvoiceStatus, max_length=10, default=InvoiceStatus.open)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "invoice"
        unique_together = (("series", "year", "seq"), ("business", "period", "kind"))
        indexes = (("status", "due_on"), ("technician_id", "issued_on"))


class InvoiceLine(Model):
    id = fields.BigIntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="lines", on_delete=fields.RESTRICT
    )
    fee_type = fields.CharField(max_length=40)
    label = fields.CharField(max_length=200)
    site_id = fields.BigIntField(null=True)
    unit_price_yen = fields.IntField()
    quantity = fields.IntField()
    amount_yen = fields.BigIntField()
    tax_rate_percent = fields.SmallIntField(default=10)

    class Meta:
        table = "invoice_line"
        indexes = (("invoice_id",),)


class InvoiceCounter(Model):
    """The last number issued per series and issuer year. Updated in the same transaction as the invoices it numbers
    (locked first), so numbers are sequential and a rolled-back run leaves no gap."""

    id = fields.BigIntField(primary_key=True)
    series = fields.CharField(max_length=3)
    year = fields.SmallIntField()
    last_seq = fields.IntField(default=0)

    class Meta:
        table = "invoice_counter"
        unique_together = (("series", "year"),)


class CreditNote(Model):
    """適格返還請求書: a correction of a finalised invoice. Never more, per tax rate, than the invoice still holds."""

    id = fields.BigIntField(primary_key=True)
    series = fields.CharField(max_length=3, default="CRN")
    year = fields.SmallIntField()
    seq = fields.IntField()
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="credit_notes", on_delete=fields.RESTRICT
    )
    issued_on = fields.DateField()
    total_10 = fields.BigIntField(default=0)
    tax_10 = fields.BigIntField(default=0)
    total_8 = fields.BigIntField(default=0)
    tax_8 = fields.BigIntField(default=0)
    total_yen = fields.BigIntField()
    tax_yen = fields.BigIntField()
    reason = fields.TextField()
    created_by_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "credit_note"
        unique_together = (("series", "year", "seq"),)
        indexes = (("invoice_id",),)


class CreditNoteLine(Model):
    id = fields.BigIntField(primary_key=True)
    credit_note: fields.ForeignKeyRelation[CreditNote] = fields.ForeignKeyField(
        "models.CreditNote", related_name="lines", on_delete=fields.RESTRICT
    )
    fee_type = fields.CharField(max_length=40, null=True)
    label = fields.CharField(max_length=200)
    amount_yen = fields.BigIntField()
    tax_rate_percent = fields.SmallIntField(default=10)

    class Meta:
        table = "credit_note_line"


class LumpSumSite(Model):
    """一括支払方式: a site whose 現場利用料 is prepaid as one amount instead of per work record."""

    id = fields.BigIntField(primary_key=True)
    site: fields.OneToOneRelation = fields.OneToOneField(
        "models.Site", related_name="lump_sum", on_delete=fields.RESTRICT
    )
    business: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Business", related_name="lump_sum_sites", on_delete=fields.RESTRICT
    )
    band = fields.CharField(max_length=30, null=True)  # contract amount band, when priced from one
    contract_amount_yen = fields.BigIntField(null=True)
    estimated_person_days = fields.IntField()
    unit_price_yen = fields.IntField()  # the per-record 現場利用料 on the day of the choice
    discount_percent = fields.SmallIntField(default=0)
    amount_yen = fields.BigIntField()
    chosen_on = fields.DateField()
    created_by_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Settlement after the accumulation window (api/billing/lump_sum.py settle): set once by a conditional UPDATE
    # (WHERE settled_on IS NULL); the excess charge has the unique source key site_lump_sum_excess:{site}.
    settled_on = fields.DateField(null=True)
    actual_person_days = fields.IntField(null=True)
    excess_person_days = fields.IntField(null=True)
    excess_yen = fields.BigIntField(null=True)

    class Meta:
        table = "lump_sum_site"


class BillingRun(Model):
    """One monthly close: what it did. Running a period again updates this row and changes no invoice."""

    id = fields.BigIntField(primary_key=True)
    period = fields.DateField(unique=True)
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    runs = fields.IntField(default=0)
    usage_charges = fields.IntField(default=0)
    renewal_charges = fields.IntField(default=0)
    invoices = fields.IntField(default=0)
    invoiced_yen = fields.BigIntField(default=0)
    carried_businesses = fields.IntField(default=0)

    class Meta:
        table = "billing_run"


class ChargedWorkRecord(Model):
    """A work record whose 現場利用料 has been charged: at most once, ever, because the work record's id is the key.
    The monthly close claims records here (INSERT … ON CONFLICT DO NOTHING) before pricing them into its charges,
    so no two closes can both charge one. No foreign key: a record's charge outlives a refold of its day."""

    work_record_id = fields.BigIntField(primary_key=True, generated=False)
    site_id = fields.BigIntField()
    work_month = fields.DateField()
    tariff_valid_from = fields.DateField()
    unit_price_yen = fields.IntField()
    charge_key = fields.CharField(max_length=160)  # the source_key of the charge that bills it
    charge_id = fields.BigIntField(null=True)  # set in the same transaction
    charged_at = fields.DatetimeField()

    class Meta:
        table = "charged_work_record"
        indexes = (("charge_id",), ("site_id", "work_month"))
