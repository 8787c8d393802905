"""One filter's results: its counts, sidebar, hints and page, behind the facet index and the caches.

The listing view asks a ``Listing`` and renders what it gets; the HTML feed, the JSON API and the
exports take the same FilterSet, so all of them list exactly the same agreements.
"""

from collections import defaultdict
from functools import cached_property

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.utils.translation import gettext as _

from agreements.models import Agreement, Party
from agreements.public import querystrings
from agreements.public.filters import DEFAULT_SORT, AgreementFilter
from agreements.public.listing import fragments
from agreements.public.listing.caching import cached
from agreements.public.listing.facets import FacetCounts, facet_counts, ids_by_relevance, ids_in_listing_order
from agreements.public.listing.hints import Hints, hints
from agreements.public.listing.items import listed, listed_in_order


class Listing:
    """A valid filter's results. Counts, sidebar, chip labels and hints are cached together per
    filter and data version ("listing"); the map and charts per filter too ("listing-overview")."""

    def __init__(self, filterset: AgreementFilter):
        self.filterset = filterset
        self.params = filterset.active_params()
        self.filters = {name: value for name, value in self.params.items() if name != "sort"}
        self.counts, self.sidebar, self.labels, self.hints = cached("listing", self.filters, self._facets)

    def _facets(self) -> tuple[FacetCounts, str, dict, Hints]:
        counts = facet_counts(self.filterset)
        sidebar = fragments.sidebar(counts, self.filters)
        return counts, sidebar, fragments.chip_labels(counts.facets), hints(self.filterset, counts.total)

    @property
    def total(self) -> int:
        return self.counts.total

    @cached_property
    def overview(self) -> str:
        """The map and charts; none for an empty result (its suggestions come first, not zeros)."""
        if not self.total:
            return ""
        return cached(
            "listing-overview", self.filters, lambda: fragments.listing_overview(self.counts, self.filters)
        )

    def page(self, raw_number: str, per_page: int):
        """The requested page with its agreements listed, and a message when the number was not
        one of its pages (a malformed or out-of-range number shows the first or the last)."""
        page, message = paginate(self.filterset.qs, raw_number, per_page, self.total)
        # The page holds the listed items, not its lazy query: a template's {% if page… %} would run
        # that query a second time.
        page.object_list = page_items(page, self.counts, self.filterset)
        return page, message

    def chips(self) -> list[dict]:
        """Every active filter value as a removable chip, labelled from the facets already counted."""
        labels = defaultdict(dict, self.labels)
        if self.params.get("party"):
            parties = Party.objects.public().filter(slug__in=self.params["party"])
            labels["party"] = {party.slug: party.display_name for party in parties}
        result = []
        for name, value in self.filters.items():
            title = str(self.filterset.filters[name].label)
            for item in value if isinstance(value, list) else [value]:
                label = labels.get(name, {}).get(item) or choice_label(name, item) or item
                url = querystrings.without(self.params, name, item)
                result.append({"param": name, "name": title, "label": label, "url": url})
        return result

    def relaxations(self, chips: list[dict]) -> list[dict]:
        """Each filter an empty result could drop, with its chips' labels and what dropping it finds."""
        return [
            {
                "title": relaxation.title,
                "removed": ", ".join(chip["label"] for chip in chips if chip["param"] == relaxation.name),
                "count": relaxation.count,
                "url": relaxation.query,
            }
            for relaxation in self.hints.without
        ]


def paginate(queryset, raw_number: str, per_page: int, count: int | None = None):
    """The requested page; a malformed or out-of-range page number gets a message, not an error."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # already known (cached with the facets): no COUNT query
    try:
        return paginator.page(raw_number), None
    except PageNotAnInteger:
        message = _("Номер страницы «%(page)s» не понят: показана первая страница.")
        return paginator.page(1), message % {"page": raw_number[:20]}
    except EmptyPage:
        message = _("Страницы %(page)s нет: показана последняя.")
        return paginator.page(paginator.num_pages), message % {"page": raw_number[:20]}


def page_items(page, counts: FacetCounts, filterset: AgreementFilter) -> list:
    """The page's agreements, in SQL's order. The default order and a search's relevance order
    come from what the facet counts hold (the bitset over the index's positions, the first matches
    by rank; deeper pages from the search's kept matches), so no query walks or ranks every match
    to reach the page; other orders, and pages those cannot serve, come from the page's own query."""
    start, stop = page.start_index() - 1, page.end_index()
    if start < 0:  # nothing matches
        return []
    ids, sort_key = None, filterset.sort_key
    if sort_key == "relevance" and counts.ranked is not None:
        if stop <= len(counts.ranked):
            ids = counts.ranked[start:stop]
        else:
            ids = ids_by_relevance(filterset, counts, start, stop)
    elif sort_key == DEFAULT_SORT:
        ids = ids_in_listing_order(counts, start, stop)
    return listed(page.object_list) if ids is None else listed_in_order(ids)


def choice_label(name: str, value: str) -> str | None:
    choices = {"kind": Agreement.Kind.choices, "status": Agreement.Status.choices}.get(name)
    return str(dict(choices).get(value, "")) if choices else None
