from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from . import resources
from .models import (
    Agreement,
    AgreementParty,
    Country,
    Forum,
    ForumFigure,
    Party,
    PartyAlias,
    Region,
    Sector,
    Source,
)
from .search import refresh_search_fields

admin.site.site_header = _("Реестр соглашений — администрирование")
admin.site.site_title = _("Реестр соглашений")
admin.site.index_title = _("Данные реестра")


class SuperuserEditsOnlyMixin:
    """Reference data is shared by every record: only superusers change it; staff may look."""

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Country)
class CountryAdmin(SuperuserEditsOnlyMixin, admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_en"]
    search_fields = ["code", "name_ru", "name_en"]


@admin.register(Region)
class RegionAdmin(SuperuserEditsOnlyMixin, ImportExportMixin, admin.ModelAdmin):
    resource_classes = [resources.RegionResource]
    list_display = ["code", "name_ru", "name_en", "kind", "country"]
    list_filter = ["country", "kind"]
    list_select_related = ["country"]
    search_fields = ["code", "name_ru", "name_en", "name_kk"]
    autocomplete_fields = ["country"]


@admin.register(Sector)
class SectorAdmin(SuperuserEditsOnlyMixin, ImportExportMixin, admin.ModelAdmin):
    resource_classes = [resources.SectorResource]
    list_display = ["code", "name_ru", "name_en", "parent"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["code", "name_ru", "name_en"]
    autocomplete_fields = ["parent"]


class PartyAliasInline(admin.TabularInline):
    model = PartyAlias
    extra = 1


@admin.register(Party)
class PartyAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [resources.PartyResource]
    list_display = ["name", "short_name", "legal_form", "kind", "country", "home_region"]
    list_filter = ["kind", "country", "legal_form"]
    list_select_related = ["country", "home_region"]
    search_fields = ["name", "short_name", "slug", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["country", "home_region"]
    inlines = [PartyAliasInline]
    show_full_result_count = False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A renamed party or a new alias must be findable through its agreements.
        refresh_search_fields(Agreement.objects.filter(party_links__party=form.instance))


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher", "published_on", "url"]
    search_fields = ["title", "publisher", "url"]
    prepopulated_fields = {"slug": ["title"]}


class ForumFigureInline(admin.StackedInline):
    model = ForumFigure
    extra = 0
    autocomplete_fields = ["source"]


@admin.register(Forum)
class ForumAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [resources.ForumResource]
    list_display = ["title", "number", "city", "start_date", "end_date"]
    list_filter = ["city"]
    search_fields = ["title", "theme", "city", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ForumFigureInline]


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 2
    autocomplete_fields = ["party"]


@admin.register(Agreement)
class AgreementAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [resources.AgreementResource]
    list_display = ["title", "kind", "status", "forum", "signed_on", "is_published"]
    list_filter = ["is_published", "status", "kind", "forum", "regions__country"]
    list_select_related = ["forum"]
    search_fields = ["title", "subject"]
    autocomplete_fields = ["forum", "sectors", "regions", "countries", "source"]
    inlines = [AgreementPartyInline]
    date_hierarchy = "signed_on"
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "kind", "status", "forum", "is_published"]}),
        (_("Содержание"), {"fields": ["subject", "sectors", "regions", "countries"]}),
        (_("Дата и сумма"), {"fields": ["signed_on", "amount", "currency"]}),
        (_("Источник"), {"fields": ["source", "source_url", "source_quote"]}),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        refresh_search_fields(Agreement.objects.filter(pk=form.instance.pk))
