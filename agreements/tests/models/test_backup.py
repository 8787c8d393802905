"""manage.py backup / restore: a registry with its audit trail and staff comes back exactly as it was.

Transactional tests: the restore and the backup's snapshot are transactions of their own, and the
"freshly migrated database" a restore goes into is made by flushing this one, as `migrate` leaves it:
content types and permissions (re-created by flush), reference data and the two staff groups, under
ids of their own.
"""

import datetime
import gzip
import io
import json
import os
import shutil
import subprocess

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection

from agreements.backoffice.merging import merge_parties
from agreements.management.commands.backup import backed_up_models
from agreements.models import (
    Agreement,
    AgreementParty,
    Country,
    Forum,
    Party,
    PartyAlias,
    Region,
    Sector,
    StatusChange,
)
from agreements.search import refresh_search_fields
from agreements.tests.factories import make_agreement, make_party

pytestmark = pytest.mark.django_db(transaction=True)

EDITORS, VIEWERS = "Редакторы", "Наблюдатели"  # the groups migration 0005 creates


def migration_rows() -> None:
    """What a fresh `migrate` writes besides content types and permissions: reference data and roles."""
    call_command("load_reference_data", stdout=io.StringIO())
    ours = Permission.objects.filter(content_type__app_label="agreements")
    Group.objects.get_or_create(name=EDITORS)[0].permissions.set(ours)
    Group.objects.get_or_create(name=VIEWERS)[0].permissions.set(ours.filter(codename__startswith="view_"))


def fresh_database() -> None:
    """An empty, migrated database whose reference data has other ids than the backed-up one's."""
    call_command("flush", interactive=False, verbosity=0)
    # One id used up first, as on a database where migrations ran in another order.
    country = Country.objects.create(code="ZZ", name_ru="временная", name_en="temporary")
    Region.objects.create(code="ZZ-1", country=country, name_ru="временный", name_en="temporary").delete()
    country.delete()
    migration_rows()


def as_editor(instance, user):
    instance._history_user = user  # how simple-history names the user outside a request
    return instance


@pytest.fixture
def registry(client):
    """The seed, then a day of staff work: edits, a new party and alias, a status step, a deletion
    and a merge, each recorded in the history with its user."""
    migration_rows()
    call_command("load_seed", verbosity=0)
    editor = User.objects.create_user("editor", password="correct horse battery", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS))
    agreement = as_editor(Agreement.objects.order_by("pk").first(), editor)
    agreement.title += " (уточнено)"
    agreement.save()
    agreement.regions.add(Region.objects.get(code="KZ-31"))  # m2m history, with its user
    party = as_editor(Party(name="Новая компания", slug="new-company", country_id="KZ"), editor)
    party.save()
    as_editor(PartyAlias(party=party, name="Новая комп."), editor).save()
    as_editor(AgreementParty(agreement=agreement, party=party, order=9), editor).save()
    step = StatusChange(agreement=agreement, status=Agreement.Status.SIGNED, date=datetime.date(2025, 11, 7))
    as_editor(step, editor).save()
    deleted = make_agreement(slug="deleted-agreement")
    deleted_pk = deleted.pk
    deleted.delete()  # its history, and its links' history, remain
    duplicate = make_party(name="Новая компания ТОО", slug="new-company-dup")
    duplicate_pk = duplicate.pk
    make_agreement(slug="with-duplicate", parties=[duplicate, party])
    merge_parties(party, [duplicate])
    refresh_search_fields(Agreement.objects.filter(pk=agreement.pk))  # as the admin does after an edit
    LogEntry.objects.create(
        user=editor,
        content_type=ContentType.objects.get_for_model(Agreement),
        object_id=str(agreement.pk),
        object_repr=str(agreement),
        action_flag=CHANGE,
        change_message="[]",
    )
    client.force_login(editor)  # a session, which a restore must not keep
    return {"agreement": agreement.pk, "deleted": deleted_pk, "duplicate": duplicate_pk}


def counts() -> dict:
    return {model._meta.label_lower: model._base_manager.count() for model in backed_up_models()}


def rows() -> dict:
    """Every row of every backed-up table, ids included."""
    return {
        model._meta.label_lower: list(model._base_manager.order_by("pk").values())
        for model in backed_up_models()
    }


def history_of(model, pk) -> list:
    return list(
        model.history.filter(id=pk)
        .order_by("history_id")
        .values_list("history_id", "history_type", "history_user__username", "history_date")
    )


def backup(path) -> str:
    out = call_command_output("backup", str(path))
    assert path.exists()
    return out


def call_command_output(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def rewrite(path, target, edit_header=None, edit_lines=None):
    """A copy of the backup at ``path`` with its header and/or rows edited."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        header, *lines = stream.read().splitlines()
    header = json.loads(header)
    if edit_header:
        edit_header(header)
    if edit_lines:
        lines = edit_lines(lines)
    target.write_text("\n".join([json.dumps(header), *lines]) + "\n", encoding="utf-8")
    return target


def test_it_restores_a_registry_into_a_freshly_migrated_database(registry, tmp_path):
    path = tmp_path / "registry.jsonl.gz"
    before_counts, before_rows = counts(), rows()
    agreement = Agreement.objects.get(pk=registry["agreement"])
    before = {
        "regions": set(agreement.regions.values_list("code", flat=True)),
        "sectors": set(agreement.sectors.values_list("code", flat=True)),
        "parties": list(agreement.party_links.values_list("party__slug", "role", "order")),
        "history": history_of(Agreement, agreement.pk),
        "deleted": history_of(Agreement, registry["deleted"]),
        "merged": history_of(Party, registry["duplicate"]),
        "password": User.objects.get(username="editor").password,
    }
    region_ids = dict(Region.objects.values_list("code", "pk"))
    assert "Backed up" in backup(path)

    fresh_database()
    assert dict(Region.objects.values_list("code", "pk")) != region_ids  # the ids a restore must replace
    out = call_command_output("restore", str(path))

    assert "Restored" in out and "Restart the web workers" in out
    assert counts() == before_counts
    for label in (
        "agreements.agreement",
        "agreements.party",
        "agreements.partyalias",
        "agreements.agreementparty",
        "agreements.statuschange",
        "agreements.source",
        "agreements.forum",
        "agreements.forumfigure",
        "agreements.historicalagreement",
        "agreements.historicalagreement_regions",
        "agreements.historicalparty",
        "agreements.historicalpartyalias",
        "agreements.historicalagreementparty",
        "agreements.historicalstatuschange",
        "agreements.historicalforum",
    ):
        assert before_counts[label] > 0, label  # the registry fixture made rows of each
    assert rows() == before_rows  # every field of every row, ids and microseconds included
    agreement = Agreement.objects.get(pk=registry["agreement"])
    assert set(agreement.regions.values_list("code", flat=True)) == before["regions"] >= {"KZ-31"}
    assert set(agreement.sectors.values_list("code", flat=True)) == before["sectors"]
    assert list(agreement.party_links.values_list("party__slug", "role", "order")) == before["parties"]
    assert history_of(Agreement, agreement.pk) == before["history"]
    assert {user for _, _, user, _ in before["history"]} >= {"editor"}
    assert not Agreement.objects.filter(pk=registry["deleted"]).exists()
    assert history_of(Agreement, registry["deleted"]) == before["deleted"] != []
    assert history_of(Party, registry["duplicate"])[-1][1] == "-" and before["merged"][-1][1] == "-"
    editor = User.objects.get(username="editor")
    assert editor.password == before["password"] and editor.check_password("correct horse battery")
    assert editor.has_perm("agreements.change_agreement")
    assert dict(Region.objects.values_list("code", "pk")) == region_ids
    assert not Session.objects.exists()


def test_it_continues_ids_after_the_restored_ones(registry, tmp_path):
    path = tmp_path / "registry.jsonl"
    last_history = Agreement.history.order_by("-history_id").values_list("history_id", flat=True)[0]
    last_agreement = Agreement.objects.order_by("-pk").values_list("pk", flat=True)[0]
    backup(path)
    fresh_database()
    call_command("restore", str(path), verbosity=0)
    history_rows = Agreement.history.count()

    created = make_agreement(slug="after-restore", regions=["KZ-31"])

    assert created.pk > last_agreement
    assert min(Agreement.history.filter(id=created.pk).values_list("history_id", flat=True)) > last_history
    assert Agreement.history.count() > history_rows  # simple-history is on again after the restore
    assert created.regions.get().code == "KZ-31"


def test_it_refuses_a_database_that_is_not_empty(registry, tmp_path):
    path = tmp_path / "registry.jsonl.gz"
    backup(path)
    Agreement.objects.filter(pk=registry["agreement"]).update(title="Изменено после резервной копии")

    with pytest.raises(CommandError, match=r"The database is not empty .*--force"):
        call_command("restore", str(path), verbosity=0)

    assert Agreement.objects.get(pk=registry["agreement"]).title == "Изменено после резервной копии"
    assert Session.objects.exists()


def test_it_replaces_everything_with_force(registry, tmp_path):
    path = tmp_path / "registry.jsonl.gz"
    before_rows = rows()
    backup(path)
    make_agreement(slug="made-after-the-backup")
    Forum.objects.all().update(city="Омск")
    User.objects.create_user("latecomer")

    out = call_command_output("restore", str(path), force=True)

    assert "Replaced" in out
    assert rows() == before_rows
    assert not Session.objects.exists()


def test_it_changes_nothing_when_the_file_is_incomplete(registry, tmp_path):
    path = tmp_path / "registry.jsonl.gz"
    backup(path)
    truncated = rewrite(path, tmp_path / "truncated.jsonl", edit_lines=lambda lines: lines[:-5])
    damaged = rewrite(
        path, tmp_path / "damaged.jsonl", edit_lines=lambda lines: [*lines[:-1], lines[-1][:20]]
    )

    def without_sources(lines):
        return [line for line in lines if not line.startswith('{"model": "agreements.source"')]

    orphans = rewrite(
        path,
        tmp_path / "orphans.jsonl",
        edit_header=lambda header: header["counts"].update({"agreements.source": 0}),
        edit_lines=without_sources,
    )
    fresh_database()
    fresh = rows()

    with pytest.raises(CommandError, match=r"incomplete: contenttypes\.contenttype has \d+ of its \d+ rows"):
        call_command("restore", str(truncated), verbosity=0)
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(damaged), verbosity=0)
    with pytest.raises(CommandError, match=r"rows do not fit together: .*agreements_source"):
        call_command("restore", str(orphans), verbosity=0)

    assert rows() == fresh


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is not a registry backup"),
        (b'[{"model": "agreements.agreement", "pk": 1, "fields": {}}]\n', "is not a registry backup"),
        (b"\xff\xfe\x00binary", "is not a registry backup"),
        (b"\x1f\x8b\x08\x00broken gzip", "Nothing was restored"),
        (b'{"format": "agreements-registry-backup", "version": 99}\n', "format version 99"),
        (b'{"format": "agreements-registry-backup", "version": 1}\n', "header lists no migrations"),
    ],
)
def test_it_refuses_a_file_that_is_not_a_backup(tmp_path, content, message):
    path = tmp_path / "not-a-backup.jsonl"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        call_command("restore", str(path), verbosity=0)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "missing.jsonl"), verbosity=0)


def test_it_refuses_a_backup_made_at_other_migrations(registry, tmp_path):
    path = tmp_path / "registry.jsonl.gz"
    backup(path)
    newer = rewrite(
        path,
        tmp_path / "newer.jsonl",
        edit_header=lambda header: header["migrations"].append("agreements.9999_from_the_future"),
    )
    older = rewrite(
        path,
        tmp_path / "older.jsonl",
        edit_header=lambda header: header["migrations"].remove("agreements.0007_listing_order_index"),
    )
    fresh_database()

    with pytest.raises(CommandError, match=r"has not applied: agreements\.9999_from_the_future"):
        call_command("restore", str(newer), verbosity=0)
    with pytest.raises(CommandError, match=r"made without: agreements\.0007_listing_order_index"):
        call_command("restore", str(older), verbosity=0)
    assert not Agreement.objects.exists()


def test_it_writes_a_file_only_its_owner_can_read(registry, tmp_path):
    path = tmp_path / "registry.jsonl.gz"

    backup(path)

    assert os.stat(path).st_mode & 0o777 == 0o600  # it holds password hashes
    assert [p.name for p in tmp_path.iterdir()] == ["registry.jsonl.gz"]  # no .partial left behind
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        header = json.loads(stream.readline())
    assert header["vendor"] == connection.vendor
    assert header["counts"]["agreements.agreement"] == Agreement.objects.count()
    assert "sessions.session" not in header["counts"]


def test_it_recomputes_search_vectors_of_a_backup_from_the_other_database(registry, tmp_path):
    """A SQLite backup has no tsvectors for PostgreSQL; one from PostgreSQL holds some SQLite needs not."""
    path = tmp_path / "registry.jsonl.gz"
    backup(path)
    vectors = dict(Agreement.objects.values_list("pk", "search_vector"))
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"

    def without_vectors(lines):
        edited = []
        for line in lines:
            row = json.loads(line)
            if row["model"] == "agreements.agreement":
                row["fields"]["search_vector"] = None if other == "sqlite" else "'ложный':1"
            edited.append(json.dumps(row, ensure_ascii=False))
        return edited

    moved = rewrite(
        path,
        tmp_path / "other.jsonl",
        edit_header=lambda header: header.update(vendor=other),
        edit_lines=without_vectors,
    )
    fresh_database()

    call_command("restore", str(moved), verbosity=0)

    restored = dict(Agreement.objects.values_list("pk", "search_vector"))
    if connection.vendor == "postgresql":
        assert restored == vectors and all(restored.values())
    else:
        assert set(restored.values()) == {None}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump/pg_restore: PostgreSQL only")
@pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="pg_dump/pg_restore not installed (apt-get install postgresql-client)",
)
def test_it_round_trips_pg_dump_and_pg_restore(registry, tmp_path):
    import psycopg

    settings = connection.settings_dict
    options = ["-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432)]
    options += ["-U", settings["USER"]] if settings["USER"] else []
    env = {**os.environ, **({"PGPASSWORD": settings["PASSWORD"]} if settings["PASSWORD"] else {})}
    dump, target = tmp_path / "registry.dump", f"{settings['NAME']}_pgrestore"
    subprocess.run(["pg_dump", "-Fc", *options, "-f", str(dump), settings["NAME"]], env=env, check=True)
    admin = psycopg.connect(
        dbname="postgres",
        host=options[1],
        port=options[3],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        autocommit=True,
    )
    tables = [model._meta.db_table for model in backed_up_models()] + ["django_migrations"]
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        admin.execute(f'CREATE DATABASE "{target}"')
        restored = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", *options, "-d", target, str(dump)],
            env=env,
            capture_output=True,
            text=True,
        )
        assert restored.returncode == 0, restored.stderr
        with psycopg.connect(
            dbname=target,
            host=options[1],
            port=options[3],
            user=settings["USER"] or None,
            password=settings["PASSWORD"] or None,
        ) as copy:
            for table in tables:
                query = f'SELECT count(*) FROM "{table}"'  # noqa: S608 - model metadata
                with connection.cursor() as cursor:
                    cursor.execute(query)
                    assert copy.execute(query).fetchone() == cursor.fetchone(), table
            history = (
                "SELECT history_id, history_type, history_user_id, history_date, title"
                " FROM agreements_historicalagreement ORDER BY history_id"
            )
            with connection.cursor() as cursor:
                cursor.execute(history)
                assert copy.execute(history).fetchall() == cursor.fetchall()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        admin.close()


def test_it_backs_up_every_table_but_sessions():
    tables = {model._meta.db_table for model in backed_up_models()}
    known = set(connection.introspection.django_table_names(only_existing=True))

    assert known - tables == {"django_session"}
    assert {Country, Region, Sector, User, Group, Permission, ContentType, LogEntry} <= set(
        backed_up_models()
    )
