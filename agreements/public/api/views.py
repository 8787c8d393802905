"""Thin read-only views: the listing through the page's own filter, counts and fast path; detail
records of published data only. Every answer is JSON, errors included; every GET carries an ETag.

Language: /api/ is not under i18n_patterns (one URL per record, whatever the language): ``?lang=``
chooses it, else Accept-Language, else Russian.
"""

import hashlib
import re
import time

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DataError
from django.db.models import Count, Prefetch
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements.models import (
    Agreement,
    AgreementParty,
    Forum,
    ForumFigure,
    Party,
    Region,
    Sector,
    StatusChange,
)
from agreements.public.api import params
from agreements.public.api import serializers as out
from agreements.public.api.plumbing import JsonOnly
from agreements.public.filters import public_filterset
from agreements.public.listing.caching import TTL, cached, data_version, is_behind, tracking_behind
from agreements.public.listing.facets import current_index, facet_counts
from agreements.public.listing.results import page_items

SLUG_PATTERN = r"[-a-zA-Z0-9_]{1,150}"
REGION_PATTERN = r"[A-Za-z]{2}-[A-Za-z0-9]{1,3}"
SECTOR_PATTERN = r"[A-Ua-u]|[0-9]{2}"
SLUG, REGION_CODE, SECTOR_CODE = (re.compile(p) for p in (SLUG_PATTERN, REGION_PATTERN, SECTOR_PATTERN))


# --- Plumbing: JSON always, errors as JSON, the throttle ------------------------------------------


def not_found(request, exception=None):
    """handler404: any other /api/ address gets a JSON 404; the site's pages keep their own."""
    if not request.path.startswith("/api/"):
        return page_not_found(request, exception)
    return JsonResponse(
        {"detail": str(exceptions.NotFound.default_detail)},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


ERRORS = inline_serializer(
    "Errors",
    {
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Messages per query parameter (``query``: the query as a whole).",
        )
    },
)
DETAIL = inline_serializer("Detail", {"detail": serializers.CharField()})
COMMON_RESPONSES = {
    304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)."),
    400: OpenApiResponse(ERRORS, description="A parameter was not understood."),
    429: OpenApiResponse(DETAIL, description="Too many requests; see Retry-After."),
}
DETAIL_RESPONSES = {**COMMON_RESPONSES, 404: OpenApiResponse(DETAIL, description="No such public record.")}


def negotiated_language(request) -> str:
    raw = request.GET.getlist("lang")
    if raw:
        if len(raw) > 1 or raw[0] not in params.LANGUAGES:
            choices = ", ".join(params.LANGUAGES)
            raise exceptions.ValidationError(
                {"lang": [_("Язык: одно из %(choices)s.") % {"choices": choices}]}
            )
        return raw[0]
    header = request.headers.get("Accept-Language", "")
    for code, _quality in translation.trans_real.parse_accept_lang_header(header[:500]):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class ApiView(APIView):
    """GET answered with an ETag of the data version, the URL and the language; a repeat request
    with If-None-Match gets 304 without the work. Loads that bypass the audit trail (demo data)
    and reference data show within the cache TTL, which the ETag includes as well."""

    content_negotiation_class = JsonOnly

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # the throttle
        translation.activate(negotiated_language(request))

    def get(self, request, **kwargs):
        seed = "|".join(
            [
                data_version(),
                str(int(time.time() // TTL)),
                translation.get_language(),
                request.get_full_path(),
            ]
        )
        etag = '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'
        behind = False
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            response = Response(status=304)
        else:
            with tracking_behind():
                response = Response(self.data(request, **kwargs))
                behind = is_behind()
        if not behind:  # answered from a previous facet index: no ETag naming the newer version
            response["ETag"] = etag
        response["Cache-Control"] = "no-cache"  # stored, but revalidated: the ETag makes that cheap
        patch_vary_headers(response, ["Accept-Language"])
        return response

    def data(self, request, **kwargs):
        raise NotImplementedError

    def context(self):
        return {"request": self.request}


def page_links(request, number: int, pages: int) -> tuple[str | None, str | None]:
    def link(n):
        query = request.GET.copy()
        query["page"] = str(n)
        return request.build_absolute_uri(request.path + "?" + query.urlencode())

    return (link(number + 1) if number < pages else None, link(number - 1) if number > 1 else None)


def requested_page(request, default_size: int, errors: dict | None = None) -> tuple[int, int]:
    """The page number and size; their errors join ``errors`` (raised here when none is given)."""
    found = {}
    number = params.whole_number(request.GET, "page", 1, params.MAX_PAGE, found)
    size = params.whole_number(request.GET, "page_size", default_size, params.MAX_PAGE_SIZE, found)
    if errors is not None:
        errors.update(found)
    elif found:
        raise exceptions.ValidationError(found)
    return number, size


def page_of(rows, total: int, number: int, size: int) -> Paginator:
    """A paginator over ``rows`` whose total is already known; a page past the last one is a 400."""
    paginator = Paginator(rows, size)
    paginator.count = total
    if number > paginator.num_pages:
        raise exceptions.ValidationError(
            {
                "page": [
                    _("Страницы %(page)d нет: всего %(pages)d.")
                    % {"page": number, "pages": paginator.num_pages}
                ]
            }
        )
    return paginator


# --- Agreements -----------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        operation_id="agreements_list",
        parameters=[
            *params.filter_parameters(),
            *params.page_parameters(),
            params.facets_parameter(),
            params.lang_parameter(),
        ],
        responses={200: out.AgreementPageSerializer, **COMMON_RESPONSES},
        description="Published agreements: the filter, results and order of the listing page /agreements/.",
    )
)
class AgreementListView(ApiView):
    def data(self, request):
        errors = {}
        with_facets = params.wants_facets(request.GET, errors)
        filterset = public_filterset(request.GET)
        if not filterset.is_valid():
            errors.update({name: list(messages) for name, messages in filterset.errors.items()})
        number, size = requested_page(request, settings.AGREEMENTS_PER_PAGE, errors)
        if errors:
            raise exceptions.ValidationError(errors)
        # Whole answers are cached per URL (host and scheme included: the links are absolute) and
        # language under the data version, as the listing page is; errors are never cached.
        return cached(
            "api-listing",
            {"url": request.build_absolute_uri()},
            lambda: self.listing(request, filterset, number, size, with_facets),
            alias="pages",
        )

    def listing(self, request, filterset, number: int, size: int, with_facets: bool) -> dict:
        active = filterset.active_params()
        filters = {name: value for name, value in active.items() if name != "sort"}
        try:
            # The counts and the bitset of matches, from the page's facet index (cached apart from the
            # page's own entry, which also holds its rendered sidebar).
            counts = cached("api-counts", filters, lambda: facet_counts(filterset))
            paginator = page_of(filterset.qs, counts.total, number, size)
            # The default order and relevance come from the counts (the n-th set bits, the ranked head),
            # other orders from the page's own query: views.page_items, as the page does.
            items = page_items(paginator.page(number), counts, filterset.sort_key)
        except DataError:  # a search with a character the database refuses
            raise exceptions.ValidationError({"q": [_("Поиск содержит недопустимые символы.")]}) from None
        following, previous = page_links(request, number, paginator.num_pages)
        result = {
            "count": counts.total,
            "next": following,
            "previous": previous,
            # Plain lists and dicts: what the cache pickles holds no serializer (nor the request).
            "results": list(out.AgreementItemSerializer(items, many=True, context=self.context()).data),
        }
        if with_facets:
            result["facets"] = dict(out.FacetsSerializer(counts.facets).data)
        return result


AGREEMENT_DETAIL = (
    Agreement.objects.public()
    .select_related("forum", "source")
    .prefetch_related(
        Prefetch(
            "party_links",
            queryset=AgreementParty.objects.select_related("party__country").order_by("order", "pk"),
        ),
        "regions__country",
        "countries",
        "sectors",
        Prefetch("status_changes", queryset=StatusChange.objects.select_related("source")),
    )
)


def slug_or_404(slug: str) -> str:
    if not SLUG.fullmatch(slug):
        raise Http404  # never reaches a query: a NUL byte would be a database error
    return slug


@extend_schema_view(
    get=extend_schema(
        operation_id="agreements_detail",
        parameters=params.detail_parameters("slug", SLUG_PATTERN, "xiii-01-eurochem-karatau-fertilisers"),
        responses={200: out.AgreementDetailSerializer, **DETAIL_RESPONSES},
        description="One published agreement: parties with roles in order, regions, sectors, forum, "
        "status timeline, sources with quotes.",
    )
)
class AgreementDetailView(ApiView):
    def data(self, request, slug):
        agreement = AGREEMENT_DETAIL.filter(slug=slug_or_404(slug)).first()
        if agreement is None:
            raise Http404
        return out.AgreementDetailSerializer(agreement, context=self.context()).data


# --- Parties and forums: public() only --------------------------------------------------------------


# Counts are attached to the page's rows only: an annotated COUNT over every party's links, grouped
# and sorted by name, took 2 s at 100,000 agreements.
PARTIES = Party.objects.public().select_related("country", "home_region").order_by("name", "pk")
FORUMS = Forum.objects.public().order_by("-start_date", "title", "pk")


def with_party_counts(parties: list) -> list:
    links = AgreementParty.objects.filter(party__in=parties, agreement__is_published=True)
    counts = dict(links.values_list("party_id").annotate(n=Count("pk")).order_by())
    for party in parties:
        party.published_agreements = counts.get(party.pk, 0)
    return parties


def with_forum_counts(forums: list) -> list:
    index = current_index()  # the facet index: published agreements per forum slug
    for forum in forums:
        forum.published_agreements = index.count("forum", forum.slug)
    return forums


def paginated(view, request, serializer_class, total: int, rows_for) -> dict:
    """One page of ``total`` rows; ``rows_for(start, stop)`` reads them."""
    number, size = requested_page(request, 50)
    paginator = page_of(range(total), total, number, size)
    start = (number - 1) * size
    rows = rows_for(start, min(start + size, total))
    following, previous = page_links(request, number, paginator.num_pages)
    return {
        "count": total,
        "next": following,
        "previous": previous,
        "results": serializer_class(rows, many=True, context=view.context()).data,
    }


def paginated_queryset(view, request, serializer_class, queryset, attach=list) -> dict:
    return paginated(
        view,
        request,
        serializer_class,
        queryset.count(),
        lambda start, stop: attach(list(queryset[start:stop])),
    )


def public_party_ids() -> list[int]:
    """Every public party's id by name, cached under the data version: which parties have a published
    agreement is a join over every party link (0.2–0.3 s at 100,000 agreements), once per change."""
    return cached("api-party-ids", {}, lambda: list(PARTIES.values_list("pk", flat=True)))


def parties_at(ids: list[int]) -> list:
    found = Party.objects.select_related("country", "home_region").in_bulk(ids)
    return with_party_counts([found[pk] for pk in ids if pk in found])


def page_schema(name, serializer_class):
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(min_value=0),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


LIST_PARAMETERS = [*params.page_parameters(), params.lang_parameter()]


@extend_schema_view(
    get=extend_schema(
        operation_id="parties_list",
        parameters=LIST_PARAMETERS,
        responses={200: page_schema("PartyPage", out.PartySerializer), **COMMON_RESPONSES},
        description="Parties of published agreements, by name.",
    )
)
class PartyListView(ApiView):
    def data(self, request):
        ids = public_party_ids()
        return paginated(
            self, request, out.PartySerializer, len(ids), lambda start, stop: parties_at(ids[start:stop])
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="parties_detail",
        parameters=params.detail_parameters("slug", SLUG_PATTERN, "semaz"),
        responses={200: out.PartyDetailSerializer, **DETAIL_RESPONSES},
    )
)
class PartyDetailView(ApiView):
    def data(self, request, slug):
        party = PARTIES.prefetch_related("aliases").filter(slug=slug_or_404(slug)).first()
        if party is None:
            raise Http404
        with_party_counts([party])
        return out.PartyDetailSerializer(party, context=self.context()).data


@extend_schema_view(
    get=extend_schema(
        operation_id="forums_list",
        parameters=LIST_PARAMETERS,
        responses={200: page_schema("ForumPage", out.ForumSerializer), **COMMON_RESPONSES},
        description="Forums with published agreements, newest first.",
    )
)
class ForumListView(ApiView):
    def data(self, request):
        return paginated_queryset(self, request, out.ForumSerializer, FORUMS, with_forum_counts)


@extend_schema_view(
    get=extend_schema(
        operation_id="forums_detail",
        parameters=params.detail_parameters("slug", SLUG_PATTERN, "kz-ru-interregional-forum-xiii"),
        responses={200: out.ForumDetailSerializer, **DETAIL_RESPONSES},
    )
)
class ForumDetailView(ApiView):
    def data(self, request, slug):
        figures = Prefetch("figures", queryset=ForumFigure.objects.select_related("source").order_by("pk"))
        forum = FORUMS.prefetch_related(figures).filter(slug=slug_or_404(slug)).first()
        if forum is None:
            raise Http404
        with_forum_counts([forum])
        forum.announced_documents = next(
            (int(f.value) for f in forum.figures.all() if f.metric == ForumFigure.Metric.DOCUMENTS), None
        )
        return out.ForumDetailSerializer(forum, context=self.context()).data


# --- Regions and sectors: reference data, counted from the facet index ------------------------------


def with_counts(rows, facet: str):
    index = current_index()
    for row in rows:
        row.published_agreements = index.count(facet, row.code)
    return rows


REGIONS = Region.objects.select_related("country").order_by("country_id", "code")
SECTORS = Sector.objects.select_related("parent").order_by("code")


@extend_schema_view(
    get=extend_schema(
        operation_id="regions_list",
        parameters=LIST_PARAMETERS,
        responses={200: page_schema("RegionPage", out.RegionSerializer), **COMMON_RESPONSES},
        description="Every region (ISO 3166-2), by country and code.",
    )
)
class RegionListView(ApiView):
    def data(self, request):
        return paginated_queryset(
            self, request, out.RegionSerializer, REGIONS, lambda rows: with_counts(rows, "region")
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="regions_detail",
        parameters=params.detail_parameters("code", REGION_PATTERN, "KZ-31"),
        responses={200: out.RegionSerializer, **DETAIL_RESPONSES},
    )
)
class RegionDetailView(ApiView):
    def data(self, request, code):
        region = REGIONS.filter(code=code.upper()).first() if REGION_CODE.fullmatch(code) else None
        if region is None:
            raise Http404
        return out.RegionSerializer(with_counts([region], "region")[0], context=self.context()).data


@extend_schema_view(
    get=extend_schema(
        operation_id="sectors_list",
        parameters=LIST_PARAMETERS,
        responses={200: page_schema("SectorPage", out.SectorSerializer), **COMMON_RESPONSES},
        description="NACE Rev.2 sections and divisions, by code.",
    )
)
class SectorListView(ApiView):
    def data(self, request):
        return paginated_queryset(
            self, request, out.SectorSerializer, SECTORS, lambda rows: with_counts(rows, "sector")
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="sectors_detail",
        parameters=params.detail_parameters("code", SECTOR_PATTERN, "C"),
        responses={200: out.SectorDetailSerializer, **DETAIL_RESPONSES},
    )
)
class SectorDetailView(ApiView):
    def data(self, request, code):
        sector = (
            SECTORS.prefetch_related("divisions").filter(code=code.upper()).first()
            if SECTOR_CODE.fullmatch(code)
            else None
        )
        if sector is None:
            raise Http404
        return out.SectorDetailSerializer(with_counts([sector], "sector")[0], context=self.context()).data
