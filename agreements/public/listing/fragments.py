"""The listing's rendered fragments — the facet sidebar, each facet group, the map and charts —
kept by their content (caching.cached_by_content): after an edit that left a filter's counts alone,
nothing is rendered again; after one that changed a kind, only the kinds are.

Rendering ~300 facet links took longer than counting them, which is why they are kept at all.
"""

from collections import defaultdict

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from agreements.public import charts, querystrings
from agreements.public.filters import AgreementFilter, public_filterset
from agreements.public.listing.caching import cached_by_content
from agreements.public.listing.facets import FacetCounts, facet_counts, region_names


def sidebar(counts: FacetCounts, filters: dict) -> str:
    """The whole facet sidebar, from each facet's group."""

    def render() -> str:
        groups = {name: facet_group(name, counts, filters) for name in counts.facets}
        return jinja_fragment("public/_facets.html", {"groups": groups, "language": get_language()})

    return cached_by_content(
        "facet-sidebar", [filters, facets_content(counts.facets), counts.coverage], render
    )


def facet_group(name: str, counts: FacetCounts, filters: dict) -> str:
    options = counts.facets[name]

    def render() -> str:
        list_url = reverse("agreement_list")
        for option in options:
            attach_urls(option, name, filters, list_url)
        context = {
            "facet": name,
            "title": AgreementFilter.FACETS[name],
            "options": options,
            "coverage": counts.coverage[name],
        }
        return jinja_fragment("public/_facet_group.html", context)

    content = [name, filters, facets_content({name: options}), counts.coverage[name]]
    return cached_by_content("facet-group", content, render)


def listing_overview(counts: FacetCounts, filters: dict) -> str:
    """The map and two charts of the filtered set, drawn from the facet counts: no query of its own."""
    names = region_names(counts)

    def render() -> str:
        data = charts.listing_overview(counts.facets, names, filters, reverse("agreement_list"))
        return render_to_string("public/_listing_overview.html", data)

    # Only the facets it draws: an edit of an agreement's kind leaves the map and charts as they were.
    shown = {name: counts.facets[name] for name in ("region", *charts.LISTING_CHARTS)}
    return cached_by_content("listing-overview", [filters, facets_content(shown), names], render)


def home_overview() -> str:
    """The whole registry's map and charts (the home page caches it per data version)."""
    everything = public_filterset({})
    everything.is_valid()
    counts = facet_counts(everything)
    data = charts.home_overview(counts.facets, region_names(counts), reverse("agreement_list"))
    return render_to_string("public/_home_overview.html", data)


def chip_labels(facets: dict) -> dict:
    """Human labels of every facet option, for the chips of the active filters."""
    labels = defaultdict(dict)
    for name, options in facets.items():
        for option in options:
            for item in [option, *option.children]:
                labels[name][item.value] = (
                    item.label if name in ("kind", "status") else f"{item.value} · {item.label}"
                )
    return dict(labels)


def attach_urls(option, name: str, params: dict, list_url: str) -> None:
    option.url = list_url + querystrings.toggled(params, name, option.value)
    for child in option.children:
        attach_urls(child, name, params, list_url)


def jinja_fragment(name: str, context: dict) -> str:
    # Jinja2 escaped what it rendered (autoescape); Django's backend returns it as a plain str.
    return mark_safe(render_to_string(name, context, using="jinja2"))  # noqa: S308


def facets_content(facets: dict) -> list:
    """What a rendering of the facets shows: each option's value, label, count and whether chosen
    (its link follows from the value and the filters)."""
    return [
        [name, [[o.value, str(o.label), o.count, o.selected, facets_content({"": o.children})] for o in opts]]
        for name, opts in facets.items()
    ]
