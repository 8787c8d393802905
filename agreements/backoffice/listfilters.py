"""The agreements changelist's filters, each asking the database no more than it must at 1,000,000
agreements (bench/RESULTS.md): Django's defaults for the countries in use and the date drill-down
read every agreement's links or dates on each page view (1.0 s and 0.3 s)."""

from django.contrib import admin
from django.db.models import Exists, Max, Min, OuterRef
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, Country, Region

UNDATED = "none"


class CountriesInUseFilter(admin.SimpleListFilter):
    """The countries some agreement's region is in, and the agreements with a region there.

    A SimpleListFilter, not Django's related-field filter: that one made the changelist count
    SELECT DISTINCT over every column (5.5 s at 1,000,000 agreements), as a filter across a
    many-to-many may repeat rows; an EXISTS repeats none. Same parameter and choices as before."""

    title = _("страна")
    parameter_name = "regions__country__code__exact"
    field_path = "regions__country"

    def lookups(self, request, model_admin):
        # Per region, not per country: a probe of the links' region index for each of ~100 regions
        # (7 ms at 1,000,000 agreements); per country the planner hashed every link (0.4 s).
        used = Region.objects.filter(Exists(region_links(region=OuterRef("pk")))).values("country")
        return [(country.code, str(country)) for country in Country.objects.filter(code__in=used)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(Exists(region_links(agreement=OuterRef("pk"), region__country=self.value())))


def region_links(**lookups):
    return Agreement.regions.through.objects.filter(**lookups)


class SignedYearFilter(admin.SimpleListFilter):
    """The year of signing, from the first to the last dated agreement (two index lookups), and the
    undated ones; a year is a range on the signing date, which its index serves."""

    title = _("год подписания")
    parameter_name = "signed_year"

    def lookups(self, request, model_admin):
        span = Agreement.objects.aggregate(first=Min("signed_on"), last=Max("signed_on"))
        years = range(span["last"].year, span["first"].year - 1, -1) if span["first"] else []
        return [(str(year), str(year)) for year in years] + [(UNDATED, _("без даты"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == UNDATED:
            return queryset.filter(signed_on__isnull=True)
        if value and value.isdigit():
            return queryset.filter(signed_on__year=int(value))
        return queryset
