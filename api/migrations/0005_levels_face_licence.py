from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from api.face.models import CheckinOutcome
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_work_records')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FaceCheckin',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='face_checkins', on_delete=OnDelete.CASCADE)),
                ('device', fields.ForeignKeyField('models.Device', source_field='device_id', db_constraint=True, to_field='id', related_name='face_checkins', on_delete=OnDelete.CASCADE)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', null=True, db_constraint=True, to_field='id', related_name='face_checkins', on_delete=OnDelete.CASCADE)),
                ('tap_id', fields.BigIntField(null=True)),
                ('outcome', fields.CharEnumField(description='accepted: accepted\nreview: review\nneeds_card: needs_card\nnot_recognised: not_recognised\nambiguous: ambiguous', enum_type=CheckinOutcome, max_length=16)),
                ('distance', fields.FloatField(null=True)),
                ('second_distance', fields.FloatField(null=True)),
                ('liveness_risk', fields.FloatField()),
                ('model_version', fields.CharField(max_length=60)),
                ('evidence_sealed', fields.BinaryField(null=True)),
                ('evidence_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('device_time', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('idempotency_key', fields.CharField(unique=True, max_length=100)),
                ('reviewed_by_id', fields.BigIntField(null=True)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'face_checkin', 'app': 'models', 'indexes': [Index(fields=['site_id', 'outcome'])], 'pk_attr': 'id', 'table_description': 'One kiosk check-in attempt, with its evidence image (encrypted) kept until `evidence_expires_at`.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FaceEmbedding',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', db_constraint=True, to_field='id', related_name='face_embeddings', on_delete=OnDelete.CASCADE)),
                ('photo_sha256', fields.CharField(max_length=64)),
                ('model_version', fields.CharField(max_length=60)),
                ('sealed', fields.BinaryField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'face_embedding', 'app': 'models', 'unique_together': (('technician', 'photo_sha256', 'model_version'),), 'pk_attr': 'id', 'table_description': 'A face embedding (128 float32), encrypted at rest, computed by a job from a photo, recomputed when the photo'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LevelRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', db_constraint=True, to_field='id', related_name='levels', on_delete=OnDelete.CASCADE)),
                ('trade', fields.CharField(max_length=10)),
                ('level', fields.SmallIntField()),
                ('from_level', fields.SmallIntField(null=True)),
                ('direction', fields.CharField(max_length=10)),
                ('criteria_version', fields.CharField(max_length=40)),
                ('evidence', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('on', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'level_record', 'app': 'models', 'indexes': [Index(fields=['technician_id', 'trade'])], 'pk_attr': 'id', 'table_description': "A technician's level per trade, as history: one row per change (first, up, down, or new criteria)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RegistrationDraft',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner_account_id', fields.BigIntField()),
                ('source', fields.CharField(max_length=10)),
                ('fields_json', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('licence_number_masked', fields.CharField(null=True, max_length=20)),
                ('raw_sealed', fields.BinaryField(null=True)),
                ('consent_raw', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'registration_draft', 'app': 'models', 'pk_attr': 'id', 'table_description': "A 簡略型 registration draft filled from a driver's licence (IC chip or card-face photo). The licence number is"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Site',
            name='face_policy',
            field=fields.CharField(default='review', db_default='review', max_length=10),
        ),
        ops.AddField(
            model_name='Site',
            name='face_threshold',
            field=fields.FloatField(default=0.5, db_default=0.5),
        ),
    ]
