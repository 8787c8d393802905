"""Writing demo rows: plain tuples, in one format for both databases, no model instances.

PostgreSQL: one ``COPY … FROM STDIN`` per table and batch, streamed, so the server inserts while
Python still formats rows. Agreements' ids are taken from the table's sequence before their rows
are made, so their links name them without a round trip. COPY cannot compute the stored search
vector, so agreements are copied into a temporary table and moved by one ``INSERT … SELECT`` per
batch that computes it with ``backend.weighted_vector()``, compiled by Django: the same SQL
``backend.fill_search_vectors`` runs, on a row that is written once (an UPDATE after the insert would
leave as many dead rows and double the table). SQLite: ``executemany`` of the same tuples.

Nothing is bypassed: the data version and change log triggers (and SQLite's search index triggers)
fire for these rows as for any insert, and foreign keys are checked.
"""

import queue
import threading
from dataclasses import dataclass

from django.db import connection
from django.db.models.sql import Query

from agreements import backend
from agreements.demo.storage import has_stored_vector, timeline_model
from agreements.models import Agreement, AgreementParty, Forum, Party, PartyAlias


@dataclass(frozen=True)
class Table:
    """A table the generator fills, and the fields (names or attnames) of its rows, in order."""

    model: type
    fields: str  # separated by spaces

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    @property
    def columns(self) -> list[str]:
        return [self.model._meta.get_field(name).column for name in self.fields.split()]


def tables() -> dict[str, Table]:
    """The generator's row formats, by the key it yields rows under (and counts them by)."""
    result = {
        "forums": Table(
            Forum, "id title number slug city start_date end_date theme description created updated"
        ),
        "parties": Table(
            Party,
            "id name short_name slug legal_form kind country_id home_region_id website created updated",
        ),
        "aliases": Table(PartyAlias, "party_id name"),
        "agreements": Table(
            Agreement,
            "id slug kind title subject forum_id status signed_on amount currency source_url source_quote "
            "is_published title_key search_text search_stems created updated",
        ),
        "party_links": Table(AgreementParty, "agreement_id party_id role order"),
        "region_links": Table(Agreement.regions.through, "agreement_id region_id"),
        "sector_links": Table(Agreement.sectors.through, "agreement_id sector_id"),
        "country_links": Table(Agreement.countries.through, "agreement_id country_id"),
    }
    if timeline_model() is not None:
        result["status_steps"] = Table(timeline_model(), "agreement_id status date note source_url created")
    return result


def writer():
    """The writer for the default database: COPY on PostgreSQL, executemany elsewhere."""
    return CopyWriter() if backend.is_postgresql() else InsertWriter()


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


class InsertWriter:
    """executemany of each batch's tuples; ids after the highest a table has had (the writing
    transaction holds SQLite's write lock: nobody else takes ids meanwhile)."""

    def __init__(self):
        self.cursor = connection.cursor()
        self.next_ids: dict[type, int] = {}

    def reserve(self, model, count: int) -> range:
        if model not in self.next_ids:
            table, pk = model._meta.db_table, model._meta.pk.column
            self.cursor.execute(f"SELECT MAX({quote(pk)}) FROM {quote(table)}")  # noqa: S608
            highest = self.cursor.fetchone()[0] or 0
            if not backend.is_postgresql():
                # AUTOINCREMENT never gives an id twice, even one whose row was deleted: nor does this.
                self.cursor.execute("SELECT MAX(seq) FROM sqlite_sequence WHERE name = %s", [table])
                highest = max(highest, self.cursor.fetchone()[0] or 0)
            self.next_ids[model] = highest + 1
        start = self.next_ids[model]
        self.next_ids[model] += count
        return range(start, start + count)

    def write(self, table: Table, rows: list[tuple]) -> None:
        if rows:
            columns = ", ".join(quote(c) for c in table.columns)
            marks = ", ".join(["%s"] * len(table.columns))
            sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608
            self.cursor.executemany(sql, rows)

    def stop(self, discard: bool = False) -> None:
        """Nothing to wait for: every write is done when write() returns."""

    def close(self) -> None:
        self.cursor.close()


STAGING = "demo_agreement_rows"


class CopyWriter(InsertWriter):
    """COPY into each table, from a thread of its own: the server inserts one batch while Python makes
    the next. Agreements go through a temporary table when the search vector is stored."""

    def __init__(self):
        super().__init__()
        self.raw = self.cursor.cursor  # psycopg's own cursor, for ids: Django's wrapper has no copy()
        self.copying = self.raw.connection.cursor()  # the thread's: a psycopg cursor is for one thread
        self.sequences: dict[type, str] = {}
        self.vector = vector_sql() if has_stored_vector() else None
        self.staged = False
        # Two batches ahead at most: memory stays bounded when the server is the slower side.
        self.jobs: queue.Queue = queue.Queue(maxsize=2 * len(tables()))
        self.failure: BaseException | None = None
        self.stopping = False
        self.thread: threading.Thread | None = None  # started by the first write

    def reserve(self, model, count: int) -> list[int]:
        """``count`` values of the table's id sequence. One nextval() each rather than one setval()
        past them: another session's insert between a nextval() and a setval() would get an id of
        this block."""
        try:
            if model not in self.sequences:
                table, pk = quote(model._meta.db_table), model._meta.pk.column
                self.raw.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
                self.sequences[model] = self.raw.fetchone()[0]
            self.raw.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [self.sequences[model], count]
            )
            return [row[0] for row in self.raw.fetchall()]
        except Exception:
            self.stop(discard=True)
            self.check()  # the thread's error, which aborted the transaction, rather than its echo here
            raise

    def write(self, table: Table, rows: list[tuple]) -> None:
        """Queue the rows for the thread (waiting while two batches are queued)."""
        self.check()
        if self.thread is None:
            self.thread = threading.Thread(target=self.work, name="demo-data-copy", daemon=True)
            self.thread.start()
        if rows:
            self.jobs.put((table, rows))

    def work(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.failure is None and not self.stopping:
                try:
                    self.copy(*job)
                except BaseException as error:  # raised in the main thread by check()
                    self.failure = error

    def check(self) -> None:
        if self.failure is not None:
            raise self.failure

    def stop(self, discard: bool = False) -> None:
        """Let the thread write (or drop) what is queued, and return when it has."""
        if self.thread is not None and self.thread.is_alive():
            self.stopping = self.stopping or discard
            self.jobs.put(None)
            self.thread.join()

    def close(self) -> None:
        self.stop()
        self.check()
        if self.staged:
            self.raw.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")
        self.copying.close()
        super().close()

    def copy(self, table: Table, rows: list[tuple]) -> None:
        staged = self.vector is not None and table.model is Agreement
        if staged and not self.staged:
            self.create_staging(table)
        columns = ", ".join(quote(c) for c in table.columns)
        target = STAGING if staged else quote(table.name)
        with self.copying.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if staged:
            sql, params = self.vector
            # The staging table is named as the agreements table in the SELECT: the compiled vector
            # refers to its columns by that name.
            self.copying.execute(
                f"INSERT INTO {quote(table.name)} ({columns}, {quote('search_vector')}) "  # noqa: S608
                f"SELECT {columns}, {sql} FROM {STAGING} AS {quote(table.name)}",
                params,
            )
            self.copying.execute(f"TRUNCATE {STAGING}")

    def create_staging(self, table: Table) -> None:
        columns = ", ".join(quote(c) for c in table.columns)
        self.copying.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")
        self.copying.execute(
            f"CREATE TEMPORARY TABLE {STAGING} AS SELECT {columns} FROM {quote(table.name)} WITH NO DATA"  # noqa: S608
        )
        self.staged = True


def vector_sql() -> tuple[str, list]:
    """backend.weighted_vector() as SQL over an agreement row's columns, and its parameters."""
    query = Query(Agreement)
    expression = backend.weighted_vector().resolve_expression(query, allow_joins=False, for_save=True)
    sql, params = query.get_compiler(connection=connection).compile(expression)
    return sql, list(params)
