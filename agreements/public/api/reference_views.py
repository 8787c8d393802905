"""Regions and sectors: reference data, every row of it, counted from the facet index."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view

from agreements.models import Region, Sector
from agreements.public.api import params
from agreements.public.api import serializers as out
from agreements.public.api.base import (
    COMMON_RESPONSES,
    DETAIL_RESPONSES,
    LIST_PARAMETERS,
    REGION_CODE,
    REGION_PATTERN,
    SECTOR_CODE,
    SECTOR_PATTERN,
    ApiView,
    page_schema,
    paginated_queryset,
)
from agreements.public.listing.facets import current_index


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
