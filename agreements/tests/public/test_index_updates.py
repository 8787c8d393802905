"""The facet index updated from the change log (migration 0013, facetindex.updated, indexbuilds):
after each committed change it counts and pages exactly as a full build, and as the SQL filter,
without a full build — and a change only a full build covers starts one."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from agreements.models import Agreement, Country, Party, Region, Sector
from agreements.public.dataversion import data_version
from agreements.public.facetindex import builds as indexbuilds
from agreements.public.facetindex import changes as indexchanges
from agreements.public.facetindex.builds import Built
from agreements.public.facetindex.changes import version_number
from agreements.public.facetindex.index import FacetIndex
from agreements.public.filters import public_filterset
from agreements.public.listing.facets import builds, current_index, facet_counts, ids_in_listing_order
from agreements.tests.factories import make_agreement, make_party
from agreements.tests.public.test_caching import write_in_thread

FILTERS = [
    {},
    {"region": ["KZ-75"]},
    {"region": ["KZ-79", "RU-MOW"]},
    {"sector": ["C"]},
    {"country": ["KZ"]},
    {"country": ["RU"], "kind": ["mou", "agreement"]},
    {"status": ["signed"]},
    {"party_country": ["RU"]},
    {"q": "зерна"},
]


@pytest.fixture
def registry(transactional_db):
    """Committed data (the update reads the log of committed versions): reference data (an earlier
    transactional test may have flushed it) and 40 agreements in several regions and sectors."""
    call_command("load_reference_data", verbosity=0)
    parties = [make_party(), make_party(country="RU")]
    for n in range(40):
        make_agreement(
            title=f"Соглашение {n:02d} о поставках зерна" if n % 3 else f"Меморандум {n:02d}",
            parties=parties,
            regions=[("KZ-75", "KZ-79", "RU-MOW")[n % 3]],
            sectors=[("01", "46", "C")[n % 3]] if n % 4 else [],
            kind=("mou", "agreement")[n % 2],
            signed_on=datetime.date(2025, 1 + n % 12, 1 + n % 5) if n % 5 else None,
        )


@pytest.fixture
def no_full_builds(monkeypatch):
    """After the first build, a full build fails the test."""
    current_index()
    monkeypatch.setattr(builds, "build", lambda: pytest.fail("a full build ran"))


def valid(params):
    filterset = public_filterset(params)
    assert filterset.is_valid(), filterset.errors
    return filterset


def listed(filterset) -> list[int]:
    """The default order's ids as the listing gets them: from the bitsets, or from SQL where the
    index says its positions do not hold."""
    counts = facet_counts(filterset)
    ids = ids_in_listing_order(counts, 0, counts.total)
    return ids if ids is not None else list(filterset.qs.values_list("pk", flat=True))


def snapshot(params: dict) -> tuple:
    filterset = valid({**params, "sort": "-signed"})
    counts = facet_counts(filterset)
    facets = {
        name: sorted((o.value, o.count, tuple((c.value, c.count) for c in o.children)) for o in options)
        for name, options in counts.facets.items()
    }
    return counts.total, facets, listed(filterset)


def assert_as_a_full_build_and_sql():
    updated = {str(params): snapshot(params) for params in FILTERS}
    for params in FILTERS:
        expected = list(valid({**params, "sort": "-signed"}).qs.values_list("pk", flat=True))
        assert updated[str(params)][0] == len(expected), params
        assert updated[str(params)][2] == expected, params
    built = builds.built
    builds.built = Built(built.version, FacetIndex(), 0.0)  # a full build of the same version
    try:
        fresh = {str(params): snapshot(params) for params in FILTERS}
    finally:
        builds.built = built
    assert updated == fresh


def some(**filters) -> Agreement:
    return Agreement.objects.filter(**filters).order_by("pk").first()


def edit_kind():
    agreement = some(kind="mou")
    agreement.kind = "agreement"
    agreement.save()


def edit_date():
    agreement = some(signed_on__isnull=False)
    agreement.signed_on = datetime.date(2030, 1, 1)  # first in the order now: placed anew
    agreement.save()


def edit_title():
    agreement = some(title__startswith="Соглашение 1")
    agreement.title = "А первое по алфавиту"
    agreement.save()


def edit_regions():
    agreement = some(regions__code="KZ-75")
    agreement.regions.set(Region.objects.filter(code__in=["RU-MOW", "KZ-79"]))


def edit_sectors():
    some(sectors__isnull=True).sectors.add(Sector.objects.get(code="46"))


def edit_countries():
    some(regions__code="RU-MOW").countries.add(Country.objects.get(code="KZ"))


def unpublish():
    Agreement.objects.filter(pk=some(is_published=True).pk).update(is_published=False)


def add_one():
    make_agreement(title="Новое соглашение о зерне", regions=["KZ-75"], signed_on=datetime.date(2025, 6, 1))


def delete_one():
    some(regions__code="KZ-79").delete()


def replace_party():
    agreement = some(regions__code="RU-MOW")
    link = agreement.party_links.order_by("order").first()
    link.party = make_party(country="KZ")
    link.save()


@pytest.mark.parametrize(
    "edit",
    [
        edit_kind,
        edit_date,
        edit_title,
        edit_regions,
        edit_sectors,
        edit_countries,
        unpublish,
        add_one,
        delete_one,
        replace_party,
    ],
)
def test_it_updates_the_index_as_a_full_build_would(registry, no_full_builds, edit):
    before = current_index()
    edit()
    assert current_index() is not before  # updated, without a full build (the fixture)
    assert_as_a_full_build_and_sql()


def test_it_keeps_up_with_many_edits_in_a_row(registry, no_full_builds):
    for edit in (edit_kind, add_one, edit_date, edit_regions, unpublish, edit_title, delete_one, add_one):
        edit()
        current_index()
    assert current_index().generation == 8
    assert_as_a_full_build_and_sql()


def test_it_keeps_an_edited_agreement_in_place_while_the_order_holds(registry, no_full_builds):
    index = current_index()
    edit_kind()
    updated = current_index()
    assert updated.added == 0 and updated.pks is index.pks  # no position moved
    assert ids_in_listing_order(facet_counts(valid({})), 0, 10) is not None


def test_it_pages_with_counts_another_worker_computed(registry, no_full_builds):
    """Workers that reached a version by different updates agree on the positions' token, so
    counts one of them cached (shared through Redis) page from the other's index."""
    base = current_index()
    first = some(kind="mou")
    first.kind = "agreement"
    first.save()
    second = some(kind="mou")
    second.kind = "agreement"
    second.save()
    one_by_one = base.updated({first.pk}).updated({second.pk})
    at_once = base.updated({first.pk, second.pk})
    assert one_by_one.generation != at_once.generation
    assert one_by_one.token == at_once.token == base.token  # nobody moved


def test_it_pages_from_sql_where_agreements_were_added_out_of_order(registry, no_full_builds):
    add_one()
    assert current_index().added == 1
    counts = facet_counts(valid({"region": ["KZ-75"]}))
    assert ids_in_listing_order(counts, 0, 5) is None  # the new one is among them
    assert ids_in_listing_order(facet_counts(valid({"region": ["RU-MOW"]})), 0, 5) is not None


def test_it_puts_added_agreements_in_order_once_they_have_waited(registry, monkeypatch):
    current_index()
    add_one()
    assert current_index().added == 1  # within REORDER_AFTER: the update is enough for now
    monkeypatch.setattr(indexbuilds, "REORDER_AFTER", 0)
    current_index()  # starts a full build in the background
    builds.wait()
    assert current_index().added == 0
    counts = facet_counts(valid({"region": ["KZ-75"]}))
    assert ids_in_listing_order(counts, 0, 5) is not None  # in order again: paged from the index


def test_it_builds_in_full_for_reference_data(registry):
    current_index()
    before = builds.built
    Region.objects.filter(code="KZ-75").update(name_ru="Алматы (город)")
    assert indexchanges.changes_since(version_number(before.version), version_number(data_version())) is None
    builds.background = False  # the background path has its own tests (test_caching.py)
    try:
        counts = facet_counts(valid({"region": ["KZ-75"]}))
    finally:
        builds.background = True
    assert {o.value: o.label for o in counts.facets["region"]}["KZ-75"] == "Алматы (город)"


def test_it_builds_in_full_for_a_partys_new_country(registry):
    current_index()
    before = version_number(builds.built.version)
    Party.objects.filter(country_id="RU").update(country_id="KZ")
    assert indexchanges.changes_since(before, version_number(data_version())) is None
    Party.objects.filter(country_id="KZ").update(name="Переименована")  # the name is not indexed
    after = version_number(data_version())
    assert indexchanges.changes_since(after - 1, after) == set()


def test_it_builds_in_full_after_a_bulk_statement(registry):
    current_index()
    before = version_number(builds.built.version)
    Agreement.objects.update(status="signed")
    changed = indexchanges.changes_since(before, version_number(data_version()))
    assert changed == set(Agreement.objects.values_list("pk", flat=True))  # 41 rows: under the bulk limit
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indexchanges, "MOST_CHANGED", 10)
        assert indexchanges.changes_since(before, version_number(data_version())) is None


def test_it_builds_in_full_past_a_pruned_stretch_of_the_log(registry, monkeypatch):
    current_index()
    before = version_number(builds.built.version)
    edit_kind()
    monkeypatch.setattr(indexchanges, "KEPT_VERSIONS", 0)
    now = version_number(data_version())
    indexchanges.prune(now)
    assert indexchanges.changes_since(before, now) is None  # the marker at the cut
    assert indexchanges.changes_since(now, now) == set()


def test_it_shows_an_edit_at_the_next_request(registry, client):
    url = "/agreements/?region=KZ-75"
    first = client.get(url)
    total = first.context["page"].paginator.count
    make_agreement(regions=["KZ-75"])
    response = client.get(url)
    assert response.context["page"].paginator.count == total + 1
    assert response["ETag"] != first["ETag"]


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (SQLite has one writer)"
)


@postgresql_only
def test_it_misses_no_commit_of_a_transaction_that_wrote_first_and_committed_last(registry, no_full_builds):
    """The issue's case: a long import took its ids first and committed after a quick edit."""
    total = facet_counts(valid({})).total
    started, release, errors = threading.Event(), threading.Event(), []
    long = threading.Thread(target=write_in_thread, args=(started, release, "Долгий импорт", errors))
    long.start()
    assert started.wait(10)
    quick = threading.Thread(target=lambda: (make_agreement(regions=["KZ-79"]), connections.close_all()))
    quick.start()
    quick.join(60)
    assert facet_counts(valid({})).total == total + 1  # the quick one, updated
    release.set()
    long.join(60)
    assert not errors
    assert facet_counts(valid({})).total == total + 2  # and the long one, committed after it
    assert_as_a_full_build_and_sql()


@postgresql_only
def test_it_stamps_a_transactions_log_rows_at_its_commit(registry):
    # This transaction's rows only: a statement on reference data that changed no row leaves a row
    # no commit stamps (harmless: no version names it).
    pending = "SELECT count(*) FROM agreements_indexchange WHERE version IS NULL AND txid = %s"
    with transaction.atomic():
        make_agreement(regions=["KZ-75"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT txid_current()")
            txid = cursor.fetchone()[0]
            cursor.execute(pending, [txid])
            assert cursor.fetchone()[0] > 0  # waiting for the commit's version
    with connection.cursor() as cursor:
        cursor.execute(pending, [txid])
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM agreements_indexchange WHERE txid = %s", [txid])
        assert cursor.fetchone()[0] > 0  # stamped, not gone


def test_it_updates_without_building_when_nothing_indexed_changed(registry, no_full_builds):
    index = current_index()
    Party.objects.filter(pk=Party.objects.first().pk).update(name="Новое название")
    assert current_index() is index  # a new version, the same index


@postgresql_only
def test_it_builds_the_same_index_with_its_queries_side_by_side(registry, monkeypatch):
    from agreements import backend

    own_connections = []
    fetch = backend._on_own_connection
    spied = lambda *args: own_connections.append(1) or fetch(*args)  # noqa: E731
    monkeypatch.setattr(backend, "_on_own_connection", spied)
    side_by_side = FacetIndex()  # outside a transaction: the grouped queries on connections of their own
    assert len(own_connections) == 5
    with transaction.atomic():  # inside one, which other connections would not see: all on this one
        here = FacetIndex()
    assert len(own_connections) == 5
    assert side_by_side.pks == here.pks and side_by_side.undated == here.undated
    assert side_by_side.bits == here.bits and side_by_side.bits["party_country"]


def test_it_maps_ids_to_positions_leaving_out_those_without_one():
    from agreements.public.facetindex.index import Positions

    positions = Positions([7, 3, 5])  # positions 0, 1, 2
    assert list(positions.bits_of([5, 4, 7, 99])) == [0, 2]  # 4 unpublished, 99 added since
    assert list(positions.bits_of([3])) == [1]
    assert list(positions.bits_of([])) == []
    assert positions.get(4) is None and positions[7] == 0
