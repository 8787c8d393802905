"""Writing an agreements import in bulk: a few queries per table for the whole file, not per row.

Saving row by row cost 30–60 queries an agreement (its save, a history record for the save and one
more for each of its link sets, each copying every link again, the links one by one), so 1,000 rows
took over a minute. Here the rows are only validated one by one; once every row is valid, the
records, their links, their search fields, their history and their status steps are written with
``bulk_create``/``bulk_update``, in batches, inside the import's transaction. The history is what a
save through the admin leaves: one record per changed agreement (``+`` or ``~``) with a snapshot of
its regions, sectors and countries, one per new, changed or deleted party link.
"""

from collections import defaultdict

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from agreements import backend, search
from agreements.backoffice.status import record_statuses
from agreements.models import Agreement, AgreementParty

BATCH = 500
# Written by an import's update; ``created`` is kept, ``updated`` is set here (bulk_update skips auto_now);
# ``status`` is agreements.status's to write, from the timeline the import adds a step to.
UPDATE_FIELDS = [
    field.name
    for field in Agreement._meta.concrete_fields
    if not field.primary_key and field.name not in {"created", "search_vector", "status"}
]
DEFAULT_STATUS = Agreement._meta.get_field("status").default
LINKS = ("regions", "sectors", "countries")


def history_user():
    """The user simple-history's middleware saw for this request (the admin), or ``None`` (the command)."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _batches(items, size=BATCH):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class AgreementWriter:
    """The agreements an import validated, written together by :meth:`write`.

    Each pending instance carries ``_import_is_new`` and ``_import_relations`` (the cleaned link
    columns: ``None`` for a column the file does not have).
    """

    def __init__(self):
        self.pending: list[Agreement] = []

    def add(self, instance) -> None:
        self.pending.append(instance)

    def write(self) -> None:
        if not self.pending:
            return
        now, user = timezone.now(), history_user()
        new = [a for a in self.pending if a._import_is_new]
        changed = [a for a in self.pending if not a._import_is_new]
        stems = CachedStems()
        for agreement in self.pending:
            stems.fill(agreement, [party for party, _ in self.parties(agreement)])
        # The status a row asks for becomes a step of the timeline, and the timeline sets the status.
        self.statuses = [(agreement, agreement.status) for agreement in self.pending]
        for agreement in new:
            agreement.status = DEFAULT_STATUS
        Agreement.objects.bulk_create(new, batch_size=BATCH)
        for agreement in changed:
            agreement.updated = now
        update_rows(changed, UPDATE_FIELDS)
        for name in LINKS:
            self.write_links(name)
        self.write_parties(now, user)
        self.write_status_steps(now, user)  # before the history, which records the status they give
        self.write_history(new, changed, now, user)
        ids = [a.pk for a in self.pending]
        for batch in _batches(ids):
            backend.fill_search_vectors(Agreement.objects.filter(pk__in=batch))

    # What each agreement should have

    def parties(self, agreement) -> list:
        wanted = agreement._import_relations.get("parties")
        if wanted is not None:
            return wanted
        return [] if agreement._import_is_new else agreement._import_current["parties"]

    def current_ids(self, agreement, name) -> set:
        # The links the import loaded with the record (agreements.imports.base.InstanceLoader).
        return set() if agreement._import_is_new else {obj.pk for obj in agreement._import_current[name]}

    # Links

    def write_links(self, name) -> None:
        field = Agreement._meta.get_field(name)
        through = field.remote_field.through
        own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
        added, removed = [], []
        for agreement in self.pending:
            wanted = agreement._import_relations.get(name)
            if wanted is None:
                continue
            wanted_ids, current = {obj.pk for obj in wanted}, self.current_ids(agreement, name)
            added += [
                through(**{f"{own}_id": agreement.pk, f"{other}_id": pk}) for pk in wanted_ids - current
            ]
            if current - wanted_ids:
                removed.append(Q(**{f"{own}_id": agreement.pk, f"{other}_id__in": current - wanted_ids}))
        for batch in _batches(removed, 200):
            condition = Q()
            for part in batch:
                condition |= part
            through.objects.filter(condition).delete()
        insert_rows(added)

    def write_parties(self, now, user) -> None:
        stored = defaultdict(list)
        changed = [a.pk for a in self.pending if not a._import_is_new]
        for batch in _batches(changed):
            for link in AgreementParty.objects.filter(agreement_id__in=batch).order_by("order", "pk"):
                stored[link.agreement_id].append(link)
        created, updated, deleted = [], [], []
        for agreement in self.pending:
            wanted = agreement._import_relations.get("parties")
            if wanted is None:
                continue
            links = stored.get(agreement.pk, [])
            if [(link.party_id, link.role) for link in links] == [(party.pk, role) for party, role in wanted]:
                continue
            by_party = {link.party_id: link for link in links}
            wanted_ids = {party.pk for party, _ in wanted}
            deleted += [link.pk for link in links if link.party_id not in wanted_ids]
            for order, (party, role) in enumerate(wanted):
                link = by_party.get(party.pk)
                if link is None:
                    created.append(AgreementParty(agreement=agreement, party=party, role=role, order=order))
                elif (link.role, link.order) != (role, order):
                    link.role, link.order = role, order
                    updated.append(link)
        if deleted:
            # One by one through the ORM's signals: each deletion gets its «-» history record.
            for batch in _batches(deleted):
                AgreementParty.objects.filter(pk__in=batch).delete()
        AgreementParty.objects.bulk_create(created, batch_size=BATCH)
        update_rows(updated, ["role", "order"])
        insert_rows(history_rows(created, "+", now, user) + history_rows(updated, "~", now, user))

    # History

    def write_history(self, new, changed, now, user) -> None:
        history = Agreement.history
        records = (
            history.bulk_history_create(new, batch_size=BATCH, default_user=user, default_date=now) or []
        )
        records += (
            history.bulk_history_create(
                changed, batch_size=BATCH, update=True, default_user=user, default_date=now
            )
            or []
        )
        by_agreement = {record.id: record for record in records}
        historical = history.model
        for field in historical._history_m2m_fields:
            through = field.remote_field.through
            own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
            snapshot_model = _snapshot_model(historical, other)
            rows = []
            for batch in _batches(by_agreement):
                links = through.objects.filter(**{f"{own}_id__in": batch}).values_list(
                    "pk", f"{own}_id", f"{other}_id"
                )
                for pk, agreement_id, other_id in links:
                    rows.append(
                        snapshot_model(
                            history=by_agreement[agreement_id],
                            id=pk,
                            **{f"{own}_id": agreement_id, f"{other}_id": other_id},
                        )
                    )
            insert_rows(rows)

    # Status timeline

    def write_status_steps(self, now, user) -> None:
        """A step for each agreement whose row names a status its timeline does not end in."""
        steps = record_statuses(self.statuses)
        insert_rows(history_rows(steps, "+", now, user))


class CachedStems:
    """search.fill_search_fields() with each word stemmed once per import (stemming was half its time).

    The same strings as search.fill_search_fields(); generate_demo_data has the same cache.
    """

    def __init__(self):
        self.cache: dict[str, str] = {}

    def fill(self, agreement, parties) -> None:
        agreement.title_key = search.title_sort_key(agreement.title)
        agreement.search_text = search.agreement_search_text(agreement, parties)
        result = []
        for word in search.words(agreement.search_text):
            stem = self.cache.get(word)
            if stem is None:
                stem = self.cache[word] = search.stems(word)[0]
            result.append(stem)
        # Padded with spaces so a query stem can be matched at a word start, as search.py stores it.
        agreement.search_stems = " " + " ".join(result) + " "


def history_rows(objects, kind: str, now, user) -> list:
    """The history records simple-history's bulk_history_create would build, for :func:`insert_rows`."""
    if not objects:
        return []
    historical = objects[0]._meta.model.history.model
    tracked = [field.attname for field in historical.tracked_fields]
    return [
        historical(
            history_date=now,
            history_user=user,
            history_change_reason="",
            history_type=kind,
            **{name: getattr(obj, name) for name in tracked},
        )
        for obj in objects
    ]


def _db_value(field, value):
    # Plain values need no conversion; Django's per-value preparation was most of bulk_create's time.
    if value is None or type(value) in (int, str, bool):
        return value
    return field.get_db_prep_save(value, connection)


def insert_rows(objects) -> None:
    """``INSERT`` of new rows whose keys nobody needs back, in one ``executemany`` per batch."""
    if not objects:
        return
    model = objects[0]._meta.model
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and getattr(objects[0], f.attname) is None)
    ]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objects:
                field.pre_save(obj, add=True)
    quote = connection.ops.quote_name
    # Table and column names come from the model, never from input.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    params = [[_db_value(field, getattr(obj, field.attname)) for field in fields] for obj in objects]
    with connection.cursor() as cursor:
        for batch in _batches(params):
            cursor.executemany(sql, batch)


def update_rows(objects, names) -> None:
    """``UPDATE … WHERE id = …`` for each object, in one ``executemany`` per batch.

    ``bulk_update`` builds one CASE per field and row: 16 fields × 1,000 rows took 15 s on SQLite.
    """
    if not objects:
        return
    model = objects[0]._meta.model
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    # Table and column names come from the model, never from input.
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(f"{quote(field.column)} = %s" for field in fields),
        quote(model._meta.pk.column),
    )
    params = [
        [_db_value(field, getattr(obj, field.attname)) for field in fields] + [obj.pk] for obj in objects
    ]
    with connection.cursor() as cursor:
        for batch in _batches(params):
            cursor.executemany(sql, batch)


def _snapshot_model(historical, other: str):
    """simple-history's model of one link set's snapshots: it points to the record as ``history``."""
    for relation in historical._meta.related_objects:
        model = relation.related_model
        if relation.field.name == "history" and any(f.name == other for f in model._meta.fields):
            return model
    raise LookupError(f"{historical.__name__} keeps no snapshot of {other} links")
