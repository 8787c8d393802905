"""PostgreSQL keeps each agreement's search vector in the table's own pages (STORAGE MAIN: compressed,
moved out of line only when a row would not fit a page) rather than in the TOAST table.

Ranking a search's matches reads every match's vector: out of line, each was a TOAST index lookup
and a second heap read, 630 of the 900 ms of a cold «удобрений» at 1,000,000 agreements (63,707
matches); inline, 250–330 ms. Rows long enough to need TOAST now move their search text and stems
out instead, which only the stored vector's computation reads (bench/RESULTS.md, #17).

Rows written before this keep their vector where it is until rewritten: `VACUUM FULL
agreements_agreement` (it locks the table: 53 s at 1,000,000 agreements) moves them all.
"""

from django.db import migrations


def storage(kind: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            column = "ALTER TABLE agreements_agreement ALTER COLUMN search_vector"
            schema_editor.execute(f"{column} SET STORAGE {kind}")

    return run


class Migration(migrations.Migration):
    dependencies = [("agreements", "0020_party_order_index")]
    operations = [migrations.RunPython(storage("MAIN"), storage("EXTENDED"))]
