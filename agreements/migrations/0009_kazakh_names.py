"""Kazakh names of countries (iso-codes) and sectors (none yet: see agreements/reference), and the
Kazakh names of Russian regions from CLDR: the reference data is loaded again to fill them."""

from django.db import migrations, models

from agreements.reference import load_reference_data


def load(apps, schema_editor):
    load_reference_data(
        apps.get_model("agreements", "Country"),
        apps.get_model("agreements", "Region"),
        apps.get_model("agreements", "Sector"),
    )


class Migration(migrations.Migration):
    dependencies = [("agreements", "0008_source_updated")]

    operations = [
        migrations.AddField(
            model_name="country",
            name="name_kk",
            field=models.CharField(blank=True, max_length=200, verbose_name="название (каз.)"),
        ),
        migrations.AddField(
            model_name="sector",
            name="name_kk",
            field=models.CharField(blank=True, max_length=300, verbose_name="название (каз.)"),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
