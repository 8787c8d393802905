"""The data version (migration 0011, agreements/public/listing/caching.py): changed by every
committed write, in
whatever order concurrent transactions commit, and by reference data; caches follow it."""

import re
import threading
import time
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.urls import reverse

from agreements.models import Agreement, Country, Region
from agreements.public.dataversion import data_version, is_behind, tracking_behind
from agreements.public.filters import public_filterset
from agreements.public.listing.caching import cached
from agreements.public.listing.facets import builds, facet_counts
from agreements.public.listing.sizedcache import SizedLocMemCache
from agreements.tests.backoffice.test_import import csv_bytes, run_import
from agreements.tests.factories import make_agreement, make_party

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (SQLite has one writer)"
)


def region_option(response, code):
    for option in response.context["facets"]["region"]:
        if option.value == code:
            return option
    return None


@pytest.mark.django_db
def test_it_changes_the_version_with_an_edit():
    agreement = make_agreement(regions=["KZ-75"])
    before = data_version()
    agreement.title = "Соглашение о поставках"
    agreement.save()
    assert data_version() != before


@pytest.mark.django_db
def test_it_changes_the_version_with_an_import():
    make_party("ТОО «Импорт»")
    before = data_version()
    rows = [["Название", "Вид документа", "Стороны"], ["Соглашение о зерне", "соглашение", "ТОО «Импорт»"]]
    result = run_import(csv_bytes(rows))
    assert not result.has_errors()
    assert Agreement.objects.filter(title="Соглашение о зерне").exists()
    assert data_version() != before


@pytest.mark.django_db
def test_it_changes_the_version_with_a_link_only_edit():
    agreement = make_agreement(regions=["KZ-75"])
    before = data_version()
    agreement.regions.add(Region.objects.get(code="KZ-79"))
    assert data_version() != before


@pytest.mark.django_db
def test_it_keeps_the_version_while_nothing_is_written():
    make_agreement()
    assert data_version() == data_version()


@pytest.mark.django_db
def test_it_counts_an_edit_in_the_next_listing(client):
    agreement = make_agreement(regions=["KZ-75"])
    url = reverse("agreement_list")
    assert region_option(client.get(url), "KZ-75").count == 1
    agreement.regions.set(Region.objects.filter(code="KZ-79"))
    response = client.get(url)
    assert region_option(response, "KZ-75") is None
    assert region_option(response, "KZ-79").count == 1


@pytest.mark.django_db
def test_it_shows_a_renamed_region_and_accepts_a_new_one_at_once(client):
    make_agreement(regions=["KZ-75"])
    url = reverse("agreement_list")
    assert client.get(url, {"region": "KZ-75"}).status_code == 200
    assert client.get(url, {"region": "KZ-99"}).status_code == 400  # unknown, and now cached as such
    Region.objects.filter(code="KZ-75").update(name_ru="Алматы (новое имя)")
    kazakhstan = Country.objects.get(code="KZ")
    Region.objects.create(code="KZ-99", country=kazakhstan, name_ru="Новая", name_en="New")
    response = client.get(url)
    assert region_option(response, "KZ-75").label == "Алматы (новое имя)"
    assert client.get(url, {"region": "KZ-99"}).status_code == 200


@pytest.mark.django_db
def test_it_computes_again_once_the_version_changes():
    calls = []
    compute = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert cached("probe", {"a": 1}, compute) == 1
    assert cached("probe", {"a": 1}, compute) == 1
    make_agreement()
    assert cached("probe", {"a": 1}, compute) == 2


@pytest.mark.django_db
def test_it_gives_a_rolled_back_version_a_different_name():
    """A version number a rolled-back transaction used comes back after it: the nonce differs."""
    before = data_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_agreement()
        inside = data_version()
        raise RuntimeError
    assert data_version() == before
    make_agreement()
    assert data_version() not in (before, inside)


def write_in_thread(started: threading.Event, release: threading.Event, title: str, errors: list):
    """A transaction of its own (its own connection) that writes, then waits before committing."""
    try:
        with transaction.atomic():
            make_agreement(title=title, regions=["KZ-75"])
            started.set()
            assert release.wait(10)
    except Exception as error:  # reported by the test
        errors.append(error)
        started.set()
    finally:
        connections.close_all()


@pytest.fixture
def reference(transactional_db):
    """Reference data: an earlier transactional test may have flushed what migrations loaded."""
    call_command("load_reference_data", verbosity=0)


def committed_version() -> str:
    with transaction.atomic():
        return data_version()


@postgresql_only
@pytest.mark.parametrize("first", ["long", "quick"])
def test_it_changes_the_version_at_each_commit_in_either_order(reference, first):
    """The issue's bug: a long import took its ids first and committed after a quick edit."""
    events = {name: (threading.Event(), threading.Event()) for name in ("long", "quick")}
    errors: list = []
    threads = {
        name: threading.Thread(target=write_in_thread, args=(*events[name], f"Соглашение {name}", errors))
        for name in ("long", "quick")
    }
    threads["long"].start()
    assert events["long"][0].wait(10)  # the long one has written (and taken its ids) first
    threads["quick"].start()
    assert events["quick"][0].wait(10)
    seen = [committed_version()]
    for name in (first, "quick" if first == "long" else "long"):
        events[name][1].set()
        threads[name].join(60)
        seen.append(committed_version())
        titles = set(Agreement.objects.values_list("title", flat=True))
        assert f"Соглашение {name}" in titles
    assert not errors
    assert len(set(seen)) == 3, seen


@postgresql_only
def test_it_does_not_show_a_transactions_own_version_to_others(reference):
    started, release, errors = threading.Event(), threading.Event(), []
    before = committed_version()
    thread = threading.Thread(target=write_in_thread, args=(started, release, "Соглашение", errors))
    thread.start()
    assert started.wait(10)
    assert committed_version() == before  # written, not committed: others see the old version
    release.set()
    thread.join(60)
    assert not errors
    assert committed_version() != before


def commit_an_agreement_elsewhere(with_reference_data: bool = False):
    """Committed by another connection; with a reference-data change in the same transaction, which
    only a full build of the index covers (the change log says so, migration 0013)."""

    def write():
        with transaction.atomic():
            make_agreement(regions=["KZ-75"])
            if with_reference_data:
                Region.objects.filter(code="KZ-75").update(name_en="Almaty (city)")
        connections.close_all()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(60)


def listed_total(response) -> int:
    return int(re.search(r"Найдено\s+(\d+)", response.content.decode()).group(1))


def test_it_answers_from_the_previous_index_while_the_next_is_built(reference, client, monkeypatch):
    make_agreement(regions=["KZ-75"])
    assert facet_counts(valid({})).total == 1  # no index yet: built inline
    url = reverse("agreement_list")
    first = client.get(url)
    assert listed_total(first) == 1
    commit_an_agreement_elsewhere(with_reference_data=True)
    build, may_finish = builds.build, threading.Event()
    monkeypatch.setattr(builds, "build", lambda: (may_finish.wait(60), build())[1])
    with tracking_behind():
        assert facet_counts(valid({})).total == 1  # an unpinned path: not waiting for the build
        assert is_behind()
    # A page is answered as of the index's version: its cached rendering and its ETag.
    response = client.get(url)
    assert listed_total(response) == 1
    assert response["ETag"] == first["ETag"]
    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    may_finish.set()
    builds.wait()
    assert facet_counts(valid({})).total == 2
    response = client.get(url)
    assert listed_total(response) == 2
    assert response["ETag"] != first["ETag"]


def test_it_builds_inline_inside_a_transaction_that_wrote(reference):
    make_agreement(regions=["KZ-75"])
    assert facet_counts(valid({})).total == 1
    with transaction.atomic():
        make_agreement(regions=["KZ-75"])
        assert facet_counts(valid({})).total == 2  # its own write: the builder could not see it


def valid(params):
    filterset = public_filterset(params)
    assert filterset.is_valid(), filterset.errors
    return filterset


def test_it_bounds_the_memory_cache_by_bytes():
    cache = SizedLocMemCache("test-sized", {"OPTIONS": {"MAX_BYTES": 10_000, "MAX_ENTRIES": 1_000_000}})
    cache.clear()
    for n in range(50):
        cache.set(f"page-{n}", "x" * 1_000)
    assert cache.bytes_held <= 10_000
    assert cache.get("page-49") is not None  # the newest stay
    assert cache.get("page-0") is None  # the oldest went first
    cache.get("page-45")  # used: kept over older ones
    for n in range(50, 55):
        cache.set(f"page-{n}", "x" * 1_000)
    assert cache.get("page-45") is not None
    cache.set("huge", "x" * 20_000)  # larger than the whole cache: not kept, nothing evicted for it
    assert cache.get("huge") is None
    assert cache.get("page-54") is not None
    cache.set("page-54", "y")  # replaced: its old size no longer counts
    assert cache.bytes_held < 10_000 - 900


def triggered_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'agreements_data_version'"
            )
        else:
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'agreements_data_version_%' GROUP BY tbl_name HAVING count(*) = 3"
            )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_it_has_the_version_trigger_on_every_registry_table():
    """A new model, or a later migration that remakes a table on SQLite (which drops its triggers),
    must (re)create them: see migration 0011."""
    registry_tables = {
        model._meta.db_table
        for model in apps.get_app_config("agreements").get_models(include_auto_created=True)
        if not model._meta.db_table.startswith("agreements_historical")
    }
    assert registry_tables == set(import_module("agreements.migrations.0011_data_version").TABLES)
    assert triggered_tables() == registry_tables


def test_it_does_not_make_a_request_wait_while_a_build_runs(reference, monkeypatch):
    make_agreement(regions=["KZ-75"])
    assert facet_counts(valid({})).total == 1
    commit_an_agreement_elsewhere(with_reference_data=True)
    build, may_finish = builds.build, threading.Event()
    monkeypatch.setattr(builds, "build", lambda: (may_finish.wait(60), build())[1])
    old = builds.built.version
    try:
        for _ in range(3):  # the first starts the build; none of them waits for it
            started = time.monotonic()
            assert builds.version_to_answer(data_version()) == old
            assert time.monotonic() - started < 5
    finally:
        may_finish.set()
        builds.wait()
    assert builds.version_to_answer(data_version()) != old
