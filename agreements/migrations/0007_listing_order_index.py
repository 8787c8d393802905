"""The index behind the public listing's default order: published, newest first, undated last.

PostgreSQL needs ``signed_on DESC NULLS LAST`` spelled out to match the ORDER BY; SQLite sorts NULLs
lowest, so plain DESC already puts them last (and it rejects NULLS LAST in an index).
"""

from django.db import migrations

INDEX = "agreement_public_order_idx"
COLUMNS = {
    "postgresql": "is_published, signed_on DESC NULLS LAST, title, id",
    "sqlite": "is_published, signed_on DESC, title, id",
}


def create(apps, schema_editor):
    columns = COLUMNS.get(schema_editor.connection.vendor, COLUMNS["sqlite"])
    schema_editor.execute(f"CREATE INDEX {INDEX} ON agreements_agreement ({columns})")


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("agreements", "0006_stored_search_vector")]
    operations = [
        migrations.RemoveIndex(model_name="agreement", name="agreement_public_order_idx"),
        migrations.RunPython(create, drop),
    ]
