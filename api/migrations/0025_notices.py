from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0024_partitions')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Notification',
            name='about',
            field=fields.CharField(default='', max_length=200),
        ),
    ]
