from tortoise import migrations
from tortoise.migrations import operations as ops

# Once means once (docs/architecture.md): at most one open (submitted or returned) registration application — new or
# upgrade — per technician and per business. Submitting locks the technician's row as well; the index holds without it.
_INDEXES = tuple(
    f"CREATE UNIQUE INDEX application_one_open_{subject} ON application ({subject}_id) "
    f"WHERE {subject}_id IS NOT NULL AND status IN ('submitted', 'returned') AND kind IN ('new', 'upgrade')"
    for subject in ("technician", "business")
)


async def _forward(apps, schema_editor):
    for sql in _INDEXES:
        await schema_editor.client.execute_script(sql)


async def _backward(apps, schema_editor):
    await schema_editor.client.execute_script("DROP INDEX application_one_open_technician")
    await schema_editor.client.execute_script("DROP INDEX application_one_open_business")


class Migration(migrations.Migration):
    dependencies = [("models", "0017_phone")]

    initial = False

    operations = [
        ops.RunPython(_forward, _backward),
    ]
