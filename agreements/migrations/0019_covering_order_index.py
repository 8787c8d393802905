"""The listing's order index (0007, 0010) carries each agreement's kind, status and forum on
PostgreSQL, so the facet index reads its ordered ids and its kind/status/forum groups from the index
alone (index-only scans) rather than from the 2 GB table: at 1,000,000 agreements the groups took
1.5 s of a worker's start, 0.78 s from this index (bench/RESULTS.md, #17). SQLite has no INCLUDE;
its index stays as it was.
"""

from django.db import migrations

INDEX = "agreement_public_order_idx"
COLUMNS = "is_published, signed_on DESC NULLS LAST, title_key, id"


def recreate(include: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        schema_editor.execute(f"CREATE INDEX {INDEX} ON agreements_agreement ({COLUMNS}){include}")

    return run


class Migration(migrations.Migration):
    dependencies = [("agreements", "0018_redundant_link_indexes")]
    operations = [
        migrations.RunPython(recreate(" INCLUDE (kind, status, forum_id)"), recreate("")),
    ]
