"""The search, party and date filters' matches kept per parameters and brought up to date from the
change log (agreements/public/listing/residuals.py): after an edit the next page is right, and
only the changed
agreements are asked again."""

import pytest
from django.core.management import call_command

from agreements.models import Agreement, Region
from agreements.public.listing import residuals as residuals_module
from agreements.public.listing.facets import builds, residuals
from agreements.search import refresh_search_fields
from agreements.tests.factories import make_agreement

LIST = "/agreements/"


@pytest.fixture
def two(transactional_db):
    """Committed agreements (the log holds committed versions only), one about grain."""
    call_command("load_reference_data", verbosity=0)
    return make_agreement(title="Соглашение о поставках зерна"), make_agreement(title="Меморандум о туризме")


@pytest.fixture
def asked(monkeypatch):
    """The ``only`` of every SQL match: None for a full match, else the ids asked again."""
    calls = []
    original = residuals_module.query

    def spy(filterset, names, only=None):
        calls.append(None if only is None else set(only))
        return original(filterset, names, only)

    monkeypatch.setattr(residuals_module, "query", spy)
    return calls


def retitle(agreement: Agreement, title: str) -> None:
    agreement.title = title
    agreement.save()
    refresh_search_fields(Agreement.objects.filter(pk=agreement.pk))


def found(client, **params) -> int:
    return client.get(LIST, params).context["page"].paginator.count


def test_it_finds_an_edited_title_at_the_next_request(client, two, asked):
    grain, tourism = two
    assert found(client, q="зерно") == 1
    retitle(tourism, "Меморандум о поставках зерна")
    assert found(client, q="зерно") == 2
    retitle(grain, "Соглашение о поставках угля")
    assert found(client, q="зерно") == 1
    assert asked == [None, {tourism.pk}, {grain.pk}]  # matched once, then only what changed


def test_it_matches_in_full_after_a_change_the_log_cannot_cover(client, two, asked):
    assert found(client, q="зерно") == 1
    Region.objects.filter(code="KZ-75").update(name_ru="Алматы (город)")  # reference data
    client.get(LIST, {"q": "зерно"})  # answered as before while the index is built again
    builds.wait()
    assert found(client, q="зерно") == 1
    assert asked == [None, None]


def test_it_keeps_date_filters_up_to_date_too(client, two, asked):
    _grain, tourism = two
    assert found(client, signed_from="2025-01-01") == 0
    tourism.signed_on = "2025-03-01"
    tourism.save()
    assert found(client, signed_from="2025-01-01") == 1
    assert asked == [None, {tourism.pk}]


def test_it_holds_no_more_ids_than_its_bound(client, two, monkeypatch):
    monkeypatch.setattr(residuals, "most_ids", 1)
    found(client, q="зерно")
    found(client, q="туризм")
    assert len(residuals._entries) == 1  # the older parameters dropped to stay within the bound
