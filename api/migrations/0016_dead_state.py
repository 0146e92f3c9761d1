from tortoise import migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('models', '0012_auth_hardening')]

    initial = False

    operations = [
        ops.RemoveField(model_name='Account', name='failed_logins'),
        ops.RemoveField(model_name='Account', name='locked_until'),
        ops.DeleteModel(name='Watermark'),
    ]
