"""The data version: one row bumped by triggers inside every transaction that writes registry data.

Caches and the facet index are keyed by it (agreements/public/listing/caching.py). It replaces
MAX(history_id),
which missed commits: ids are allocated at insert and become visible at commit, so a long import
that took its ids first and committed after a quick edit left the maximum unchanged, and reference
data (countries, regions, sectors) had no history at all.

PostgreSQL: a deferred constraint trigger bumps the row once per transaction, at COMMIT, so the row
lock is held for the commit only (a long import does not block an admin save for its duration) and
two commits in either order each add one. Its WHEN condition lets only the transaction's first
changed row queue the bump (a bulk load queues one event, not millions) and names the transaction
with a sequence value (never reused, even after a rollback) in a transaction-local setting; a
statement trigger counts its writing statements there. The writing transaction's own reads (a test,
an admin view after its save) thus see a version of their own. TRUNCATE bumps at once.
SQLite has one writer at a time and no deferred triggers: a plain row trigger bumps the row.
"""

from django.db import migrations

# Every table whose rows a public page, a facet, a filter value or a search can show.
TABLES = (
    "agreements_agreement",
    "agreements_agreement_regions",
    "agreements_agreement_sectors",
    "agreements_agreement_countries",
    "agreements_agreementparty",
    "agreements_party",
    "agreements_partyalias",
    "agreements_forum",
    "agreements_forumfigure",
    "agreements_source",
    "agreements_statuschange",
    "agreements_country",
    "agreements_region",
    "agreements_sector",
)

POSTGRES_FUNCTIONS = """
CREATE TABLE agreements_dataversion (
    id smallint PRIMARY KEY CONSTRAINT agreements_dataversion_one_row CHECK (id = 1),
    version bigint NOT NULL,
    -- random per commit: a version number a rolled-back or restored database reuses is not the same
    nonce bigint NOT NULL
);
INSERT INTO agreements_dataversion (id, version, nonce) VALUES (1, 1, 0);

-- Names a writing transaction's own reads; never reused, even after a rollback (sequences are not
-- transactional), unlike a transaction id's counter of rows after a rolled-back savepoint.
CREATE SEQUENCE agreements_write_token;

-- The WHEN condition of the row trigger: true for the transaction's first changed row only.
CREATE FUNCTION agreements_first_change() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('agreements.write_token', nextval('agreements_write_token')::text, true);
    RETURN true;
END $$;

-- After each writing statement: the transaction's own reads after a further write differ again.
CREATE FUNCTION agreements_count_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config(
        'agreements.statements',
        (coalesce(nullif(current_setting('agreements.statements', true), ''), '0')::bigint + 1)::text,
        true
    );
    RETURN NULL;
END $$;

CREATE FUNCTION agreements_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE agreements_dataversion
    SET version = version + 1, nonce = floor(random() * 9e15)::bigint
    WHERE id = 1;
    RETURN NULL;
END $$;
"""

POSTGRES_TABLE = """
CREATE CONSTRAINT TRIGGER agreements_data_version
    AFTER INSERT OR UPDATE OR DELETE ON {table}
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (
        -- CASE fixes the order: later rows cost one setting read (a bulk load stays fast)
        CASE WHEN coalesce(current_setting('agreements.write_token', true), '') = ''
        THEN agreements_first_change() ELSE false END
    )
    EXECUTE FUNCTION agreements_bump_data_version();
CREATE TRIGGER agreements_data_version_statement
    AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION agreements_count_statement();
CREATE TRIGGER agreements_data_version_truncate
    AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION agreements_bump_data_version();
"""

POSTGRES_DROP = """
DROP TABLE IF EXISTS agreements_dataversion;
DROP SEQUENCE IF EXISTS agreements_write_token;
DROP FUNCTION IF EXISTS agreements_bump_data_version() CASCADE;
DROP FUNCTION IF EXISTS agreements_first_change() CASCADE;
DROP FUNCTION IF EXISTS agreements_count_statement() CASCADE;
"""

SQLITE_TABLE = """
CREATE TRIGGER agreements_data_version_{table}_{event} AFTER {event} ON {table}
BEGIN
    UPDATE agreements_dataversion SET version = version + 1, nonce = random() WHERE id = 1;
END;
"""

SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")


def create(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(POSTGRES_FUNCTIONS)
        for table in TABLES:
            execute(POSTGRES_TABLE.format(table=table))
        return
    execute(
        "CREATE TABLE agreements_dataversion (id integer PRIMARY KEY CHECK (id = 1), "
        "version integer NOT NULL, nonce integer NOT NULL)"
    )
    execute("INSERT INTO agreements_dataversion (id, version, nonce) VALUES (1, 1, 0)")
    for table in TABLES:
        for event in SQLITE_EVENTS:
            execute(SQLITE_TABLE.format(table=table, event=event))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
        return
    for table in TABLES:
        for event in SQLITE_EVENTS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS agreements_data_version_{table}_{event}")
    schema_editor.execute("DROP TABLE IF EXISTS agreements_dataversion")


class Migration(migrations.Migration):
    # PostgreSQL runs the whole migration in one transaction; SQLite too (triggers are DDL there).
    dependencies = [
        ("agreements", "0010_title_sort_key"),
    ]

    operations = [migrations.RunPython(create, drop)]
