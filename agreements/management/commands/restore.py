"""Restore a file written by ``manage.py backup``: ``manage.py restore registry-2026-12-03.jsonl.gz``.

Into a database migrated to the same migrations as the one backed up (SQLite or PostgreSQL, either
way round), which holds no registry data yet: a fresh ``manage.py migrate`` is the usual target. The
rows migrations create there (reference data, content types, permissions, the two groups) are replaced
by the backup's, ids and all, so every row of the file can be written back with the id it had. A
database that already has users, agreements, parties, forums, sources or history is refused unless
``--force`` is given, which replaces all of it. Sessions are always removed: a session names its user
by id, and after a restore that id may be somebody else.

The restore is one transaction: any error (a damaged or truncated file, a row the database refuses)
leaves the database exactly as it was. Nothing new enters the audit trail: rows are saved raw or
bulk-inserted (no ``save()``, no history from ``post_save``), link rows are plain inserts (no
``m2m_changed``), and simple-history is switched off for the duration besides. The restored counts
are compared with the backup's own before the transaction commits, and PostgreSQL's id sequences are
reset past the restored ids.

Running web workers cache content types, reference-data ids and facet counts: restart them after a
restore.
"""

import gzip
import json
import time
import zlib
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction

from agreements.backend import fill_search_vectors
from agreements.management.commands.backup import FORMAT, VERSION, applied_migrations, backed_up_models
from agreements.models import Agreement
from agreements.public.dataversion import forget_data_version
from agreements.public.listing.facets import builds, forget_index
from agreements.public.listing.residuals import word_indexes

# Tables a fresh ``migrate`` fills: the backup's rows replace them, so they do not make a database
# "not empty".
CREATED_BY_MIGRATIONS = {
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group",
    "auth.group_permissions",
    "agreements.country",
    "agreements.region",
    "agreements.sector",
}


BATCH = 2000


class RestoreError(Exception):
    pass


def open_for_reading(path: Path):
    with open(path, "rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    if compressed:
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def read_header(stream, path: Path) -> dict:
    try:
        header = json.loads(stream.readline())
    except (ValueError, OSError, EOFError, zlib.error):  # not JSON, not UTF-8, not gzip
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise RestoreError(f"{path} is not a registry backup (written by `manage.py backup`).")
    if header.get("version") != VERSION:
        raise RestoreError(
            f"{path} is a backup of format version {header.get('version')}; "
            f"this code reads version {VERSION}."
        )
    if not isinstance(header.get("migrations"), list) or not isinstance(header.get("counts"), dict):
        raise RestoreError(f"{path} is damaged: its header lists no migrations or row counts.")
    return header


def check_migrations(header: dict, connection) -> None:
    """The rows fit the tables only if both databases are at the same migrations."""
    backed_up = set(header["migrations"])
    here = set(applied_migrations(connection))
    if not here:
        raise RestoreError("The database is not migrated: run `manage.py migrate` first.")
    missing, extra = sorted(backed_up - here), sorted(here - backed_up)
    if missing:
        raise RestoreError(
            "The backup was made at migrations this database has not applied: "
            f"{', '.join(missing)}. Run `manage.py migrate` first (with the code the backup was made with)."
        )
    if extra:
        raise RestoreError(
            f"This database has migrations the backup was made without: {', '.join(extra)}. Restore "
            "into a database migrated with the code the backup was made with, then run `manage.py migrate`."
        )


def models_of(header: dict) -> dict:
    models = {}
    for label in header["counts"]:
        try:
            models[label] = apps.get_model(label)
        except (LookupError, ValueError):
            raise RestoreError(f"The backup holds {label}, which this code does not know.") from None
    return models


def rows_in_the_way(models: dict, using: str) -> dict:
    """Registry data the target already holds (beyond what migrations create)."""
    found = {}
    for label, model in models.items():
        if label not in CREATED_BY_MIGRATIONS:
            count = model._base_manager.using(using).count()
            if count:
                found[label] = count
    return found


def empty_tables(connection) -> None:
    """Every table Django knows (sessions too), in one statement where the database allows it."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    # Migration records describe the schema, which stays.
    tables = [table for table in tables if table != "django_migrations"]
    with connection.cursor() as cursor:
        for sql in connection.ops.sql_flush(no_style(), tables, reset_sequences=False, allow_cascade=False):
            cursor.execute(sql)


def stamped(model) -> bool:
    """Whether the model has auto_now/auto_now_add fields, which bulk_create would set to now."""
    return any(
        getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        for field in model._meta.concrete_fields
    )


def load_rows(stream, models: dict, using: str) -> dict:
    """Insert every row as it was; returns how many rows of each table the file held.

    Rows with timestamps are saved one by one, raw, as ``loaddata`` saves them (no ``save()`` override,
    no auto_now, receivers told it is a load); the rest (history, links, reference data: nine rows in
    ten) in batches with ``bulk_create``, which sends no signals at all.
    """
    loaded = dict.fromkeys(models, 0)
    pending = defaultdict(list)
    try:
        for deserialized in serializers.deserialize("jsonl", stream, using=using, ignorenonexistent=False):
            row = deserialized.object
            model, label = type(row), row._meta.label_lower
            if label not in loaded:
                raise RestoreError(f"The backup holds rows of {label} but its header does not list them.")
            loaded[label] += 1
            if stamped(model):
                deserialized.save(save_m2m=False, using=using, force_insert=True)
                continue
            pending[model].append(row)
            if len(pending[model]) >= BATCH:
                model._base_manager.using(using).bulk_create(pending.pop(model))
        for model, rows in pending.items():
            model._base_manager.using(using).bulk_create(rows)
    except (DeserializationError, ValueError) as exc:  # ValueError: not UTF-8
        raise RestoreError(f"The backup file is damaged: {exc}") from None
    return loaded


def check_counts(header: dict, models: dict, loaded: dict, using: str) -> None:
    for label, expected in header["counts"].items():
        if loaded[label] != expected:
            raise RestoreError(
                f"The backup file is incomplete: {label} has {loaded[label]} of its {expected} rows."
            )
        stored = models[label]._base_manager.using(using).count()
        if stored != expected:
            raise RestoreError(f"{label}: {stored} rows restored, the backup holds {expected}.")


def reset_sequences(connection, models) -> None:
    """PostgreSQL: the next new row gets an id past the restored ones (a no-op on SQLite)."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def fix_search_vectors(header: dict, connection) -> None:
    """The stored tsvector is PostgreSQL's; a backup from SQLite has none, one to SQLite needs none."""
    if header["vendor"] == connection.vendor:
        return
    agreements = Agreement.objects.using(connection.alias)
    if connection.vendor == "postgresql":
        fill_search_vectors(agreements)
    else:
        agreements.update(search_vector=None)


@contextmanager
def history_disabled():
    """Belt and braces: the loads above send no signal simple-history records, and it is off as well."""
    previous = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    settings.SIMPLE_HISTORY_ENABLED = False
    try:
        yield
    finally:
        settings.SIMPLE_HISTORY_ENABLED = previous


def forget_caches() -> None:
    """This process's caches hold ids of the database that was here before."""
    ContentType.objects.clear_cache()
    for alias in settings.CACHES:
        caches[alias].clear()
    forget_index()
    forget_data_version()
    builds.discard_snapshot()  # this host's other workers would load it
    word_indexes.discard_snapshot()


def restore(path: Path, connection, force: bool) -> tuple[dict, dict]:
    """Returns the restored counts and what was replaced."""
    using = connection.alias
    with open_for_reading(path) as stream:
        header = read_header(stream, path)
        check_migrations(header, connection)
        models = models_of(header)
        missing = set(backed_up_models()) - set(models.values())
        if missing:
            names = ", ".join(sorted(model._meta.label_lower for model in missing))
            raise RestoreError(f"The backup has no rows for {names}: it was made by other code.")
        with history_disabled(), transaction.atomic(using=using):
            replaced = rows_in_the_way(models, using)
            if replaced and not force:
                found = ", ".join(f"{label}: {count}" for label, count in list(replaced.items())[:4])
                if len(replaced) > 4:
                    found += f" and {len(replaced) - 4} more tables"
                raise RestoreError(
                    f"The database is not empty ({found}). A restore replaces everything in it: restore "
                    "into a freshly migrated database, or pass --force to replace its contents."
                )
            empty_tables(connection)
            loaded = load_rows(stream, models, using)
            check_counts(header, models, loaded, using)
            try:
                connection.check_constraints()
            except IntegrityError as exc:
                raise RestoreError(f"The backup's rows do not fit together: {exc}") from None
            reset_sequences(connection, models.values())
            fix_search_vectors(header, connection)
    forget_caches()
    return loaded, replaced


class Command(BaseCommand):
    help = "Restore a `backup` file into an empty, migrated database (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A file written by `manage.py backup` (.jsonl or .jsonl.gz).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace whatever the database holds (users and history included) with the backup.",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database to restore into (default: default)."
        )

    def handle(self, *args, file, force, database, verbosity, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path} does not exist or is not a file.")
        started = time.monotonic()
        try:
            loaded, replaced = restore(path, connections[database], force)
        except (RestoreError, OSError, EOFError, zlib.error) as exc:  # OSError, zlib.error: gzip
            raise CommandError(f"Nothing was restored. {exc}") from None
        except DatabaseError as exc:
            raise CommandError(f"Nothing was restored. The database refused a row: {exc}") from None
        if verbosity:
            seconds = time.monotonic() - started
            if replaced:
                self.stdout.write(f"Replaced {sum(replaced.values())} rows that were in the database.")
            self.stdout.write(
                f"Restored {sum(loaded.values())} rows of {len(loaded)} tables from {path} "
                f"({seconds:.1f} s). Restart the web workers: they cache ids of the database that was "
                "here before."
            )
