"""Demo data in the database: counting and deleting earlier demo rows, whether a search vector is
stored, the status-history model, VACUUM."""

from django.core.exceptions import FieldDoesNotExist
from django.db import connection

from agreements import backend
from agreements.demo.vocabulary import PREFIX
from agreements.models import (
    Agreement,
    AgreementParty,
    Forum,
    Party,
    PartyAlias,
)


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
    """PostgreSQL with a stored search vector (backend.fill_search_vectors): written with each row."""
    if not backend.is_postgresql():
        return False
    try:
        Agreement._meta.get_field("search_vector")
    except FieldDoesNotExist:
        return False
    return True


def timeline_model():
    """The status timeline model (dated status steps), if this version of the app has one."""
    from django.apps import apps

    try:
        return apps.get_model("agreements", "StatusChange")
    except LookupError:
        return None


def vacuum(analyze: bool) -> None:
    """PostgreSQL: VACUUM (ANALYZE) the demo tables; only ANALYZE inside a transaction (e.g. a test's)."""
    if not backend.is_postgresql():
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
