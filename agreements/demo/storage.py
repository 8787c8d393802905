"""Demo data in the database: counting and deleting earlier demo rows, the stored search vector the
generator writes with each row, the status-history model, VACUUM; and the stems cache."""

import copy
import re
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Expression, F, Value

from agreements import search
from agreements.demo.vocabulary import PREFIX
from agreements.models import (
    Agreement,
    AgreementParty,
    Forum,
    Party,
    PartyAlias,
)


class _Aliases(list):
    def all(self):
        return self


@dataclass
class SearchParty:
    """What search.agreement_search_text reads from a party, with its aliases already at hand."""

    name: str
    short_name: str
    legal_form: str
    aliases: _Aliases = field(default_factory=_Aliases)


class CachedStems:
    """search.stems(), one word at a time with a cache: the generated vocabulary is a few thousand words."""

    def __init__(self):
        self.cache: dict[str, str] = {}

    def __call__(self, text: str) -> list[str]:
        result = []
        for word in search.words(text):
            stem = self.cache.get(word)
            if stem is None:
                stem = self.cache[word] = search.stems(word)[0]
            result.append(stem)
        return result

    def fill(self, agreement, parties) -> None:
        """The same strings as search.fill_search_fields(agreement, parties)."""
        agreement.title_key = search.title_sort_key(agreement.title)
        agreement.search_text = search.agreement_search_text(agreement, parties)
        agreement.search_stems = " " + " ".join(self(agreement.search_text)) + " "


def demo_counts() -> dict[str, int]:
    return {
        "agreements": Agreement.objects.filter(slug__startswith=PREFIX).count(),
        "parties": Party.objects.filter(slug__startswith=PREFIX).count(),
        "forums": Forum.objects.filter(slug__startswith=PREFIX).count(),
    }


def delete_demo_data() -> None:
    """Remove demo-* agreements, parties and forums, and what depends on them, with plain DELETEs.

    The ORM's delete() would load every row and write a history row for each (simple_history's
    post_delete), which takes minutes at 100,000 agreements; demo data has no history to keep.
    Dependent rows are found from the models' relations (link tables, aliases, status timelines,
    history of links), following only CASCADE and DO_NOTHING: a real record that PROTECTs a demo one
    makes the delete fail instead of being removed with it.
    """
    with connection.cursor() as cursor:
        for model in (Agreement, Party, Forum):
            where = connection.ops.quote_name("slug") + " LIKE %s"
            delete_rows(cursor, model, where, [PREFIX + "%"], set())


def delete_rows(cursor, model, where: str, params: list, seen: set) -> None:
    """DELETE the rows of ``model`` matching ``where``, after the rows that cascade from them."""
    from django.db.models import CASCADE, DO_NOTHING

    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    seen = seen | {model}
    for relation in model._meta.get_fields(include_hidden=True):
        if not (
            relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)
        ):
            continue
        related = relation.related_model
        if related in seen or relation.on_delete not in (CASCADE, DO_NOTHING):
            continue
        # Table and column names come from model metadata; the slug pattern stays a parameter.
        inner = f"{quote(relation.field.column)} IN (SELECT {pk} FROM {table} WHERE {where})"  # noqa: S608
        delete_rows(cursor, related, inner, params, seen)
    cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608


def has_stored_vector() -> bool:
    """PostgreSQL with a stored search vector (search.fill_search_vectors): fill it at insert time."""
    if connection.vendor != "postgresql" or not hasattr(search, "weighted_vector"):
        return False
    try:
        Agreement._meta.get_field("search_vector")
    except FieldDoesNotExist:
        return False
    return True


MARKER = re.compile("\x00(\\w+)\x00")  # a column's place in the compiled search vector


class StoredVector(Expression):
    """search.weighted_vector() computed by the INSERT from the agreement's own texts.

    It stores the same tsvector search.fill_search_vectors() stores with an UPDATE; updating 100,000
    fresh rows would leave as many dead ones and double the table. The app's expression is compiled
    once, with its column references (``F("title")``…) replaced by markers; each row then only swaps
    its own texts in for the markers, which keeps 100,000 inserts fast.
    """

    _template: tuple[str, list] | None = None

    def __init__(self, agreement):
        super().__init__(output_field=Agreement._meta.get_field("search_vector"))
        self.agreement = agreement

    @classmethod
    def template(cls) -> tuple[str, list]:
        if cls._template is None:
            from django.db.models.sql import Query

            def bind(expression):
                if isinstance(expression, F):
                    return Value(f"\x00{expression.name}\x00")
                expression = copy.copy(expression)
                expression.set_source_expressions([bind(e) for e in expression.get_source_expressions()])
                return expression

            query = Query(Agreement)
            resolved = bind(search.weighted_vector()).resolve_expression(
                query, allow_joins=False, for_save=True
            )
            cls._template = query.get_compiler(connection=connection).compile(resolved)
        return cls._template

    def resolve_expression(self, *args, **kwargs):
        return self

    def as_sql(self, compiler, connection):
        sql, params = self.template()
        values = []
        for param in params:
            match = MARKER.fullmatch(param) if isinstance(param, str) else None
            values.append(getattr(self.agreement, match.group(1)) if match else param)
        return sql, values


def timeline_model():
    """The status timeline model (dated status steps), if this version of the app has one."""
    from django.apps import apps

    try:
        return apps.get_model("agreements", "StatusChange")
    except LookupError:
        return None


def vacuum(analyze: bool) -> None:
    """PostgreSQL: VACUUM (ANALYZE) the demo tables; only ANALYZE inside a transaction (e.g. a test's)."""
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Agreement, AgreementParty, Party, PartyAlias, Forum)]
    tables += [
        getattr(Agreement, name).through._meta.db_table for name in ("regions", "sectors", "countries")
    ]
    if timeline_model() is not None:
        tables.append(timeline_model()._meta.db_table)
    if connection.in_atomic_block:
        command = "ANALYZE " if analyze else None
    else:
        command = "VACUUM (ANALYZE) " if analyze else "VACUUM "
    if command:
        with connection.cursor() as cursor:
            cursor.execute(command + ", ".join(connection.ops.quote_name(t) for t in tables))
