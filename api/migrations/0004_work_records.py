from tortoise import migrations
from tortoise.migrations import operations as ops
from api.workrecords.models import DirectInputStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_sites_devices_taps')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DirectInput',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', db_constraint=True, to_field='id', related_name='direct_inputs', on_delete=OnDelete.RESTRICT)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='direct_inputs', on_delete=OnDelete.RESTRICT)),
                ('work_date', fields.DateField()),
                ('start_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('end_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reason', fields.CharField(max_length=500)),
                ('entered_by_id', fields.BigIntField()),
                ('status', fields.CharEnumField(default=DirectInputStatus.pending, description='pending: pending\napproved: approved\nrejected: rejected', enum_type=DirectInputStatus, max_length=10)),
                ('decided_by_id', fields.BigIntField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision_note', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'direct_input', 'app': 'models', 'indexes': [Index(fields=['site_id', 'status'])], 'pk_attr': 'id', 'table_description': "直接入力: a missing day entered by the technician or the employer, approved by the prime's site manager."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Watermark',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=60)),
                ('value', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'batch_watermark', 'app': 'models', 'pk_attr': 'name', 'table_description': 'How far a batch has got (e.g. the receipt time of the last tap folded), so the next run starts there.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WorkRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', db_constraint=True, to_field='id', related_name='work_records', on_delete=OnDelete.RESTRICT)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='work_records', on_delete=OnDelete.RESTRICT)),
                ('work_date', fields.DateField()),
                ('first_in', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_out', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('employer_id', fields.BigIntField(null=True)),
                ('tier', fields.SmallIntField(null=True)),
                ('trade', fields.CharField(null=True, max_length=10)),
                ('position', fields.CharField(null=True, max_length=12)),
                ('work_content', fields.CharField(null=True, max_length=200)),
                ('method', fields.CharField(max_length=10)),
                ('taps', fields.IntField(default=0)),
                ('missing_exit', fields.BooleanField(default=False)),
                ('folded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'work_record', 'app': 'models', 'unique_together': (('technician', 'site', 'work_date'),), 'indexes': [Index(fields=['site_id', 'work_date']), Index(fields=['employer_id', 'work_date'])], 'pk_attr': 'id', 'table_description': '就業履歴: one per technician × site × work day, folded from accepted taps (or an approved direct input).'},
            bases=['Model'],
        ),
    ]
