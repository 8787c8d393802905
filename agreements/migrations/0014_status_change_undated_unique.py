"""A status once undated in a timeline: duplicate undated steps are deleted (the oldest is kept), then
a partial unique index forbids them (StatusChange.Meta.constraints says why not nulls_distinct)."""

from django.db import migrations, models


def delete_duplicate_undated_steps(apps, schema_editor):
    StatusChange = apps.get_model("agreements", "StatusChange")
    Agreement = apps.get_model("agreements", "Agreement")
    undated = StatusChange.objects.filter(date__isnull=True).order_by(
        "agreement_id", "status", "created", "pk"
    )
    seen, duplicates, agreements = set(), [], set()
    for pk, agreement_id, status in undated.values_list("pk", "agreement_id", "status").iterator():
        if (agreement_id, status) in seen:
            duplicates.append(pk)
            agreements.add(agreement_id)
        seen.add((agreement_id, status))
    for start in range(0, len(duplicates), 500):
        StatusChange.objects.filter(pk__in=duplicates[start : start + 500]).delete()
    # A deleted step may have been the latest: the status is the latest remaining one (agreements.status).
    for agreement_id in agreements:
        latest = (
            StatusChange.objects.filter(agreement_id=agreement_id)
            .order_by(models.F("date").desc(nulls_last=True), "-created", "-pk")
            .values_list("status", flat=True)
            .first()
        )
        Agreement.objects.filter(pk=agreement_id).exclude(status=latest).update(status=latest)
    if schema_editor.connection.vendor == "postgresql":
        # 0011's deferred trigger would fire at COMMIT: a table with pending trigger events cannot be
        # altered, so it fires now, before the constraint is added.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0013_index_change_log"),
    ]

    operations = [
        migrations.RunPython(delete_duplicate_undated_steps, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="statuschange",
            constraint=models.UniqueConstraint(
                condition=models.Q(("date__isnull", True)),
                fields=("agreement", "status"),
                name="status_change_undated_unique",
            ),
        ),
    ]
