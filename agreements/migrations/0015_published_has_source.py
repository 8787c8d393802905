"""A published agreement cites a source (its Source or a link to the publication), as the site's footer
promises: published agreements without one become drafts again, then a CHECK constraint keeps it so.

The CHECK is added on PostgreSQL only. SQLite cannot add one to an existing table without rebuilding
it, and a rebuild drops the table's triggers (0012's search index, 0013's change log); there the rule
is Agreement.clean()'s, the import's and the publish action's (as it is for the user on both).
"""

from django.db import migrations, models

CONSTRAINT = models.CheckConstraint(
    condition=models.Q(
        ("is_published", False),
        ("source__isnull", False),
        models.Q(("source_url", ""), _negated=True),
        _connector="OR",
    ),
    name="agreement_published_has_source",
)


def unpublish_agreements_without_source(apps, schema_editor):
    Agreement = apps.get_model("agreements", "Agreement")
    Agreement.objects.filter(is_published=True, source__isnull=True, source_url="").update(is_published=False)
    if schema_editor.connection.vendor == "postgresql":
        # 0011's deferred trigger would fire at COMMIT: a table with pending trigger events cannot be
        # altered, so it fires now, before the constraint is added.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def add_check(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_constraint(apps.get_model("agreements", "Agreement"), CONSTRAINT)


def remove_check(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_constraint(apps.get_model("agreements", "Agreement"), CONSTRAINT)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0014_status_change_undated_unique"),
    ]

    operations = [
        migrations.RunPython(unpublish_agreements_without_source, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddConstraint(model_name="agreement", constraint=CONSTRAINT)],
            database_operations=[migrations.RunPython(add_check, remove_check)],
        ),
    ]
