from tortoise import migrations
from tortoise.migrations import operations as ops
from api.sites.models import SiteKind, TrainingBasis
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0021_mail')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TrainingInstitution',
            fields=[
                ('site', fields.OneToOneField('models.Site', source_field='site_id', primary_key=True, db_index=True, db_constraint=True, to_field='id', related_name='training', on_delete=OnDelete.CASCADE)),
                ('basis', fields.CharEnumField(description='vocational_training: vocational_training\nindustry_group: industry_group', enum_type=TrainingBasis, max_length=20)),
                ('basis_detail', fields.CharField(max_length=500)),
                ('source_url', fields.CharField(max_length=500)),
                ('source_date', fields.DateField()),
                ('registered_by_id', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'training_institution', 'app': 'models', 'pk_attr': 'site_id', 'table_description': "The operator's record of a training site: the institution's qualifying basis and where it was published."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Site',
            name='kind',
            field=fields.CharEnumField(default=SiteKind.work, description='work: work\ntraining: training', db_default='work', enum_type=SiteKind, max_length=10),
        ),
    ]
