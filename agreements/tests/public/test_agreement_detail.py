"""The agreement page (views.agreement_detail): countries of implementation as the facet counts them,
derived ones marked; the amount in words."""

from decimal import Decimal

import pytest
from django.urls import reverse

from agreements.models import Agreement
from agreements.public.countries import agreement_countries, implementation_countries
from agreements.public.filters import public_filterset
from agreements.public.listing.facets import facet_counts
from agreements.tests.factories import make_agreement

EUROCHEM = "xiii-01-eurochem-karatau-fertilisers"  # region KZ-31, no country named
INTERSKOL = "xiii-09-edb-interskol-power-tools"  # RU, KZ, BY named, no region


def detail(client, slug):
    response = client.get(reverse("agreement_detail", args=[slug]))
    assert response.status_code == 200
    return response


def countries_row(response) -> str:
    body = response.content.decode()
    start = body.index("Страны реализации</dt>")
    return body[start : body.index("</dd>", start)]


@pytest.mark.django_db
def test_it_shows_a_country_derived_from_the_regions_as_derived(client, seeded):
    row = countries_row(detail(client, EUROCHEM))
    assert "Казахстан</a> <span" in row and "(по регионам)" in row and "?country=KZ" in row


@pytest.mark.django_db
def test_it_shows_named_countries_without_the_mark(client, seeded):
    row = countries_row(detail(client, INTERSKOL))
    assert all(name in row for name in ("Беларусь", "Казахстан", "Россия")) and "по регионам" not in row


@pytest.mark.django_db
def test_it_lists_a_country_both_named_and_of_a_region_once_as_named(client, db):
    agreement = make_agreement(slug="both", regions=["KZ-31", "KZ-11", "RU-MOS"], countries=["KZ"])
    shown = [(item.country.code, item.derived) for item in agreement_countries(agreement)]
    assert shown == [("KZ", False), ("RU", True)]
    row = countries_row(detail(client, "both"))
    assert row.count("Казахстан") == 1 and row.count("(по регионам)") == 1


def test_it_defines_countries_of_implementation_once():
    found = implementation_countries(["BY", "KZ", "BY"], ["KZ", "RU", "RU"])
    assert [(c.code, c.derived) for c in found] == [("BY", False), ("KZ", False), ("RU", True)]


@pytest.mark.django_db
def test_it_agrees_with_the_country_facet_and_the_filtered_listing(client, seeded):
    everything = public_filterset({})
    everything.is_valid()
    facet = {option.value: option.count for option in facet_counts(everything).facets["country"]}
    on_pages = {}
    for agreement in Agreement.objects.public().prefetch_related("regions__country", "countries"):
        for item in agreement_countries(agreement):
            on_pages[item.country.code] = on_pages.get(item.country.code, 0) + 1
    assert facet == on_pages and facet["KZ"] == 8
    for code, number in facet.items():
        listing = client.get(reverse("agreement_list"), {"country": code})
        assert listing.context["page"].paginator.count == number, code


@pytest.mark.django_db
def test_it_reads_the_countries_from_what_the_page_prefetches(client, seeded, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        detail(client, EUROCHEM)


@pytest.mark.django_db
def test_it_writes_the_amount_in_words(client, db):
    make_agreement(slug="priced", amount=Decimal("1750000000"), currency="KZT")
    body = detail(client, "priced").content.decode().replace("\u00a0", " ")
    assert '<data value="1750000000">1,75 млрд казахских тенге</data>' in body
    english = client.get("/en/agreements/priced/").content.decode().replace("\u00a0", " ")
    assert "KZT 1.75 billion" in english
