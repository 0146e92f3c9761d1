from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0028_kentaikyo_numbers")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Account",
            name="request_key",
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
    ]
