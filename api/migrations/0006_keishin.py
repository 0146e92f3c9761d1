from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_levels_face_licence')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ContractHistory',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('business', fields.ForeignKeyField('models.Business', source_field='business_id', db_constraint=True, to_field='id', related_name='contract_history', on_delete=OnDelete.CASCADE)),
                ('customer', fields.CharField(max_length=200)),
                ('work_name', fields.CharField(max_length=200)),
                ('prime', fields.BooleanField()),
                ('location', fields.CharField(max_length=200)),
                ('amount_thousand_yen', fields.BigIntField()),
                ('started_on', fields.DateField(null=True)),
                ('completed_on', fields.DateField(null=True)),
                ('industry_code', fields.CharField(max_length=2)),
                ('breakdown_code', fields.CharField(null=True, max_length=3)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'contract_history', 'app': 'models', 'indexes': [Index(fields=['business_id', 'completed_on'])], 'pk_attr': 'id', 'table_description': 'One 工事経歴書 row of a business: the input of 別紙一 (completed construction by industry).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Technician',
            name='employed_since',
            field=fields.DateField(null=True),
        ),
    ]
