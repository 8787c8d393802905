"""The GIN index behind PostgreSQL full-text search (see agreements.search).

It is built from the same ``SearchVector`` expression the query uses, so the planner can match
them. SQLite has no GIN indexes; there the search reads ``search_stems`` instead.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX_NAME = "agreement_search_gin"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(
            apps.get_model("agreements", "Agreement"),
            GinIndex(SearchVector("search_text", config="russian"), name=INDEX_NAME),
        )


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]
    operations = [migrations.RunPython(add_index, remove_index, elidable=False)]
