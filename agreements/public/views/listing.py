"""The listing: parse the filter, ask its results, render them."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from agreements.public import querystrings
from agreements.public.filters import SORT_LABELS, AgreementFilter, public_filterset
from agreements.public.listing.caching import etag_from_data_version
from agreements.public.listing.pagecache import lookup as cached_page_lookup
from agreements.public.listing.results import Listing


@require_safe
@etag_from_data_version
def agreement_list(request):
    # The page shows nothing personal (no login state, no POST form), so readers asking for the same
    # URL share one rendering until the data changes; pages are cached apart from the counts. A
    # cached page is answered before its parameters are parsed again (a fifth of a cached answer).
    page = cached_page_lookup("listing-page", {"url": request.get_full_path()})
    if page.page is not None:
        return HttpResponse(page.page)
    if page.answers_previous():
        # Nor while its new rendering is made: after each edit, parsing was a fifth of the workers'
        # time (bench/RESULTS.md, #17). The rendering parses them, and drops the previous page of
        # a URL that no longer stands (a region removed since), to be answered with a 400 next.
        return HttpResponse(page.rendered(lambda: render_if_valid(request)))
    filterset = public_filterset(request.GET)
    if not filterset.is_valid():
        context = {"filterset": filterset, "errors": filterset.errors, "params": {}, "page": None}
        context["canonical"] = querystrings.query_dict({})
        return render(request, "public/agreement_list.html", context, status=400)
    return HttpResponse(page.rendered(lambda: render_listing(request, filterset)))


def render_if_valid(request) -> str | None:
    filterset = public_filterset(request.GET)
    return render_listing(request, filterset) if filterset.is_valid() else None


def render_listing(request, filterset: AgreementFilter) -> str:
    listing = Listing(filterset)
    params = listing.params
    page, page_message = listing.page(request.GET.get("page", "1"), settings.AGREEMENTS_PER_PAGE)
    chips = listing.chips()
    context = {
        "filterset": filterset,
        "params": params,
        "page": page,
        "agreements": page.object_list,
        "page_message": page_message,
        "facets": listing.counts.facets,
        "sidebar": listing.sidebar,
        "chips": chips,
        "hints": listing.hints,
        "relaxations": listing.relaxations(chips),
        "overview": listing.overview,
        "sort_key": filterset.sort_key,
        "sorts": [{"key": key, "label": label} for key, label in sort_choices(params)],
        "canonical": querystrings.query_dict(params),
        "page_links": querystrings.page_numbers(page),
    }
    return render_to_string("public/agreement_list.html", context, request=request)


def sort_choices(params: dict) -> list[tuple]:
    """Each order the reader can choose: relevance only with a search."""
    return [(key, label) for key, label in SORT_LABELS.items() if key != "relevance" or params.get("q")]
