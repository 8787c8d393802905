"""What differs between PostgreSQL and SQLite, in one place.

The rest of the app asks these functions and never looks at ``connection.vendor``: the data
version (the caches' key), Russian full-text matching, the grouped ids the facet index is built
from, an agreement's link keys as one text, and how a long query is streamed and planned.
Management commands that copy a whole database (backup, restore, demo data) keep their own
branches: they are about the database itself.
"""

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection, connections
from django.db.models import Aggregate, F, Field, Func, IntegerField, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex

SEARCH_CONFIG = "russian"
CHUNK_SIZE = 2000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


# The data version --------------------------------------------------------------------------------

# On PostgreSQL a transaction that has written sees its own changes, which no other connection
# sees yet: its reads get a version of their own (the counter of rows it changed and its id, never
# reused), so nothing it caches is served under the committed version.
_VERSION_QUERY = {
    "postgresql": (
        "SELECT version, nonce, current_setting('agreements.statements', true), "
        "current_setting('agreements.write_token', true) FROM agreements_dataversion WHERE id = 1"
    ),
    "sqlite": "SELECT version, nonce, NULL, NULL FROM agreements_dataversion WHERE id = 1",
}


def read_data_version() -> tuple:
    """(version, nonce, statements, write_token): the last two only inside a writing transaction."""
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_QUERY[connection.vendor])
        return cursor.fetchone()


# Search --------------------------------------------------------------------------------------------


def weighted_vector():
    """Title weighs more than subject and party names when results are ranked."""
    return SearchVector("title", config=SEARCH_CONFIG, weight="A") + SearchVector(
        "search_text", config=SEARCH_CONFIG, weight="D"
    )


def fill_search_vectors(agreements: QuerySet) -> None:
    """PostgreSQL: store the tsvector computed from the stored search text (one UPDATE)."""
    if is_postgresql():
        agreements.update(search_vector=weighted_vector())


class InTitle(Func):
    """1 when all the lexemes of a query are in the title (weight A of the stored vector), else 0."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):
        (vector, vector_params), (query, query_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"(ts_filter({vector}, '{{a}}') @@ {query})::int", (*vector_params, *query_params)


def title_rank(query_words: list[str]):
    """How many of the words the title has: the search's relevance on PostgreSQL, the same figure
    the word index computes from its postings (facetindex/words.py)."""
    rank = Value(0, output_field=IntegerField())
    for word in query_words:
        word_query = SearchQuery(word, config=SEARCH_CONFIG, search_type="plain")
        rank = rank + InTitle(F("search_vector"), word_query)
    return rank


def match_words(queryset: QuerySet, query_words: list[str], query_stems: list[str]) -> QuerySet:
    """Agreements matching all the words, annotated with ``search_rank`` (higher first).

    PostgreSQL: the stored tsvector under its GIN index (match); the rank is how many of the words
    the title has (ties in id order): what the word index can tell from its postings without
    reading the agreements (facetindex/words.py). SQLite: each stem a word prefix in the FTS5 index
    of the stored stems (migration 0012); earlier in the document (the title comes first) ranks
    higher."""
    if is_postgresql():
        ts_query = SearchQuery(" ".join(query_words), config=SEARCH_CONFIG, search_type="plain")
        return queryset.filter(search_vector=ts_query).annotate(search_rank=title_rank(query_words))
    match = " AND ".join('"' + stem.replace('"', '""') + '"*' for stem in query_stems)
    matches = RawSQL("SELECT rowid FROM agreements_search WHERE agreements_search MATCH %s", [match])
    rank = Value(0, output_field=IntegerField())
    for stem in query_stems:
        rank = rank - StrIndex(F("search_stems"), Value(f" {stem}"))
    return queryset.filter(pk__in=matches).annotate(search_rank=rank)


# The word index (facetindex/words.py) -------------------------------------------------------------


def has_word_index() -> bool:
    """Only PostgreSQL's searches visit every match's row; SQLite's FTS5 index answers from itself."""
    return is_postgresql()


def word_postings(published: QuerySet) -> Iterator[tuple[str, list[int], list[int] | None]]:
    """Each lexeme of the stored vectors of ``published``, the ids of the agreements having it, and
    of those having it in the title (weight A; None when none has), a row at a time."""
    sql, params = published.values("pk", "search_vector").query.sql_with_params()
    postings = (
        "SELECT word.lexeme, array_agg(a.pk), array_agg(a.pk) FILTER (WHERE 'A' = ANY(word.weights)) "  # noqa: S608
        f"FROM ({sql}) AS a(pk, vector), unnest(a.vector) AS word GROUP BY word.lexeme"
    )
    with connection.cursor() as cursor:
        # The query runs for seconds: a worker stopped meanwhile must not leave the server running
        # it to the end (PostgreSQL 14+ checks the client's socket at this interval; off by default).
        cursor.execute("SET client_connection_check_interval = 1000")
        try:
            yield from cursor.cursor.stream(postings, params, size=200)
        finally:
            cursor.execute("RESET client_connection_check_interval")


def words_of(published: QuerySet) -> Iterator[tuple[int, list[str], list[str]]]:
    """Each agreement's lexemes, and those of its title: an update's few changed agreements."""
    vector = published.values("pk", "search_vector").query.sql_with_params()
    sql = (
        "SELECT a.pk, tsvector_to_array(a.vector), tsvector_to_array(ts_filter(a.vector, '{a}')) "  # noqa: S608
        f"FROM ({vector[0]}) AS a(pk, vector)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, vector[1])
        yield from cursor.fetchall()


def query_lexemes(query_words: list[str]) -> list[list[str]]:
    """Each word's lexemes as ``plainto_tsquery`` finds them: none for a stop word, and a word the
    parser splits (``abc_def``) has several."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tsvector_to_array(to_tsvector(%s::regconfig, w)) "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS t(w, n) ORDER BY n",
            [SEARCH_CONFIG, query_words],
        )
        return [lexemes for (lexemes,) in cursor.fetchall()]


# Grouped ids and link keys -----------------------------------------------------------------------


class IdList(Field):
    """A list of ids as the database sends it: an array (PostgreSQL) or JSON text (SQLite)."""

    def from_db_value(self, value, expression, connection):
        return json.loads(value) if isinstance(value, str) else value


class IdsOf(Aggregate):
    """The ids of each group in one value: the facet index reads one row per facet value instead
    of one per link (5,000,000 rows took most of a 52 s build at 1,000,000 agreements)."""

    function = "ARRAY_AGG"
    output_field = IdList()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra)


def ordered_keys(table: str, key: str, order: str, agreement_column: str) -> RawSQL:
    """A correlated subquery: the agreement's ``key`` in ``table``'s rows, in ``order``, as one
    comma-separated text ('' when there are none). Names come from model metadata, not input."""
    rows = f"{table} WHERE agreement_id = {agreement_column} ORDER BY {order}"
    if is_postgresql():
        sql = f"array_to_string(ARRAY(SELECT {key} FROM {rows}), ',')"  # noqa: S608
    else:
        # SQLite before 3.44 has no ORDER BY inside an aggregate; group_concat keeps a subquery's order.
        sql = f"COALESCE((SELECT group_concat(k) FROM (SELECT {key} AS k FROM {rows})), '')"  # noqa: S608
    return RawSQL(sql, [])  # noqa: S611 - no outside input in it


def ordered_ids(queryset) -> list[int]:
    """The ids of a ``values_list("pk", flat=True)`` queryset, in its order. PostgreSQL sends them
    as one array (``ARRAY(subquery)`` keeps the subquery's order): 0.57 s for 900,000 ids, where
    fetching a row per id took 1.25 s, most of it Python's."""
    if not is_postgresql():
        return list(queryset.iterator(chunk_size=50_000))
    if queryset.query.is_empty():
        return []
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ARRAY({sql})", params)  # Django's own SQL, no outside input
        return cursor.fetchone()[0]


def fetched_meanwhile(querysets: dict[str, QuerySet], each=None) -> dict[str, Callable[[], list]]:
    """Each queryset's rows, passed through ``each`` as they arrive, to be asked for by calling its
    entry. PostgreSQL, outside a transaction: fetched on connections of their own while the caller
    goes on, so the server's two cores run them side by side (the facet index's build:
    bench/RESULTS.md, #17). Inside a transaction other connections would not see its writes, and
    SQLite gains nothing: fetched here, when asked for."""

    def rows(queryset) -> list:
        return [each(row) for row in queryset] if each else list(queryset)

    if not is_postgresql() or connection.in_atomic_block:
        return {name: (lambda queryset=queryset: rows(queryset)) for name, queryset in querysets.items()}
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="fetched-meanwhile")
    futures = {name: pool.submit(_on_own_connection, rows, queryset) for name, queryset in querysets.items()}
    pool.shutdown(wait=False)  # its threads end with the last query
    return {name: future.result for name, future in futures.items()}


def _on_own_connection(rows, queryset) -> list:
    try:
        return rows(queryset)
    finally:
        connections[queryset.db].close()  # this thread's connection, not the caller's


# Long queries --------------------------------------------------------------------------------------


def streamed(queryset) -> Iterator[tuple]:
    """The rows, a chunk in memory at a time. On PostgreSQL as the server sends them (libpq's
    chunked mode), so it computes the next rows while these are written: a server-side cursor's
    FETCH left it idle meanwhile, and the writing waited for its 2 s of subqueries."""
    if not is_postgresql():
        yield from queryset.iterator(chunk_size=CHUNK_SIZE)
        return
    if queryset.query.is_empty():  # e.g. a search of punctuation only: there is no SQL to send
        return
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # Closing early cancels the query (psycopg); the connection stays usable.
        yield from cursor.cursor.stream(sql, params, size=CHUNK_SIZE)


@contextmanager
def planned_without_jit():
    """PostgreSQL JIT-compiles a query its planner costs high, as it does the exports' for their
    four subqueries per row: compiling took 2.4 s, more than running it."""
    if not is_postgresql():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
