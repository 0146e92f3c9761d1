from tortoise import migrations
from tortoise.migrations import operations as ops
from api.registration.models import ApplicationKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0018_races')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Application',
            name='kind',
            field=fields.CharEnumField(description='new: new\nupgrade: upgrade\nchange: change\nrenewal: renewal', enum_type=ApplicationKind, max_length=10),
        ),
        ops.AddField(
            model_name='Application',
            name='fee_yen',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Application',
            name='priced_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='LumpSumSite',
            name='actual_person_days',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='LumpSumSite',
            name='excess_person_days',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='LumpSumSite',
            name='excess_yen',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='LumpSumSite',
            name='settled_on',
            field=fields.DateField(null=True),
        ),
    ]
