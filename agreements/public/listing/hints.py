"""What the listing tells a reader whose filter finds little or nothing.

For each active filter: how many agreements the *other* filters find, so an empty result can say
which filter to remove. And, with a date filter: how many agreements it leaves out because their
source names no date (no date range can find them). Both are counted on the facet index
(listing/facets.py) from the same FilterSet as the listing: the index's bitsets for the filters it holds,
the FilterSet's own queries for the others (search, party, dates) — one per such filter, run only
when nothing matches or a date filter is active, and cached with the page's facet counts.
"""

from dataclasses import dataclass, field

from agreements.public import querystrings
from agreements.public.facetindex.index import Bits
from agreements.public.filters import AgreementFilter
from agreements.public.listing.facets import INDEXED, FacetIndex, current_index

DATE_FILTERS = ("signed_from", "signed_to")


@dataclass
class Relaxation:
    """The listing without one filter: the filter's label, what would be found, the URL's query."""

    name: str
    title: str
    count: int
    query: str


@dataclass
class Hints:
    without: list[Relaxation] = field(default_factory=list)  # when nothing matches, most found first
    undated: int = 0  # agreements a date filter leaves out for having no date


def filter_bits(index: FacetIndex, filterset: AgreementFilter, name: str, values) -> Bits:
    """The agreements one active filter alone lets through, as a bitmap over the index."""
    if name in INDEXED:
        return index.matching(name, values)
    pks = filterset.queryset_only([name]).values_list("pk", flat=True)
    return index.of_ids(pks.iterator(chunk_size=10_000))


def hints(filterset: AgreementFilter, total: int) -> Hints:
    """The hints for a valid filterset whose listing found ``total`` agreements."""
    active = {name: value for name, value in filterset.active_params().items() if name != "sort"}
    dated = any(name in active for name in DATE_FILTERS)
    if total and not dated:
        return Hints()
    index = current_index()
    bits = {name: filter_bits(index, filterset, name, values) for name, values in active.items()}

    def all_but(*skipped: str) -> Bits:
        result = index.everything
        for name, matching in bits.items():
            if name not in skipped:
                result &= matching
        return result

    found = Hints()
    if dated:
        found.undated = all_but(*DATE_FILTERS).intersection_cardinality(index.undated)
    if not total:
        params = filterset.active_params()
        found.without = sorted(
            (
                Relaxation(
                    name=name,
                    title=str(filterset.filters[name].label),
                    count=len(all_but(name)),
                    query=querystrings.without(params, name),
                )
                for name in active
            ),
            key=lambda relaxation: -relaxation.count,
        )
    return found
