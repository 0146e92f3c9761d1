from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from api.accounts.models import Role
from api.registration.models import ApplicationKind
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_face_wiring')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AssessmentBody',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=200)),
                ('trades', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'assessment_body', 'app': 'models', 'pk_attr': 'id', 'table_description': '能力評価実施団体: the trade body that judges levels in its own trades (one body, several trade codes).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KaitaiEvidence',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', db_constraint=True, to_field='id', related_name='kaitai_evidence', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=20)),
                ('completed_on', fields.DateField()),
                ('document', fields.ForeignKeyField('models.StoredImage', source_field='document_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('application_id', fields.BigIntField(unique=True)),
                ('approved_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'kaitai_evidence', 'app': 'models', 'pk_attr': 'id', 'table_description': '解体 condition (経審) for 1級/2級土木・建築施工管理技士 passed in FY2015 or earlier: one year of 解体 experience'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LevelApplication',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', db_constraint=True, to_field='id', related_name='level_applications', on_delete=OnDelete.CASCADE)),
                ('trade', fields.CharField(max_length=10)),
                ('body', fields.ForeignKeyField('models.AssessmentBody', source_field='body_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
                ('applied_by_id', fields.BigIntField()),
                ('proxy', fields.BooleanField(default=False)),
                ('status', fields.CharField(default='submitted', max_length=12)),
                ('estimate_level', fields.SmallIntField()),
                ('criteria_version', fields.CharField(max_length=40)),
                ('evidence', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('open_key', fields.CharField(null=True, unique=True, max_length=40)),
                ('judged_level', fields.SmallIntField(null=True)),
                ('reason', fields.TextField(null=True, unique=False)),
                ('decided_by_id', fields.BigIntField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'level_application', 'app': 'models', 'indexes': [Index(fields=['body_id', 'status'])], 'pk_attr': 'id', 'table_description': "能力評価の申請: a technician (or the employer for them) asks the trade's body to judge a level."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JudgedLevel',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', db_constraint=True, to_field='id', related_name='judged_levels', on_delete=OnDelete.CASCADE)),
                ('trade', fields.CharField(max_length=10)),
                ('level', fields.SmallIntField()),
                ('from_level', fields.SmallIntField(null=True)),
                ('criteria_version', fields.CharField(max_length=40)),
                ('colour', fields.CharField(max_length=10)),
                ('body', fields.ForeignKeyField('models.AssessmentBody', source_field='body_id', db_constraint=True, to_field='id', related_name='judgements', on_delete=OnDelete.RESTRICT)),
                ('application', fields.ForeignKeyField('models.LevelApplication', source_field='application_id', unique=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('evidence', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('judged_on', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'judged_level', 'app': 'models', 'unique_together': (('technician', 'trade', 'level'),), 'pk_attr': 'id', 'table_description': 'An official level: one row per judgement that raised it (never lower than the one before), as history.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PriorExperience',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', db_constraint=True, to_field='id', related_name='prior_experience', on_delete=OnDelete.CASCADE)),
                ('trade', fields.CharField(max_length=10)),
                ('days', fields.IntField()),
                ('period_from', fields.DateField()),
                ('period_to', fields.DateField()),
                ('certifier', fields.CharField(max_length=200)),
                ('document', fields.ForeignKeyField('models.StoredImage', source_field='document_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('application_id', fields.BigIntField(unique=True)),
                ('approved_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'prior_experience', 'app': 'models', 'pk_attr': 'id', 'table_description': "Pre-registration experience certified by an employer's 経歴証明書, approved through a change application."},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Account',
            name='role',
            field=fields.CharEnumField(description='technician: technician\nbusiness_admin: business_admin\nsite_manager: site_manager\noperator: operator\ndevice: device\napi_client: api_client\nassessment_body: assessment_body', enum_type=Role, max_length=20),
        ),
        ops.AddField(
            model_name='Account',
            name='assessment_body',
            field=fields.ForeignKeyField('models.AssessmentBody', source_field='assessment_body_id', null=True, db_constraint=True, to_field='id', related_name='accounts', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Application',
            name='kind',
            field=fields.CharEnumField(description='new: new\nupgrade: upgrade\nchange: change', enum_type=ApplicationKind, max_length=10),
        ),
        ops.AddField(
            model_name='Application',
            name='applied_by_id',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='Application',
            name='change_key',
            field=fields.CharField(null=True, unique=True, max_length=60),
        ),
        ops.AddField(
            model_name='Application',
            name='change_type',
            field=fields.CharField(null=True, max_length=20),
        ),
        ops.AddField(
            model_name='Application',
            name='document',
            field=fields.ForeignKeyField('models.StoredImage', source_field='document_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Application',
            name='payload',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='ContractHistory',
            name='exemption',
            field=fields.CharField(null=True, max_length=10),
        ),
        ops.AddField(
            model_name='ContractHistory',
            name='public',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='ContractHistory',
            name='site',
            field=fields.ForeignKeyField('models.Site', source_field='site_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='ContractHistory',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=True, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Qualification',
            name='approved_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]


# Qualifications already on approved registrations were reviewed with them: they stay counted.
_APPROVE_EXISTING = ("UPDATE qualification SET approved_at = created_at "
                     "WHERE technician_id IN (SELECT id FROM technician WHERE status = 'approved')")


async def _approve_existing(apps, schema_editor):
    await schema_editor.client.execute_script(_APPROVE_EXISTING)


async def _noop(apps, schema_editor):
    return None


Migration.operations.append(ops.RunPython(_approve_existing, _noop))
