from tortoise import migrations
from tortoise.migrations import operations as ops
from api.attendance.models import TapMethod
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0021_mail')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Tap',
            name='method',
            field=fields.CharEnumField(description='card: card\nface: face\nphone: phone\napi: api\ndirect: direct\nvirtual_card: virtual_card', enum_type=TapMethod, max_length=12),
        ),
    ]
