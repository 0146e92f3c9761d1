"""The audit trail is append-only in the database itself: UPDATE and DELETE raise, whoever runs them."""

from tortoise import migrations
from tortoise.migrations import operations as ops

_SQL = {
    "postgres": [
        """CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END $$""",
        """CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OR DELETE ON audit_entry
           FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
           BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END""",
        """CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
           BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END""",
    ],
}
_REVERSE = {
    "postgres": ["DROP TRIGGER audit_entry_no_update ON audit_entry", "DROP FUNCTION audit_entry_append_only()"],
    "sqlite": ["DROP TRIGGER audit_entry_no_update", "DROP TRIGGER audit_entry_no_delete"],
}


def _runner(statements):
    async def run(apps, schema_editor):
        for sql in statements[schema_editor.client.capabilities.dialect]:
            await schema_editor.client.execute_script(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [ops.RunPython(_runner(_SQL), _runner(_REVERSE))]
