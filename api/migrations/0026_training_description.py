from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0025_notices")]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name="TrainingInstitution",
            options={
                "table": "training_institution",
                "app": "models",
                "pk_attr": "site_id",
                "table_description": "The operator's record of a training site: the institution's qualifying basis and where it was published.",
            },
        ),
    ]
