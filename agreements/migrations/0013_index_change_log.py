"""The change log: which agreements each committed data version changed, for the facet index.

A full build of the facet index reads every published agreement and link (seconds at 100,000
agreements, tens of seconds at 1,000,000); with staff saving every few seconds, every worker was
rebuilding all the time and an edit showed after ~9 s (bench/RESULTS.md). With this log a worker
updates its index from the agreements changed since its version instead
(agreements/public/facetindex/changes.py).

Each row names one agreement whose index entry may have changed (its row, its regions, sectors,
countries of implementation or parties), or, with ``everything``, a change only a full build
covers: reference data (countries, regions, sectors, forums: labels and codes), a party's
country, a bulk statement of over 1,000 agreements, a TRUNCATE, or a pruned stretch of the log.

PostgreSQL: statement triggers with transition tables log a statement's agreements in one
INSERT; the rows wait with ``version`` NULL and are stamped with the transaction's version at
COMMIT by 0011's deferred trigger, under the version row's lock, so versions follow commit order
and a reader that has seen version V sees every row up to V (the long import that commits after a
quick edit is no longer missed). SQLite (one writer at a time): 0011's row triggers of these
tables are replaced by ones that bump the version and log the row's agreement in one body.
"""

from django.db import migrations

# Tables whose rows belong to one agreement: (table, the column naming it).
AGREEMENT_TABLES = (
    ("agreements_agreement", "id"),
    ("agreements_agreement_regions", "agreement_id"),
    ("agreements_agreement_sectors", "agreement_id"),
    ("agreements_agreement_countries", "agreement_id"),
    ("agreements_agreementparty", "agreement_id"),
)
# Labels, codes and forum slugs the index holds for every agreement: a full build.
REFERENCE_TABLES = ("agreements_country", "agreements_region", "agreements_sector", "agreements_forum")

POSTGRES_TABLE = """
CREATE TABLE agreements_indexchange (
    id bigserial PRIMARY KEY,
    -- the data version of the commit; NULL until the transaction commits
    version bigint,
    txid bigint NOT NULL DEFAULT txid_current(),
    agreement_id bigint,
    everything boolean NOT NULL DEFAULT false
);
-- Serves indexchanges.changes_since: the rows of the versions after the index's, in order.
CREATE INDEX agreements_indexchange_version ON agreements_indexchange (version);
-- Serves the stamping at COMMIT: this transaction's rows still waiting for their version.
CREATE INDEX agreements_indexchange_pending ON agreements_indexchange (txid) WHERE version IS NULL;
"""

POSTGRES_FUNCTIONS = """
CREATE OR REPLACE FUNCTION agreements_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    committed bigint;
BEGIN
    UPDATE agreements_dataversion
    SET version = version + 1, nonce = floor(random() * 9e15)::bigint
    WHERE id = 1
    RETURNING version INTO committed;
    UPDATE agreements_indexchange SET version = committed
    WHERE version IS NULL AND txid = txid_current();
    RETURN NULL;
END $$;

-- TG_ARGV[0]: the column naming the agreement.
CREATE FUNCTION agreements_log_agreements() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT array_agg(DISTINCT %1$I) FROM new_rows', TG_ARGV[0]) INTO ids;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT array_agg(DISTINCT %1$I) FROM old_rows', TG_ARGV[0]) INTO ids;
    ELSE
        EXECUTE format(
            'SELECT array_agg(DISTINCT a) FROM (SELECT %1$I AS a FROM new_rows '
            'UNION SELECT %1$I FROM old_rows) AS changed', TG_ARGV[0]
        ) INTO ids;
    END IF;
    IF ids IS NULL THEN
        RETURN NULL;
    ELSIF cardinality(ids) > 1000 THEN  -- one full build is cheaper than the rows
        INSERT INTO agreements_indexchange (everything) VALUES (true);
    ELSE
        INSERT INTO agreements_indexchange (agreement_id) SELECT unnest(ids);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION agreements_log_everything() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO agreements_indexchange (everything) VALUES (true);
    RETURN NULL;
END $$;

-- A party's country is the "party country" facet of all its agreements; its name is not indexed.
CREATE FUNCTION agreements_log_party_country() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM new_rows JOIN old_rows USING (id)
        WHERE new_rows.country_id IS DISTINCT FROM old_rows.country_id
    ) THEN
        INSERT INTO agreements_indexchange (everything) VALUES (true);
    END IF;
    RETURN NULL;
END $$;
"""

# Named to sort before 0011's agreements_data_version_truncate: triggers of one event fire in name
# order, and that one stamps this transaction's rows.
POSTGRES_TRUNCATE = """
CREATE TRIGGER agreements_change_log_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION agreements_log_everything();
"""

POSTGRES_AGREEMENT_TABLE = """
CREATE TRIGGER agreements_change_log_{event_name} AFTER {event} ON {table}
    REFERENCING {transition}
    FOR EACH STATEMENT EXECUTE FUNCTION agreements_log_agreements('{column}');
"""
TRANSITIONS = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}

POSTGRES_REFERENCE_TABLE = """
CREATE TRIGGER agreements_change_log AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION agreements_log_everything();
"""

POSTGRES_PARTY = """
CREATE TRIGGER agreements_change_log AFTER UPDATE ON agreements_party
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agreements_log_party_country();
"""

POSTGRES_DROP = """
DROP FUNCTION IF EXISTS agreements_log_agreements() CASCADE;
DROP FUNCTION IF EXISTS agreements_log_everything() CASCADE;
DROP FUNCTION IF EXISTS agreements_log_party_country() CASCADE;
DROP TABLE IF EXISTS agreements_indexchange;
CREATE OR REPLACE FUNCTION agreements_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE agreements_dataversion
    SET version = version + 1, nonce = floor(random() * 9e15)::bigint
    WHERE id = 1;
    RETURN NULL;
END $$;
"""

SQLITE_TABLE = """
CREATE TABLE agreements_indexchange (
    id integer PRIMARY KEY AUTOINCREMENT,
    version integer,
    txid integer,
    agreement_id integer,
    everything integer NOT NULL DEFAULT 0
);
CREATE INDEX agreements_indexchange_version ON agreements_indexchange (version);
"""

# 0011's name, so that its test still finds one trigger per table and event.
SQLITE_TRIGGER = """
CREATE TRIGGER agreements_data_version_{table}_{event} AFTER {event} ON {table}
BEGIN
    UPDATE agreements_dataversion SET version = version + 1, nonce = random() WHERE id = 1;
    {logging}
END;
"""
SQLITE_LOG = (
    "INSERT INTO agreements_indexchange (version, agreement_id, everything) "
    "SELECT version, {agreement}, {everything} FROM agreements_dataversion WHERE id = 1{condition};"
)
EVENTS = ("INSERT", "UPDATE", "DELETE")


def sqlite_logging(table: str, event: str) -> str:
    """The statements logging one row's change, after the version bump."""
    for name, column in AGREEMENT_TABLES:
        if name == table:
            rows = {"INSERT": ("NEW",), "DELETE": ("OLD",), "UPDATE": ("OLD", "NEW")}[event]
            return "\n    ".join(
                SQLITE_LOG.format(agreement=f"{row}.{column}", everything=0, condition="") for row in rows
            )
    if table in REFERENCE_TABLES:
        return SQLITE_LOG.format(agreement="NULL", everything=1, condition="")
    # agreements_party, UPDATE
    condition = " AND OLD.country_id IS NOT NEW.country_id"
    return SQLITE_LOG.format(agreement="NULL", everything=1, condition=condition)


def sqlite_triggered() -> list[tuple[str, str]]:
    tables = [name for name, _column in AGREEMENT_TABLES] + list(REFERENCE_TABLES)
    return [(table, event) for table in tables for event in EVENTS] + [("agreements_party", "UPDATE")]


def create(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(POSTGRES_TABLE)
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRES_FUNCTIONS)  # no parameters: format()'s %I is not a placeholder
        for table, column in AGREEMENT_TABLES:
            for event, transition in TRANSITIONS.items():
                execute(
                    POSTGRES_AGREEMENT_TABLE.format(
                        event_name=event.lower(),
                        event=event,
                        table=table,
                        transition=transition,
                        column=column,
                    )
                )
            execute(POSTGRES_TRUNCATE.format(table=table))
        for table in REFERENCE_TABLES:
            execute(POSTGRES_REFERENCE_TABLE.format(table=table))
            execute(POSTGRES_TRUNCATE.format(table=table))
        execute(POSTGRES_PARTY)
        return
    for statement in SQLITE_TABLE.split(";"):
        if statement.strip():
            execute(statement)
    for table, event in sqlite_triggered():
        execute(f"DROP TRIGGER IF EXISTS agreements_data_version_{table}_{event}")
        execute(SQLITE_TRIGGER.format(table=table, event=event, logging=sqlite_logging(table, event)))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
        return
    for table, event in sqlite_triggered():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS agreements_data_version_{table}_{event}")
        schema_editor.execute(SQLITE_TRIGGER.format(table=table, event=event, logging=""))
    schema_editor.execute("DROP TABLE IF EXISTS agreements_indexchange")


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0012_sqlite_search_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
