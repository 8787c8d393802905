"""Titles sort case-insensitively (issue #14): a stored, case-folded sort key (search.title_sort_key).

SQLite's LOWER() folds ASCII letters only, and PostgreSQL's order follows the database's collation
(C.UTF-8 puts «Я» before «а»), so the key is computed in Python and stored: both databases sort by
it through an index. The listing's default order (0007) breaks date ties by title: rebuilt on the key.
"""

from django.db import migrations, models

ORDER_INDEX = "agreement_public_order_idx"
ORDER_COLUMNS = {
    "postgresql": (
        "is_published, signed_on DESC NULLS LAST, title_key, id",
        "is_published, signed_on DESC NULLS LAST, title, id",
    ),
    "sqlite": ("is_published, signed_on DESC, title_key, id", "is_published, signed_on DESC, title, id"),
}


def fill_keys(apps, schema_editor):
    from agreements.search import title_sort_key

    Agreement = apps.get_model("agreements", "Agreement")
    batch = []
    for agreement in Agreement.objects.only("pk", "title").iterator(chunk_size=2000):
        agreement.title_key = title_sort_key(agreement.title)
        batch.append(agreement)
        if len(batch) >= 2000:
            Agreement.objects.bulk_update(batch, ["title_key"])
            batch = []
    Agreement.objects.bulk_update(batch, ["title_key"])


def order_index(position):
    def run(apps, schema_editor):
        columns = ORDER_COLUMNS.get(schema_editor.connection.vendor, ORDER_COLUMNS["sqlite"])[position]
        schema_editor.execute(f"DROP INDEX IF EXISTS {ORDER_INDEX}")
        schema_editor.execute(f"CREATE INDEX {ORDER_INDEX} ON agreements_agreement ({columns})")

    return run


class Migration(migrations.Migration):
    dependencies = [("agreements", "0009_kazakh_names")]

    operations = [
        migrations.RemoveIndex(model_name="agreement", name="agreement_title_idx"),
        migrations.AddField(
            model_name="agreement",
            name="title_key",
            field=models.CharField(blank=True, default="", editable=False, max_length=500),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="agreement",
            index=models.Index(fields=["title_key", "id"], name="agreement_title_key_idx"),
        ),
        migrations.RunPython(order_index(0), order_index(1)),
    ]
