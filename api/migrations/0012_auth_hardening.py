from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_once')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Business',
            name='corporate_number_claim',
            field=fields.CharField(null=True, max_length=13),
        ),
        ops.CreateModel(
            name='LoginThrottle',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('failures', fields.IntField(default=0, db_default=0)),
                ('busy', fields.IntField(default=0, db_default=0)),
                ('last_failure', fields.FloatField(default=0, db_default=0)),
                ('busy_since', fields.FloatField(default=0, db_default=0)),
                ('locked_until', fields.FloatField(default=0, db_default=0)),
            ],
            options={'table': 'login_throttle', 'app': 'models', 'pk_attr': 'key', 'table_description': 'Attempt counters of api/ratelimit.py when Redis is not configured (or unreachable). The key is a digest of'},
            bases=['Model'],
        ),
    ]
