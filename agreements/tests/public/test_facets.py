"""The in-memory facet index counts exactly what the FilterSet's SQL returns."""

import pytest
from django.core.management import call_command

from agreements.models import Agreement, Party
from agreements.public.facetindex.index import bitset
from agreements.public.filters import public_filterset
from agreements.public.listing.facets import (
    current_index,
    facet_counts,
    forget_index,
    ids_in_listing_order,
    set_bits,
)
from agreements.tests.factories import make_agreement, make_party

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("generate_demo_data", agreements=150, seed=3, no_progress=True, verbosity=0)


def sql_count(params: dict) -> int:
    return valid(params).qs.count()


def valid(params):
    filterset = public_filterset(params)
    assert filterset.is_valid(), filterset.errors
    return filterset


def filter_combinations() -> list[dict]:
    party = Party.objects.filter(agreement_links__agreement__is_published=True).first()
    signed = Agreement.objects.public().exclude(signed_on=None).order_by("signed_on")[20].signed_on
    return [
        {},
        {"region": ["KZ-75", "RU-MOW"]},
        {"sector": ["C"]},
        {"sector": ["C", "46"], "country": ["RU"]},
        {"country": ["KZ"], "kind": ["mou", "agreement"], "status": ["signed"]},
        {"q": "удобрений"},
        {"party_country": ["RU"], "region": ["KZ-75"]},
        {"party": [party.slug], "signed_from": signed.isoformat()},
        {
            "signed_to": signed.isoformat(),
            "sector": ["C"],
            "forum": [Agreement.objects.exclude(forum=None).first().forum.slug],
        },
    ]


def test_it_counts_every_option_as_the_sql_filter_would(demo):
    for params in filter_combinations():
        filterset = valid(params)
        counts = facet_counts(filterset)
        total, facets = counts.total, counts.facets
        assert total == filterset.qs.count(), params
        for name, options in facets.items():
            for option in options:
                for item in [option, *option.children]:
                    assert item.count == sql_count({**params, name: [item.value]}), (params, name, item.value)


def test_it_lists_every_value_that_has_agreements(demo):
    """No option is missing: the options' counts add up to the agreements that have that facet."""
    counts = facet_counts(valid({}))
    total, facets = counts.total, counts.facets
    kinds = sum(option.count for option in facets["kind"])
    assert kinds == total == Agreement.objects.public().count()
    regions = {option.value for option in facets["region"]}
    assert regions == set(
        Agreement.objects.public().filter(regions__isnull=False).values_list("regions__code", flat=True)
    )


def test_it_rebuilds_the_index_when_the_data_changes(db):
    parties = [make_party(), make_party(country="RU")]
    make_agreement(parties=parties, regions=["KZ-31"])
    first = current_index()
    assert facet_counts(valid({"region": ["KZ-31"]}))[0] == 1
    make_agreement(parties=parties, regions=["KZ-31"])
    assert current_index() is not first
    assert facet_counts(valid({"region": ["KZ-31"]}))[0] == 2


def test_it_ignores_drafts(db):
    parties = [make_party(), make_party(country="RU")]
    make_agreement(parties=parties, regions=["KZ-31"], published=False)
    make_agreement(parties=parties, regions=["KZ-31"])
    counts = facet_counts(valid({}))
    total, facets = counts.total, counts.facets
    assert total == 1
    assert [(o.value, o.count) for o in facets["region"]] == [("KZ-31", 1)]


def test_it_finds_nothing_for_a_search_of_punctuation_only(db):
    make_agreement(parties=[make_party(), make_party(country="RU")], regions=["KZ-31"])
    counts = facet_counts(valid({"q": "«»!"}))
    total, facets = counts.total, counts.facets
    assert total == 0
    assert all(options == [] for options in facets.values())


def test_it_pages_the_default_order_as_sql_does(demo):
    for params in filter_combinations():
        filterset = valid({**params, "sort": "-signed"})  # the default order, also for a search
        counts = facet_counts(filterset)
        expected = list(filterset.qs.values_list("pk", flat=True))
        assert ids_in_listing_order(counts, 0, len(expected) + 10) == expected, params
        assert ids_in_listing_order(counts, 3, 9) == expected[3:9], params
        assert ids_in_listing_order(counts, len(expected), len(expected) + 5) == [], params


def test_it_leaves_paging_to_sql_once_the_order_has_changed(demo):
    counts = facet_counts(valid({}))
    forget_index()
    current_index()  # rebuilt (as after the TTL) from unchanged data: the same positions
    assert ids_in_listing_order(counts, 0, 5) == ids_in_listing_order(facet_counts(valid({})), 0, 5)
    first = ids_in_listing_order(counts, 0, 1)[0]
    Agreement.objects.filter(pk=first).update(signed_on=None)  # a bulk change: no history row
    forget_index()
    current_index()  # another order: the cached counts' positions no longer hold
    assert ids_in_listing_order(counts, 0, 5) is None


def test_it_finds_the_nth_set_bits():
    bits = bitset([0, 5, 63, 64, 70, 200])
    assert set_bits(bits, 0, 10) == [0, 5, 63, 64, 70, 200]
    assert set_bits(bits, 2, 4) == [63, 64]
    assert set_bits(bits, 5, 6) == [200]
    assert set_bits(bits, 6, 9) == [] == set_bits(bitset([]), 0, 3)
