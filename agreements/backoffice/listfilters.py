"""The agreements changelist's filters, each asking the database no more than it must at 1,000,000
agreements (bench/RESULTS.md): Django's defaults for the countries in use and the date drill-down
read every agreement's links or dates on each page view (1.0 s and 0.3 s)."""

from django.contrib import admin
from django.db.models import Exists, Max, Min, OuterRef
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, Country

UNDATED = "none"


class CountriesInUseFilter(admin.RelatedOnlyFieldListFilter):
    """The countries some agreement's region is in: asked of the regions (an index probe per
    region) instead of collecting the countries of every agreement's regions."""

    def field_choices(self, field, request, model_admin):
        region_links = Agreement.regions.through.objects.filter(region__country=OuterRef("pk"))
        in_use = Country.objects.filter(Exists(region_links)).values("pk")
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, limit_choices_to={"pk__in": in_use}, ordering=ordering)


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
