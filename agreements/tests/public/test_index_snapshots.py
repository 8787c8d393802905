"""One full build per host (agreements/public/facetindex/snapshots.py): a worker loads the index
another built,
brings it to the current version from the change log, and builds itself only when it cannot."""

import os
import pickle
import threading
import time

import pytest
from django.core.management import call_command

from agreements.models import Region
from agreements.public.facetindex import snapshots as indexsnapshots
from agreements.public.filters import public_filterset
from agreements.public.listing.facets import builds, current_index, facet_counts
from agreements.tests.factories import make_agreement


@pytest.fixture
def shared(transactional_db, settings, tmp_path):
    call_command("load_reference_data", verbosity=0)
    make_agreement(regions=["KZ-75"])
    settings.FACET_INDEX_SNAPSHOTS = str(tmp_path / "snapshots")


def another_worker():
    """As a worker starting: no index of its own yet."""
    builds.built = None


def total(params=None) -> int:
    filterset = public_filterset(params or {})
    assert filterset.is_valid()
    return facet_counts(filterset).total


def test_it_writes_a_snapshot_after_a_full_build(shared):
    current_index()
    assert indexsnapshots.snapshot_path().exists()
    version, index = indexsnapshots.load()
    assert version == builds.built.version and index.size == 1


def test_it_loads_the_snapshot_instead_of_building(shared, monkeypatch):
    current_index()
    another_worker()
    monkeypatch.setattr(builds, "build", lambda: pytest.fail("built although a snapshot was there"))
    assert total() == 1


def test_it_brings_the_snapshot_to_the_current_version(shared, monkeypatch):
    current_index()
    make_agreement(regions=["KZ-79"])
    another_worker()
    monkeypatch.setattr(builds, "build", lambda: pytest.fail("built although the log covers it"))
    assert total() == 2
    assert total({"region": ["KZ-79"]}) == 1


def test_it_builds_when_the_log_does_not_cover_the_snapshot(shared):
    current_index()
    Region.objects.filter(code="KZ-75").update(name_ru="Алматы (город)")
    another_worker()
    filterset = public_filterset({})
    assert filterset.is_valid()
    labels = {o.value: o.label for o in facet_counts(filterset).facets["region"]}
    assert labels["KZ-75"] == "Алматы (город)"  # built anew: the snapshot had the old name


def test_it_builds_when_the_snapshot_is_unreadable(shared):
    current_index()
    indexsnapshots.snapshot_path().write_bytes(b"not a pickle")
    another_worker()
    assert total() == 1
    assert indexsnapshots.load() is not None  # and wrote a good one


def test_it_builds_without_snapshots_when_they_are_off(shared, settings):
    settings.FACET_INDEX_SNAPSHOTS = ""
    assert indexsnapshots.snapshot_path() is None
    assert total() == 1


def test_it_removes_the_snapshot_when_told(shared):
    current_index()
    builds.discard_snapshot()
    assert not indexsnapshots.snapshot_path().exists()


class Unloadable:
    """Pickles, but fails to load as a snapshot of other code might (a TypeError, not a pickle error)."""

    def __reduce__(self):
        return (int, (None,))  # int(None): a TypeError


def test_it_builds_when_the_snapshot_fails_to_load_in_any_way(shared):
    current_index()
    indexsnapshots.snapshot_path().write_bytes(pickle.dumps(Unloadable()))
    another_worker()
    assert total() == 1
    assert indexsnapshots.load() is not None


def test_it_removes_files_a_killed_worker_left_half_written(shared):
    current_index()
    directory = indexsnapshots.snapshot_path().parent
    abandoned, recent = directory / ".facet-index-abandoned", directory / ".facet-index-being-written"
    abandoned.write_bytes(b"half")
    recent.write_bytes(b"half")
    old = time.time() - indexsnapshots.ABANDONED_AFTER - 1
    os.utime(abandoned, (old, old))
    another_worker()
    Region.objects.filter(code="KZ-75").update(name_ru="Алматы (город)")  # only a full build covers it
    assert total() == 1
    assert not abandoned.exists()
    assert recent.exists()  # perhaps another database's worker writing its own


def test_it_removes_the_snapshot_only_after_the_build_under_way(shared):
    current_index()
    path = indexsnapshots.snapshot_path()
    removed = threading.Event()

    def discard():
        indexsnapshots.discard()
        removed.set()

    with indexsnapshots.build_lock():
        thread = threading.Thread(target=discard)
        thread.start()
        assert not removed.wait(0.3)  # a build of the replaced database could still write it
        assert path.exists()
    thread.join(10)
    assert removed.is_set() and not path.exists()
