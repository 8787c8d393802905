"""A gunicorn worker builds its index and renders the first pages before its first request."""

import logging

import pytest

from agreements.public import warmup
from agreements.public.listing.facets import builds


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.INFO)
    return logging.getLogger("test.warmup")


@pytest.mark.django_db
def test_it_builds_the_index_and_renders_the_first_pages(seeded, log, caplog, settings):
    settings.ALLOWED_HOSTS = [".example.org", "registry.example.org"]
    warmup.warm_up(log)
    assert builds.built is not None and builds.built.index.size == 12
    assert caplog.messages == []  # every page answered 200


@pytest.mark.parametrize(
    ("hosts", "expected"),
    [([".example.org"], "example.org"), (["*"], "localhost"), (["*.example.org", "a.org"], "a.org")],
)
def test_it_picks_a_host_the_site_answers(settings, hosts, expected):
    settings.ALLOWED_HOSTS = hosts
    assert warmup.allowed_host() == expected


@pytest.mark.django_db
def test_it_only_logs_when_a_page_fails(log, caplog, monkeypatch, settings):
    monkeypatch.setattr(warmup, "PAGES", ("/no-such-page/",))
    warmup.warm_up(log)
    assert any("404" in message for message in caplog.messages)
