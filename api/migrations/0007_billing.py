from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from api.billing.models import AnchorKind, InvoiceKind, InvoiceStatus
from api.payments.models import ExceptionStatus, PaymentSource, PaymentStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_keishin')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BankImport',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('filename', fields.CharField(max_length=200)),
                ('sha256', fields.CharField(max_length=64)),
                ('records', fields.IntField()),
                ('new_payments', fields.IntField()),
                ('duplicates', fields.IntField()),
                ('matched', fields.IntField()),
                ('queued', fields.IntField()),
                ('imported_by_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'bank_import', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One 全銀 振込入金通知 file as imported: counts and who imported it (the file itself is not kept).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BillingAnchor',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='business_registration: business_registration\nadmin_id: admin_id', enum_type=AnchorKind, max_length=30)),
                ('business', fields.ForeignKeyField('models.Business', source_field='business_id', db_constraint=True, to_field='id', related_name='billing_anchors', on_delete=OnDelete.RESTRICT)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='billing_anchors', on_delete=OnDelete.RESTRICT)),
                ('anchored_on', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'billing_anchor', 'app': 'models', 'unique_together': (('kind', 'business', 'account'),), 'indexes': [Index(fields=['kind', 'anchored_on'])], 'pk_attr': 'id', 'table_description': 'When a recurring fee started: renewals fall due every term from this date (set-based in the monthly close).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BillingRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('period', fields.DateField(unique=True)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('runs', fields.IntField(default=0)),
                ('usage_charges', fields.IntField(default=0)),
                ('renewal_charges', fields.IntField(default=0)),
                ('invoices', fields.IntField(default=0)),
                ('invoiced_yen', fields.BigIntField(default=0)),
                ('carried_businesses', fields.IntField(default=0)),
            ],
            options={'table': 'billing_run', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One monthly close: what it did. Running a period again updates this row and changes no invoice.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invoice',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('series', fields.CharField(default='INV', max_length=3)),
                ('year', fields.SmallIntField()),
                ('seq', fields.IntField()),
                ('business', fields.ForeignKeyField('models.Business', source_field='business_id', null=True, db_constraint=True, to_field='id', related_name='invoices', on_delete=OnDelete.RESTRICT)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', null=True, db_constraint=True, to_field='id', related_name='invoices', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='monthly: monthly\nimmediate: immediate', enum_type=InvoiceKind, max_length=10)),
                ('period', fields.DateField(null=True)),
                ('issued_on', fields.DateField()),
                ('due_on', fields.DateField()),
                ('total_10', fields.BigIntField(default=0)),
                ('tax_10', fields.BigIntField(default=0)),
                ('total_8', fields.BigIntField(default=0)),
                ('tax_8', fields.BigIntField(default=0)),
                ('total_yen', fields.BigIntField()),
                ('tax_yen', fields.BigIntField()),
                ('credited_yen', fields.BigIntField(default=0)),
                ('paid_yen', fields.BigIntField(default=0)),
                ('status', fields.CharEnumField(default=InvoiceStatus.open, description='open: open\npaid: paid', enum_type=InvoiceStatus, max_length=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'invoice', 'app': 'models', 'unique_together': (('series', 'year', 'seq'), ('business', 'period', 'kind')), 'indexes': [Index(fields=['status', 'due_on']), Index(fields=['technician_id', 'issued_on'])], 'pk_attr': 'id', 'table_description': 'A finalised qualified invoice (適格請求書). Number = series, issuer year and a gap-free sequence.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Charge',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('business', fields.ForeignKeyField('models.Business', source_field='business_id', null=True, db_constraint=True, to_field='id', related_name='charges', on_delete=OnDelete.RESTRICT)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', null=True, db_constraint=True, to_field='id', related_name='charges', on_delete=OnDelete.RESTRICT)),
                ('fee_type', fields.CharField(max_length=40)),
                ('variant', fields.CharField(max_length=40)),
                ('label', fields.CharField(max_length=200)),
                ('source_key', fields.CharField(unique=True, max_length=160)),
                ('event_date', fields.DateField()),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', null=True, db_constraint=True, to_field='id', related_name='charges', on_delete=OnDelete.RESTRICT)),
                ('work_month', fields.DateField(null=True)),
                ('quantity', fields.IntField()),
                ('unit_price_yen', fields.IntField()),
                ('amount_yen', fields.BigIntField()),
                ('tax_rate_percent', fields.SmallIntField(default=10)),
                ('tariff_valid_from', fields.DateField()),
                ('counted_in', fields.DateField()),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', null=True, db_constraint=True, to_field='id', related_name='charges', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'charge', 'app': 'models', 'indexes': [Index(fields=['business_id', 'invoice_id']), Index(fields=['invoice_id']), Index(fields=['site_id', 'work_month']), Index(fields=['fee_type', 'event_date'])], 'pk_attr': 'id', 'table_description': 'One billable event, priced from the tariff in force on its event date (the version is kept).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CreditNote',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('series', fields.CharField(default='CRN', max_length=3)),
                ('year', fields.SmallIntField()),
                ('seq', fields.IntField()),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='credit_notes', on_delete=OnDelete.RESTRICT)),
                ('issued_on', fields.DateField()),
                ('total_10', fields.BigIntField(default=0)),
                ('tax_10', fields.BigIntField(default=0)),
                ('total_8', fields.BigIntField(default=0)),
                ('tax_8', fields.BigIntField(default=0)),
                ('total_yen', fields.BigIntField()),
                ('tax_yen', fields.BigIntField()),
                ('reason', fields.TextField(unique=False)),
                ('created_by_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'credit_note', 'app': 'models', 'unique_together': (('series', 'year', 'seq'),), 'indexes': [Index(fields=['invoice_id'])], 'pk_attr': 'id', 'table_description': '適格返還請求書: a correction of a finalised invoice. Never more, per tax rate, than the invoice still holds.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CreditNoteLine',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('credit_note', fields.ForeignKeyField('models.CreditNote', source_field='credit_note_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.RESTRICT)),
                ('fee_type', fields.CharField(null=True, max_length=40)),
                ('label', fields.CharField(max_length=200)),
                ('amount_yen', fields.BigIntField()),
                ('tax_rate_percent', fields.SmallIntField(default=10)),
            ],
            options={'table': 'credit_note_line', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InvoiceCounter',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('series', fields.CharField(max_length=3)),
                ('year', fields.SmallIntField()),
                ('last_seq', fields.IntField(default=0)),
            ],
            options={'table': 'invoice_counter', 'app': 'models', 'unique_together': (('series', 'year'),), 'pk_attr': 'id', 'table_description': 'The last number issued per series and issuer year. Updated in the same transaction as the invoices it numbers'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InvoiceLine',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.RESTRICT)),
                ('fee_type', fields.CharField(max_length=40)),
                ('label', fields.CharField(max_length=200)),
                ('site_id', fields.BigIntField(null=True)),
                ('unit_price_yen', fields.IntField()),
                ('quantity', fields.IntField()),
                ('amount_yen', fields.BigIntField()),
                ('tax_rate_percent', fields.SmallIntField(default=10)),
            ],
            options={'table': 'invoice_line', 'app': 'models', 'indexes': [Index(fields=['invoice_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LumpSumSite',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site', fields.OneToOneField('models.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='lump_sum', on_delete=OnDelete.RESTRICT)),
                ('business', fields.ForeignKeyField('models.Business', source_field='business_id', db_constraint=True, to_field='id', related_name='lump_sum_sites', on_delete=OnDelete.RESTRICT)),
                ('band', fields.CharField(null=True, max_length=30)),
                ('contract_amount_yen', fields.BigIntField(null=True)),
                ('estimated_person_days', fields.IntField()),
                ('unit_price_yen', fields.IntField()),
                ('discount_percent', fields.SmallIntField(default=0)),
                ('amount_yen', fields.BigIntField()),
                ('chosen_on', fields.DateField()),
                ('created_by_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'lump_sum_site', 'app': 'models', 'pk_attr': 'id', 'table_description': '一括支払方式: a site whose 現場利用料 is prepaid as one amount instead of per work record.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OnlinePayment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('intent_id', fields.CharField(unique=True, max_length=100)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='online_payments', on_delete=OnDelete.RESTRICT)),
                ('method', fields.CharField(max_length=20)),
                ('amount_yen', fields.BigIntField()),
                ('status', fields.CharField(max_length=40)),
                ('last_event_at', fields.BigIntField(default=0)),
                ('failure_message', fields.CharField(null=True, max_length=300)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'online_payment', 'app': 'models', 'indexes': [Index(fields=['invoice_id'])], 'pk_attr': 'id', 'table_description': 'A Stripe PaymentIntent for an invoice. Its status only moves forward: a late, older webhook never undoes a'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Payment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('source', fields.CharEnumField(description='card: card\nkonbini: konbini\nbank_transfer: bank_transfer', enum_type=PaymentSource, max_length=20)),
                ('external_id', fields.CharField(unique=True, max_length=200)),
                ('amount_yen', fields.BigIntField()),
                ('allocated_yen', fields.BigIntField(default=0)),
                ('refunded_yen', fields.BigIntField(default=0)),
                ('received_on', fields.DateField()),
                ('payer_name', fields.CharField(default='', max_length=200)),
                ('reference', fields.CharField(default='', max_length=40)),
                ('status', fields.CharEnumField(default=PaymentStatus.received, description='received: received\ncancelled: cancelled\nrefunded: refunded', enum_type=PaymentStatus, max_length=12)),
                ('bank_import', fields.ForeignKeyField('models.BankImport', source_field='bank_import_id', null=True, db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('details', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment', 'app': 'models', 'indexes': [Index(fields=['source', 'received_on'])], 'pk_attr': 'id', 'table_description': "Money received. external_id is unique (the PaymentIntent id, or the bank notice's idempotency key), so a"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentAllocation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('payment', fields.ForeignKeyField('models.Payment', source_field='payment_id', db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.RESTRICT)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.RESTRICT)),
                ('amount_yen', fields.BigIntField()),
                ('matched_by', fields.CharField(max_length=30)),
                ('created_by_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment_allocation', 'app': 'models', 'indexes': [Index(fields=['invoice_id']), Index(fields=['payment_id'])], 'pk_attr': 'id', 'table_description': 'A part of a payment applied to an invoice. Several per payment when the operator splits it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentException',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('payment', fields.ForeignKeyField('models.Payment', source_field='payment_id', db_constraint=True, to_field='id', related_name='exceptions', on_delete=OnDelete.RESTRICT)),
                ('reason', fields.CharField(max_length=40)),
                ('detail', fields.CharField(max_length=500)),
                ('candidate_invoice_id', fields.BigIntField(null=True)),
                ('status', fields.CharEnumField(default=ExceptionStatus.open, description='open: open\nresolved: resolved', enum_type=ExceptionStatus, max_length=10)),
                ('resolution', fields.CharField(null=True, max_length=20)),
                ('resolved_by_id', fields.BigIntField(null=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('note', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment_exception', 'app': 'models', 'indexes': [Index(fields=['status', 'created_at']), Index(fields=['payment_id'])], 'pk_attr': 'id', 'table_description': "The operator's correction queue (seed 000 No.72, 入金情報の訂正): 不明入金 and 誤入金 with the reason they could"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.CharField(default='stripe', max_length=20)),
                ('event_id', fields.CharField(unique=True, max_length=100)),
                ('type', fields.CharField(max_length=100)),
                ('created', fields.BigIntField()),
                ('payload', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('result', fields.CharField(max_length=200)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'webhook_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Every verified provider event, once (event id unique), with its payload and what applying it did.'},
            bases=['Model'],
        ),
    ]


# --- added by hand: finalised invoices never change (DESIGN §4) -------------------------------------------------------
# Invoices keep only their payment state mutable (credited_yen, paid_yen, status); their lines, credit notes and the
# charges they billed are frozen. Like the audit trail (0002), the database itself refuses, whoever runs the SQL.
_FIXED = ("series", "year", "seq", "business_id", "technician_id", "kind", "period", "issued_on", "due_on", "total_10",
          "tax_10", "total_8", "tax_8", "total_yen", "tax_yen")
_FROZEN = ("invoice_line", "credit_note", "credit_note_line")
_PG_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _FIXED)
_SQLITE_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _FIXED)
_TRIGGERS = {
    "postgres": [
        """CREATE FUNCTION billing_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION '% is immutable once issued', TG_TABLE_NAME; END $$""",
        *(f"""CREATE TRIGGER {t}_immutable BEFORE UPDATE OR DELETE ON {t}
              FOR EACH ROW EXECUTE FUNCTION billing_immutable()""" for t in _FROZEN),
        """CREATE TRIGGER invoice_no_delete BEFORE DELETE ON invoice
           FOR EACH ROW EXECUTE FUNCTION billing_immutable()""",
        f"""CREATE TRIGGER invoice_fixed BEFORE UPDATE ON invoice FOR EACH ROW WHEN ({_PG_CHANGED})
            EXECUTE FUNCTION billing_immutable()""",
        """CREATE TRIGGER charge_invoiced_fixed BEFORE UPDATE OR DELETE ON charge FOR EACH ROW
           WHEN (OLD.invoice_id IS NOT NULL) EXECUTE FUNCTION billing_immutable()""",
    ],
    "sqlite": [
        *(f"""CREATE TRIGGER {t}_no_{op} BEFORE {op.upper()} ON {t}
              BEGIN SELECT RAISE(ABORT, '{t} is immutable once issued'); END""" for t in _FROZEN
          for op in ("update", "delete")),
        """CREATE TRIGGER invoice_no_delete BEFORE DELETE ON invoice
           BEGIN SELECT RAISE(ABORT, 'invoice is immutable once issued'); END""",
        f"""CREATE TRIGGER invoice_fixed BEFORE UPDATE ON invoice WHEN {_SQLITE_CHANGED}
            BEGIN SELECT RAISE(ABORT, 'invoice is immutable once issued'); END""",
        *(f"""CREATE TRIGGER charge_invoiced_no_{op} BEFORE {op.upper()} ON charge WHEN OLD.invoice_id IS NOT NULL
              BEGIN SELECT RAISE(ABORT, 'charge is immutable once invoiced'); END""" for op in ("update", "delete")),
    ],
}
_DROP = {
    "postgres": [*(f"DROP TRIGGER {t}_immutable ON {t}" for t in _FROZEN), "DROP TRIGGER invoice_no_delete ON invoice",
                 "DROP TRIGGER invoice_fixed ON invoice", "DROP TRIGGER charge_invoiced_fixed ON charge",
                 "DROP FUNCTION billing_immutable()"],
    "sqlite": [*(f"DROP TRIGGER {t}_no_{op}" for t in _FROZEN for op in ("update", "delete")),
               "DROP TRIGGER invoice_no_delete", "DROP TRIGGER invoice_fixed", "DROP TRIGGER charge_invoiced_no_update",
               "DROP TRIGGER charge_invoiced_no_delete"],
}


def _runner(statements):
    async def run(apps, schema_editor):
        for sql in statements[schema_editor.client.capabilities.dialect]:
            await schema_editor.client.execute_script(sql)

    return run


Migration.operations.append(ops.RunPython(_runner(_TRIGGERS), _runner(_DROP)))
