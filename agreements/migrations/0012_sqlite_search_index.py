"""SQLite: an FTS5 index over the stored stems, kept in step with them by triggers.

Search on SQLite matched ``search_stems LIKE '% stem%'`` over every row (181 ms cold at 100,000
agreements, and more per row). FTS5 holds each stem as a token; a query stem is matched as a token
prefix (``"удобрен"*``), which is what the LIKE matched: a stem at a word start. The index is an
external-content table over ``agreements_agreement.search_stems`` (no second copy of the text); the
triggers update it whatever writes the stems (a save, an import, demo data, a restore). PostgreSQL
has its GIN index over the stored tsvector (0006) and gets nothing here.
"""

from django.db import migrations

# The stems are lower-case already; no diacritics folding, which would turn «й» into «и».
CREATE = [
    """CREATE VIRTUAL TABLE agreements_search USING fts5(
        search_stems, content='agreements_agreement', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0'
    )""",
    "INSERT INTO agreements_search (agreements_search) VALUES ('rebuild')",
    """CREATE TRIGGER agreements_search_insert AFTER INSERT ON agreements_agreement BEGIN
        INSERT INTO agreements_search (rowid, search_stems) VALUES (new.id, new.search_stems);
    END""",
    """CREATE TRIGGER agreements_search_delete AFTER DELETE ON agreements_agreement BEGIN
        INSERT INTO agreements_search (agreements_search, rowid, search_stems)
        VALUES ('delete', old.id, old.search_stems);
    END""",
    """CREATE TRIGGER agreements_search_update AFTER UPDATE OF search_stems ON agreements_agreement BEGIN
        INSERT INTO agreements_search (agreements_search, rowid, search_stems)
        VALUES ('delete', old.id, old.search_stems);
        INSERT INTO agreements_search (rowid, search_stems) VALUES (new.id, new.search_stems);
    END""",
]

DROP = [
    "DROP TRIGGER IF EXISTS agreements_search_insert",
    "DROP TRIGGER IF EXISTS agreements_search_delete",
    "DROP TRIGGER IF EXISTS agreements_search_update",
    "DROP TABLE IF EXISTS agreements_search",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0011_data_version"),
    ]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
