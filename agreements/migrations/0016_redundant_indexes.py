"""Indexes no query needs (EXPLAIN at 100,000 agreements on PostgreSQL, see the models' comments).

The single-column indexes of four foreign keys, each the first column of a composite index or unique
constraint that serves the same lookups, and party_name_lower_idx, which no query used (the admin's
search is UPPER(name) LIKE '%…%', the importer matches names in memory).

The foreign keys' indexes are dropped by name rather than by AlterField: on SQLite AlterField
rebuilds the table, which drops its triggers (0011's data version, 0013's change log).
"""

import django.db.models.deletion
from django.db import migrations, models

# (model, field, Django's name for the field's index, column)
FOREIGN_KEY_INDEXES = [
    ("agreementparty", "agreement", "agreements_agreementparty_agreement_id_15a1ff1d", "agreement_id"),
    ("agreementparty", "party", "agreements_agreementparty_party_id_e291c8b7", "party_id"),
    ("forumfigure", "forum", "agreements_forumfigure_forum_id_7f325ee2", "forum_id"),
    ("statuschange", "agreement", "agreements_statuschange_agreement_id_ca78b543", "agreement_id"),
]
FIELDS = {
    ("agreementparty", "agreement"): models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name="party_links",
        to="agreements.agreement",
        verbose_name="соглашение",
    ),
    ("agreementparty", "party"): models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="agreement_links",
        to="agreements.party",
        verbose_name="участник",
    ),
    ("forumfigure", "forum"): models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name="figures",
        to="agreements.forum",
        verbose_name="форум",
    ),
    ("statuschange", "agreement"): models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name="status_changes",
        to="agreements.agreement",
        verbose_name="соглашение",
    ),
}


def foreign_key_index(model, field, index, column):
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model, name=field, field=FIELDS[model, field])],
        database_operations=[
            migrations.RunSQL(
                f"DROP INDEX IF EXISTS {index}",
                f"CREATE INDEX {index} ON agreements_{model} ({column})",
            )
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0015_published_has_source"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="party", name="party_name_lower_idx"),
        *(foreign_key_index(*spec) for spec in FOREIGN_KEY_INDEXES),
    ]
