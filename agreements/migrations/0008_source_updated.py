"""Sources get an `updated` time: the admin's edit-conflict check compares it.

Existing sources get the migration's time: no earlier change time was recorded.
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0007_listing_order_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="source",
            name="updated",
            field=models.DateTimeField(
                auto_now=True, default=django.utils.timezone.now, verbose_name="изменено"
            ),
            preserve_default=False,
        ),
    ]
