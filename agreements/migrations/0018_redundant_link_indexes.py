"""The many-to-many link tables' single-column agreement index, which Django creates for every
auto-created through table, duplicates the first column of the table's unique (agreement, value)
index: every lookup of an agreement's regions, sectors or countries uses that one (EXPLAIN at
1,000,000 agreements), so the single-column index only costs writes and space. The value's own index
(region_id, sector_id, country_id) stays: the facet index's grouped builds and the admin's
country filter read by it.

Dropped by introspection, not by name: Django's index names end in a hash of the table and column.
Only the database changes; the models' state has no say over these implicit indexes.
"""

from django.db import migrations

TABLES = ["agreements_agreement_regions", "agreements_agreement_sectors", "agreements_agreement_countries"]


def single_column_agreement_indexes(schema_editor, table):
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, spec in constraints.items()
        if spec["index"]
        and not spec["unique"]
        and not spec["primary_key"]
        and spec["columns"] == ["agreement_id"]
    ]


def drop(apps, schema_editor):
    for table in TABLES:
        for name in single_column_agreement_indexes(schema_editor, table):
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create(apps, schema_editor):
    for table in TABLES:
        name = schema_editor.quote_name(f"{table}_agreement_idx")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} (agreement_id)")


class Migration(migrations.Migration):
    dependencies = [("agreements", "0017_admin_order_index")]
    operations = [migrations.RunPython(drop, create)]
