"""The agreements: the listing through the page's own filter, counts and fast path, and one
published agreement's record."""

from django.conf import settings
from django.db import DataError
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions

from agreements.models import Agreement, AgreementParty, StatusChange
from agreements.public.api import params
from agreements.public.api import serializers as out
from agreements.public.api.base import (
    COMMON_RESPONSES,
    DETAIL_RESPONSES,
    SLUG_PATTERN,
    ApiView,
    page_links,
    page_of,
    requested_page,
    slug_or_404,
)
from agreements.public.filters import public_filterset
from agreements.public.listing.caching import cached
from agreements.public.listing.facets import facet_counts
from agreements.public.listing.results import page_items


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
            # other orders from the page's own query: listing/results.page_items, as the page does.
            items = page_items(paginator.page(number), counts, filterset)
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
