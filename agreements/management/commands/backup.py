"""Back up the whole registry to one file: ``manage.py backup registry-2026-12-03.jsonl.gz``.

Works on SQLite and PostgreSQL alike; ``manage.py restore FILE`` brings it back into an empty, migrated
database of either kind. On PostgreSQL, ``pg_dump -Fc`` is the production backup (README, "Backup and
restore"); this command is for moving a registry between databases and for SQLite.

What is in the file, and why:

- every row of every model except sessions: agreements and everything around them, every Historical*
  table (the audit trail), staff users (password hashes) and groups, the admin log, and the rows
  migrations create (reference data, content types, permissions, groups), so nothing depends on the
  ids a fresh ``migrate`` happens to give them;
- primary keys, never natural keys. History rows keep their ``history_id``, ``history_user`` and
  ``history_date``, and may point at objects deleted since (a merged party, a removed link); a natural
  key of a deleted object cannot be looked up, an id can be written back as it was;
- many-to-many link rows as rows of their own (``agreements.agreement_regions`` …), ids included:
  restoring them is a plain insert that sends no ``m2m_changed``, so simple-history writes no new
  history for them;
- datetimes to the microsecond (Django's JSON encoder would cut them to milliseconds).

The format is JSON Lines, gzipped when the name ends in ``.gz``: a header line (format version,
database vendor, applied migrations, the row count of every table), then one Django-serialized row per
line. The rows are read from one snapshot that does not block writers (see ``snapshot``), the file is
written under a temporary name, readable by its owner only (it holds password hashes), and renamed when
complete.
"""

import datetime
import gzip
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JSONLSerializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "agreements-registry-backup"
VERSION = 1
# Sessions are logins, not data; a restore removes them (see restore.py).
EXCLUDED = {"sessions.session"}
CHUNK = 2000


def backed_up_models() -> list:
    """Every model whose rows are backed up, many-to-many link tables included, by name: the order
    does not matter to a restore (foreign keys are checked at its commit), a stable one to a reader."""
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label_lower not in EXCLUDED and model._meta.managed and not model._meta.proxy
    ]
    return sorted(models, key=lambda model: model._meta.label_lower)


def applied_migrations(connection) -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, except that datetimes and times keep their microseconds."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class RowSerializer(JSONLSerializer):
    """Django's JSON Lines serializer, with each line encoded in one piece: ``json.dump`` to a stream
    takes the pure-Python encoder, ``json.dumps`` the C one (a backup twice as fast)."""

    def end_object(self, obj):
        self.stream.write(json.dumps(self.get_dump_object(obj), **self.json_kwargs) + "\n")
        self._current = None


def open_for_writing(path: Path, compress: bool):
    """A new text file only its owner can read."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if compress:
        return gzip.open(path, "wt", compresslevel=6, encoding="utf-8", newline="\n")
    return open(path, "w", encoding="utf-8", newline="\n")


@contextmanager
def snapshot(connection):
    """One consistent view of the database for the whole backup, which does not hold writers up."""
    if connection.in_atomic_block:  # the caller's transaction is the snapshot
        yield
    elif connection.vendor == "sqlite":
        # Django's atomic() would BEGIN IMMEDIATE (settings: transaction_mode) and take the write lock
        # for the whole backup; a deferred read transaction in WAL mode is a snapshot writers go past.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")  # nothing was written
    else:
        with transaction.atomic(using=connection.alias):
            if connection.vendor == "postgresql":
                # The transaction's first statement; READ ONLY: a backup never writes.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield


def write_backup(stream, connection) -> dict:
    """The header line and every row; returns the row counts."""
    using = connection.alias
    models = backed_up_models()
    counts = {model._meta.label_lower: model._base_manager.using(using).count() for model in models}
    header = {
        "format": FORMAT,
        "version": VERSION,
        "created": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "migrations": applied_migrations(connection),
        "counts": counts,
    }
    stream.write(json.dumps(header, ensure_ascii=False) + "\n")
    serializer = RowSerializer()
    for model in models:
        # Concrete fields only: many-to-many links are written as rows of their own link models.
        fields = [field.name for field in model._meta.local_concrete_fields if not field.primary_key]
        rows = model._base_manager.using(using).order_by("pk").iterator(chunk_size=CHUNK)
        serializer.serialize(rows, stream=stream, fields=fields, cls=ExactJSONEncoder)
    return counts


class Command(BaseCommand):
    help = "Back up every table of the registry (history and staff users included) to one file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file to write; gzipped when its name ends in .gz.")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database to back up (default: default)."
        )

    def handle(self, *args, file, database, verbosity, **options):
        path = Path(file)
        if not path.parent.is_dir():
            raise CommandError(f"Cannot write {path}: the directory {path.parent} does not exist.")
        connection = connections[database]
        try:
            migrated = bool(applied_migrations(connection))
        except DatabaseError as exc:
            raise CommandError(f"Cannot read the database: {exc}") from None
        if not migrated:
            raise CommandError("The database is not migrated: there is nothing to back up.")
        partial = path.with_name(path.name + ".partial")
        started = time.monotonic()
        try:
            with open_for_writing(partial, compress=path.suffix == ".gz") as stream, snapshot(connection):
                counts = write_backup(stream, connection)
            os.replace(partial, path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"Cannot write {exc.filename or path}: {exc.strerror}.") from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        if verbosity:
            seconds = time.monotonic() - started
            self.stdout.write(
                f"Backed up {sum(counts.values())} rows of {len(counts)} tables to {path} "
                f"({path.stat().st_size / 1e6:.1f} MB, {seconds:.1f} s)."
            )
