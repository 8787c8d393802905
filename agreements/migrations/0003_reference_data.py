from django.db import migrations

from agreements.reference import load_reference_data


def load(apps, schema_editor):
    load_reference_data(
        apps.get_model("agreements", "Country"),
        apps.get_model("agreements", "Region"),
        apps.get_model("agreements", "Sector"),
    )


class Migration(migrations.Migration):
    dependencies = [("agreements", "0002_search_index")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
