"""The public pages other than the listing: home, one agreement, a party, region, sector, forum or
source with the first page of its agreements, and the health check."""

from django.db import DatabaseError, connection
from django.db.models import Count, Prefetch, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from agreements.models import Agreement, AgreementParty, Forum, Party, Region, Sector, Source
from agreements.public import querystrings
from agreements.public.countries import agreement_countries
from agreements.public.filters import AgreementFilter, public_filterset
from agreements.public.listing import fragments
from agreements.public.listing.caching import cached, etag_from_data_version
from agreements.public.listing.facets import facet_counts
from agreements.public.listing.items import listed

DETAIL_PAGE_AGREEMENTS = 50


@never_cache
@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_safe
def agreement_detail(request, slug):
    queryset = (
        Agreement.objects.public()
        .select_related("forum", "source")
        .prefetch_related(
            Prefetch(
                "party_links",
                queryset=AgreementParty.objects.select_related(
                    "party__country", "party__home_region"
                ).order_by("order"),
            ),
            "regions__country",
            "sectors__parent",
            "countries",
        )
    )
    agreement = get_object_or_404(queryset, slug=slug)
    return render(
        request,
        "public/agreement_detail.html",
        {"agreement": agreement, "countries": agreement_countries(agreement)},
    )


def related_listing(param: str, value: str):
    """The first page of a filtered listing, for a party, region, sector or forum page."""
    filterset = AgreementFilter({param: [value]}, queryset=Agreement.objects.public())
    queryset = filterset.qs if filterset.is_valid() else Agreement.objects.none()
    agreements = listed(queryset[:DETAIL_PAGE_AGREEMENTS])
    return {
        "agreements": agreements,
        "total": queryset.count() if len(agreements) == DETAIL_PAGE_AGREEMENTS else len(agreements),
        "listing_url": reverse("agreement_list") + querystrings.encode({param: [value]}),
    }


@require_safe
def party_detail(request, slug):
    party = get_object_or_404(
        Party.objects.public().select_related("country", "home_region").prefetch_related("aliases"), slug=slug
    )
    return render(request, "public/party_detail.html", {"party": party, **related_listing("party", slug)})


@require_safe
def region_detail(request, code):
    # Reference data: every region has a page (the URL converter has already upper-cased the code).
    region = get_object_or_404(Region.objects.select_related("country"), code=code)
    return render(
        request, "public/region_detail.html", {"region": region, **related_listing("region", region.code)}
    )


@require_safe
def sector_detail(request, code):
    sector = get_object_or_404(Sector.objects.select_related("parent"), code=code)
    divisions = sector.divisions.all() if sector.is_section else []
    return render(
        request,
        "public/sector_detail.html",
        {"sector": sector, "divisions": divisions, **related_listing("sector", sector.code)},
    )


@require_safe
def forum_detail(request, slug):
    forum = get_object_or_404(Forum.objects.public(), slug=slug)
    figures = forum.figures.select_related("source")
    listing = related_listing("forum", slug)
    return render(
        request,
        "public/forum_detail.html",
        {
            "forum": forum,
            "figures": figures,
            "recorded": Agreement.objects.public().filter(forum=forum).count(),
            "announced": forum.announced_documents(),
            **listing,
        },
    )


@require_safe
def source_detail(request, slug):
    source = get_object_or_404(Source.objects.public(), slug=slug)
    recorded = Agreement.objects.public().filter(source=source).count()
    return render(request, "public/source_detail.html", {"source": source, "recorded": recorded})


def home_counts():
    everything = public_filterset({})
    everything.is_valid()
    counts = facet_counts(everything)
    totals = {
        "agreements": counts.total,
        "parties": Party.objects.public().count(),
        "forums": Forum.objects.public().count(),
    }
    return counts.facets["region"], counts.facets["sector"], totals


@require_safe
@etag_from_data_version
def home(request):
    public = Agreement.objects.public()
    regions, sectors, totals = cached("home", {}, home_counts)
    for option in regions:
        option.url = reverse("agreement_list") + querystrings.encode({"region": [option.value]})
    for option in sectors:
        option.url = reverse("agreement_list") + querystrings.encode({"sector": [option.value]})
    return render(
        request,
        "public/home.html",
        {
            "totals": totals,
            "latest_forum": Forum.objects.annotate(
                n=Count("agreements", filter=Q(agreements__is_published=True))
            )
            .filter(n__gt=0)
            .order_by("-start_date", "-created")
            .first(),
            "regions": regions[:12],
            "sectors": sectors[:12],
            "latest": listed(public.order_by("-created")[:5]),
            "overview": cached("home-overview", {}, fragments.home_overview),
        },
    )
