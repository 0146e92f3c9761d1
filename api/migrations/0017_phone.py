from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from api.phone.models import PhoneOutcome
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0016_dead_state')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PhoneCheckin',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('idempotency_key', fields.CharField(unique=True, max_length=100)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='phone_checkins', on_delete=OnDelete.CASCADE)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', db_constraint=True, to_field='id', related_name='phone_checkins', on_delete=OnDelete.CASCADE)),
                ('direction', fields.CharField(max_length=3)),
                ('client_time', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('lat', fields.FloatField()),
                ('lon', fields.FloatField()),
                ('accuracy_m', fields.FloatField()),
                ('distance_m', fields.FloatField()),
                ('via_qr', fields.BooleanField(default=False)),
                ('signed_by_id', fields.BigIntField(null=True)),
                ('nonce', fields.CharField(null=True, max_length=64)),
                ('reasons', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('outcome', fields.CharEnumField(description='accepted: accepted\nreview: review', enum_type=PhoneOutcome, max_length=10)),
                ('tap_id', fields.BigIntField(null=True)),
                ('approved', fields.BooleanField(null=True)),
                ('reviewed_by_id', fields.BigIntField(null=True)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'phone_checkin', 'app': 'models', 'unique_together': (('signed_by_id', 'nonce'),), 'indexes': [Index(fields=['site_id', 'outcome']), Index(fields=['technician_id', 'client_time'])], 'pk_attr': 'id', 'table_description': "A check-in from the technician's own phone. A refused one is never stored (the answer names the reason), a"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PhoneDeviceKey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account_id', fields.BigIntField()),
                ('key_id', fields.CharField(unique=True, max_length=64)),
                ('public_key', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'phone_device_key', 'app': 'models', 'pk_attr': 'id', 'table_description': "A phone's ECDSA P-256 public key, enrolled at login: its private key never leaves the phone."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PhoneQrUse',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site_id', fields.BigIntField()),
                ('technician_id', fields.BigIntField()),
                ('day', fields.DateField()),
                ('direction', fields.CharField(max_length=3)),
            ],
            options={'table': 'phone_qr_use', 'app': 'models', 'unique_together': (('site_id', 'technician_id', 'day', 'direction'),), 'pk_attr': 'id', 'table_description': "A day's gate code proves presence once per technician and direction: a second use is `qr_replayed`."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PhoneSettings',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site', fields.OneToOneField('models.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='phone_settings', on_delete=OnDelete.CASCADE)),
                ('polygon', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('max_accuracy_m', fields.IntField(default=50)),
                ('policy', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('selfie_required', fields.BooleanField(default=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'phone_settings', 'app': 'models', 'pk_attr': 'id', 'table_description': "A site's phone check-in settings (docs/phone.md). The circle fence is the site's own geofence columns, a"},
            bases=['Model'],
        ),
    ]
