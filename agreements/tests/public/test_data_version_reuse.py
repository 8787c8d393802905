"""A worker reads the data version at most every DATA_VERSION_REUSE_MS for requests outside a
transaction (agreements/public/dataversion.py): one query per page was a round trip per request."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agreements.public import dataversion
from agreements.public.dataversion import data_version
from agreements.tests.factories import make_agreement


@pytest.fixture
def reused(transactional_db, settings, monkeypatch):
    call_command("load_reference_data", verbosity=0)  # an earlier transactional test may have flushed it
    settings.DATA_VERSION_REUSE_MS = 250
    clock = [1000.0]
    monkeypatch.setattr(dataversion.time, "monotonic", lambda: clock[0])
    return clock


def test_it_reads_the_version_once_while_it_is_reused(reused):
    with CaptureQueriesContext(connection) as captured:
        first = data_version()
        reused[0] += 0.2
        assert data_version() == first
    assert len(captured) == 1


def test_it_shows_a_commit_once_the_reuse_is_over(reused):
    before = data_version()
    make_agreement()
    assert data_version() == before  # within 250 ms
    reused[0] += 0.3
    assert data_version() != before


def test_it_never_reuses_inside_a_transaction(reused):
    before = data_version()
    with transaction.atomic():
        make_agreement()
        assert data_version() != before  # read again: its own writes, which no other connection sees
    assert data_version() == before  # outside again, still reused: the commit shows 250 ms later


def test_it_reads_each_time_when_turned_off(reused, settings):
    settings.DATA_VERSION_REUSE_MS = 0
    before = data_version()
    make_agreement()
    assert data_version() != before
