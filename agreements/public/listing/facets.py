"""Facet counts beside every filter option, each computed under all the *other* active filters.

Counting in SQL took six GROUP BYs over 100,000+ link rows for every new filter: 0.6–2.2 s at
100,000 agreements however the queries were shaped (bench/RESULTS.md). Instead, every published
agreement gets a bit position, and every facet value a bitmap of the agreements that have it
(facetindex/index.py). A filter is AND/OR on those bitmaps and a count is the size of an intersection:
every facet of a page in a few milliseconds. When the data version changes
(any committed write) the index is updated from the changed agreements, or rebuilt in the
background while requests are answered from the previous one (facetindex/builds.py). Filters it does
not hold (party, dates, search) run in SQL, once per page, and become one more bitset; a search
brings its matches' ranks along, for the first pages in relevance order.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from agreements.models import Name, Region, localized
from agreements.public.facetindex.builds import IndexBuilds
from agreements.public.facetindex.index import FACETS, INDEXED, Bits, FacetIndex
from agreements.public.facetindex.matches import Matches
from agreements.public.filters import AgreementFilter
from agreements.public.listing.residuals import Residuals, word_indexes

RANKED_HEAD = 1000  # search matches kept in relevance order: 20 pages of 50
# Deeper pages by relevance are taken from the kept matches' ranks too, down to this many ids (page
# 2,000 of 50); below, in SQL. A common word at 1,000,000 agreements: pages 21–1,275 took 405–478 ms
# from SQL, 70–76 ms from the ranks (bench/deep_search.py, bench/RESULTS.md #17).
DEEPEST_RANKED = 100_000
HEAD_RUN = 4096  # ids looked up at a time while the head is filled


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool = False
    children: list = field(default_factory=list)


builds = IndexBuilds(FacetIndex)
residuals = Residuals()


def current_index() -> FacetIndex:
    """This process's index: the current data version's, or the previous one while that is built
    in the background (facetindex/builds.py)."""
    return builds.current()


def set_bits(bits: Bits, start: int, stop: int) -> list[int]:
    """Positions of the set bits numbered ``start`` to ``stop - 1``, lowest first."""
    return list(bits[start:stop])


def ids_in_listing_order(counts: "FacetCounts", start: int, stop: int) -> list[int] | None:
    """The matching ids numbered ``start`` to ``stop - 1`` in the default order, or None when this
    process's index is not the build the counts came from (its positions may differ), or when some
    of them were added since the full build, after the agreements in order (facetindex/index.py)."""
    built = builds.built  # read once: a build or forget_index() may replace it meanwhile
    index = built.index if built else None
    if index is None or index.token != counts.token or not index.in_order(counts.matching):
        return None
    return [index.pks[position] for position in set_bits(counts.matching, start, stop)]


def forget_index() -> None:
    """Drop the index and the kept SQL matches (tests; a restore, which replaces the database)."""
    builds.forget()
    residuals.forget()
    word_indexes.forget()


def label(index: FacetIndex, name: str, value: str) -> str:
    names = index.labels[name].get(value)
    if not names:
        return value
    found = localized(*names)  # under /kk/ a models.Name, which knows its language
    return found if isinstance(found, Name) else str(found)


def options(index: FacetIndex, name: str, base: Bits, selected: set, values=None) -> list[Option]:
    """The values that have agreements under ``base``, and the selected ones even at 0: a filter that
    finds nothing still shows what is chosen, to be unchosen where it was chosen."""
    found = []
    for value, bits in index.bits[name].items():
        if values is not None and value not in values:
            continue
        count = base.intersection_cardinality(bits)
        if count or value in selected:
            found.append(Option(value, label(index, name, value), count, value in selected))
    # A chosen value no published agreement has (a region nobody signed in yet) is in no bitset.
    known = index.bits[name]
    unseen = sorted(value for value in selected if value not in known and (values is None or value in values))
    found += [Option(value, label(index, name, value), 0, True) for value in unseen]
    return found


def sector_options(index: FacetIndex, base: Bits, selected: set) -> list[Option]:
    """Sections, each with its divisions nested; an agreement counts once per section."""
    sections = {code for code in index.labels["sector"] if code not in index.section_of}
    tops = {o.value: o for o in options(index, "sector", base, selected, sections)}
    for child in sorted(
        options(index, "sector", base, selected, index.section_of.keys()), key=lambda o: o.value
    ):
        section = index.section_of[child.value]
        if section not in tops:  # a selected division at 0, under a section with none either
            tops[section] = Option(section, label(index, "sector", section), 0, section in selected)
        tops[section].children.append(child)
    return sorted(tops.values(), key=lambda o: (-o.count, o.value))


def by_count(found: list[Option], key: str) -> list[Option]:
    return sorted(found, key=lambda o: (-o.count, getattr(o, key)))


def residual(index: FacetIndex, filterset: AgreementFilter, active: dict) -> tuple[Bits, Matches | None]:
    """The filters the index does not hold (party, dates, search), as one bitmap; with a search,
    the matches by rank too, read in the same query or from the word index (listing/residuals.py
    keeps them per parameters): ranking the matches again for the page's ORDER BY took as long as
    finding them (bench/RESULTS.md)."""
    others = [name for name in active if name not in INDEXED and name != "sort"]
    if not others:
        return index.everything, None
    matches = residuals.matches(filterset, others)
    return index.of_ids(matches.ids.to_array()), (matches if "q" in others else None)


def ranked_head(index: FacetIndex, matches: Matches, bits: Bits) -> list[int]:
    """The first RANKED_HEAD ids among ``bits`` by relevance."""
    return ranked_slice(index, matches, bits, 0, RANKED_HEAD)


def ranked_slice(index: FacetIndex, matches: Matches, bits: Bits, start: int, stop: int) -> list[int]:
    """The ids among ``bits`` numbered ``start`` to ``stop - 1`` by relevance, in the listing's order
    (rank, then id): rank by rank, a run of ids at a time, until there are enough."""
    found = []
    for ids in matches.in_relevance_order():
        for at in range(0, len(ids), HEAD_RUN):
            found += index.position.among(ids[at : at + HEAD_RUN].to_array(), bits)
            if len(found) >= stop:
                return found[start:stop]
    return found[start:stop]


def ids_by_relevance(filterset: AgreementFilter, counts: "FacetCounts", start: int, stop: int) -> list | None:
    """A search's matching ids numbered ``start`` to ``stop - 1`` by relevance, past the ranked head
    the counts hold: from the search's kept matches (listing/residuals.py) among the counts' bitset.
    None when this process's index is not the build the counts came from, or the page is deeper
    than DEEPEST_RANKED."""
    built = builds.built  # read once: a build or forget_index() may replace it meanwhile
    index = built.index if built else None
    if stop > DEEPEST_RANKED or index is None or index.token != counts.token:
        return None
    _bits, searched = residual(index, filterset, filterset.active_params())
    if searched is None:
        return None
    return ranked_slice(index, searched, counts.matching, start, stop)


class FacetCounts(NamedTuple):
    total: int
    facets: dict[str, list[Option]]
    # With a search: the first matching ids by relevance, so that its first pages need no second
    # ranking in SQL (views.page_items); None without one.
    ranked: list[int] | None
    # The matching agreements as a bitmap over the index's positions, and which build it was.
    matching: Bits
    token: str
    # Per facet: how many of the agreements it counts over have any value of it, and of how many.
    coverage: dict[str, tuple[int, int]] | None = None


def facet_counts(filterset: AgreementFilter) -> FacetCounts:
    """The number of matching agreements, and every facet counted under the other filters."""
    index = current_index()
    active = filterset.active_params()
    chosen = {name: index.matching(name, active[name]) for name in INDEXED if name in active}
    base, searched = residual(index, filterset, active)

    def without(skipped: str | None) -> Bits:
        bits = base
        for name, matching in chosen.items():
            if name != skipped:
                bits &= matching
        return bits

    facets, coverage = {}, {}
    for name in FACETS:
        selected = set(active.get(name, []))
        counted_over = without(name)
        coverage[name] = (counted_over.intersection_cardinality(index.having[name]), len(counted_over))
        if name == "sector":
            facets[name] = sector_options(index, without(name), selected)
        else:
            found = options(index, name, without(name), selected)
            facets[name] = by_count(found, "label" if name in ("kind", "status", "forum") else "value")
    matching = without(None)
    ranked = ranked_head(index, searched, matching) if searched is not None else None
    return FacetCounts(len(matching), facets, ranked, matching, index.token, coverage)


def region_names(counts: FacetCounts) -> dict[str, str]:
    """Every region's name (code → localized name), those no agreement names included: from the index
    the counts came from when this process holds it (no query), else from the Region table."""
    built = builds.built
    if built is not None and built.index.token == counts.token:
        return {code: str(localized(*names)) for code, names in built.index.labels["region"].items()}
    return {
        code: str(localized(name_ru, name_en, name_kk))
        for code, name_ru, name_en, name_kk in Region.objects.values_list(
            "code", "name_ru", "name_en", "name_kk"
        )
    }
