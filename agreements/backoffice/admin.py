from django.contrib import admin, messages
from django.db.models import Count, F
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from agreements.backoffice import resources
from agreements.backoffice.adminbase import (
    RegistryAdminMixin,
    RegistryHistoryAdmin,
    SuperuserEditsOnlyMixin,
)
from agreements.backoffice.announcements.admin import AnnouncementImportMixin
from agreements.backoffice.forms import (
    AgreementAdminForm,
    AgreementPartyFormSet,
    LabelledInlineFormSet,
    OptimisticLockForm,
    PartyMergeForm,
    RegistryModelForm,
    StatusChangeFormSet,
    change_url,
    probable_duplicates,
)
from agreements.backoffice.imports.admin import RegistryImportExportMixin
from agreements.backoffice.listfilters import CountriesInUseFilter, SignedYearFilter
from agreements.backoffice.merging import merge_parties
from agreements.backoffice.status import refresh_current_status
from agreements.models import (
    HAS_SOURCE,
    MIN_PUBLISHED_PARTIES,
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
    StatusChange,
)
from agreements.search import apply_search, refresh_search_fields

admin.site.site_header = _("Реестр соглашений — администрирование")
admin.site.site_title = _("Реестр соглашений")
admin.site.index_title = _("Данные реестра")


@admin.register(Country)
class CountryAdmin(SuperuserEditsOnlyMixin, RegistryAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_en"]
    search_fields = ["code", "name_ru", "name_en"]


@admin.register(Region)
class RegionAdmin(SuperuserEditsOnlyMixin, RegistryAdminMixin, RegistryImportExportMixin, admin.ModelAdmin):
    resource_classes = [resources.RegionResource]
    list_display = ["code", "name_ru", "name_en", "kind", "country"]
    list_filter = ["country", "kind"]
    list_select_related = ["country"]
    search_fields = ["code", "name_ru", "name_en", "name_kk"]
    autocomplete_fields = ["country"]


@admin.register(Sector)
class SectorAdmin(SuperuserEditsOnlyMixin, RegistryAdminMixin, RegistryImportExportMixin, admin.ModelAdmin):
    resource_classes = [resources.SectorResource]
    list_display = ["code", "name_ru", "name_en", "parent"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["code", "name_ru", "name_en"]
    autocomplete_fields = ["parent"]


class PartyAliasInline(admin.TabularInline):
    model = PartyAlias
    form = RegistryModelForm
    formset = LabelledInlineFormSet
    extra = 1


@admin.register(Party)
class PartyAdmin(RegistryImportExportMixin, RegistryHistoryAdmin):
    form = OptimisticLockForm
    resource_classes = [resources.PartyResource]
    list_display = ["name", "short_name", "legal_form", "kind", "country", "home_region"]
    list_filter = ["kind", "country", "legal_form"]
    list_select_related = ["country", "home_region"]
    search_fields = ["name", "short_name", "slug", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["country", "home_region"]
    inlines = [PartyAliasInline]
    show_full_result_count = False

    actions = ["merge_parties"]

    @admin.action(description=_("Объединить выбранных участников"), permissions=["change", "delete"])
    def merge_parties(self, request, queryset):
        parties = list(
            queryset.select_related("country")
            .prefetch_related("aliases")
            .annotate(agreement_count=Count("agreement_links"))
        )
        if len(parties) < 2:
            self.message_user(request, _("Выберите не меньше двух участников."), messages.ERROR)
            return None
        if request.POST.get("confirm") == "yes":
            form = PartyMergeForm(request.POST, parties=parties)
            if form.is_valid():
                target = next(p for p in parties if str(p.pk) == form.cleaned_data["target"])
                result = merge_parties(target, parties)
                self.message_user(
                    request,
                    _("Объединено в «%(target)s»: участников %(merged)d, перенесено связей %(moved)d.")
                    % {
                        "target": target.display_name,
                        "merged": result["merged"],
                        "moved": result["links_moved"],
                    },
                    messages.SUCCESS,
                )
                return None
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "parties": parties}
        return TemplateResponse(request, "admin/agreements/party/merge.html", context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A renamed party or a new alias must be findable through its agreements.
        refresh_search_fields(Agreement.objects.filter(party_links__party=form.instance))

    def after_revert(self, request, obj):
        refresh_search_fields(Agreement.objects.filter(party_links__party=obj))


@admin.register(Source)
class SourceAdmin(RegistryAdminMixin, admin.ModelAdmin):
    form = OptimisticLockForm
    list_display = ["title", "publisher", "published_on", "url"]
    search_fields = ["title", "publisher", "url"]
    prepopulated_fields = {"slug": ["title"]}


class ForumFigureInline(admin.StackedInline):
    model = ForumFigure
    form = RegistryModelForm
    extra = 0
    autocomplete_fields = ["source"]


@admin.register(Forum)
class ForumAdmin(RegistryImportExportMixin, RegistryHistoryAdmin):
    form = OptimisticLockForm
    resource_classes = [resources.ForumResource]
    list_display = ["title", "number", "city", "start_date", "end_date"]
    list_filter = ["city"]
    search_fields = ["title", "theme", "city", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ForumFigureInline]


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    form = RegistryModelForm
    formset = AgreementPartyFormSet
    extra = 2
    autocomplete_fields = ["party"]


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    form = RegistryModelForm
    formset = StatusChangeFormSet
    extra = 1
    fields = ["status", "date", "note", "source", "source_url"]
    autocomplete_fields = ["source"]
    verbose_name_plural = _("история статусов (последний статус — текущий)")


@admin.register(Agreement)
class AgreementAdmin(AnnouncementImportMixin, RegistryImportExportMixin, RegistryHistoryAdmin):
    form = AgreementAdminForm
    resource_classes = [resources.AgreementResource]
    list_display = ["title", "kind", "status", "forum", "signed_on", "is_published"]
    # Only the countries agreements' regions are in, not all 249.
    list_filter = [
        "is_published",
        "status",
        "kind",
        "forum",
        CountriesInUseFilter,
        SignedYearFilter,
    ]
    # Newest first, undated last, then by title: the index migration 0017 creates serves it, so a
    # page of 1,000,000 agreements is an index walk (the model's order put 100,000 undated first
    # and sorted them by title: 0.6 s).
    ordering = [F("signed_on").desc(nulls_last=True), "title_key", "pk"]
    list_select_related = ["forum"]
    # Searched through the Russian full-text index (get_search_results), not LIKE over every row.
    search_fields = ["title"]
    search_help_text = _("Поиск по названию, предмету и участникам с учётом словоформ.")
    autocomplete_fields = ["forum", "sectors", "regions", "countries", "source"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["status"]
    inlines = [AgreementPartyInline, StatusChangeInline]
    actions = ["publish", "unpublish"]
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "status", "forum", "is_published"]}),
        (_("Содержание"), {"fields": ["subject", "sectors", "regions", "countries"]}),
        (_("Дата и сумма"), {"fields": ["signed_on", "amount", "currency"]}),
        (_("Источник"), {"fields": ["source", "source_url", "source_quote"]}),
    ]

    def lookup_allowed(self, lookup, value, request):
        # The country filter keeps the parameter Django's related-field filter had (bookmarked URLs).
        return lookup == CountriesInUseFilter.parameter_name or super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return apply_search(queryset, search_term), False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        agreement = form.instance
        refresh_current_status([agreement])  # after the inlines: the timeline's latest step is current
        refresh_search_fields(Agreement.objects.filter(pk=agreement.pk))
        duplicates = list(probable_duplicates(agreement)[:5])
        if duplicates:
            links = format_html_join(
                ", ", '<a href="{}">{}</a>', ((change_url(d), d.title) for d in duplicates)
            )
            self.message_user(
                request,
                format_html(_("Возможный дубликат: тот же форум, вид документа и стороны — {}."), links),
                messages.WARNING,
            )

    def after_revert(self, request, obj):
        refresh_current_status([obj])  # the version's status gives way to the timeline's latest step
        refresh_search_fields(Agreement.objects.filter(pk=obj.pk))

    @admin.action(description=_("Опубликовать выбранные соглашения"), permissions=["change"])
    def publish(self, request, queryset):
        counted = queryset.annotate(parties_count=Count("party_links"))
        not_ready = [a.title for a in counted.filter(parties_count__lt=MIN_PUBLISHED_PARTIES)]
        ready = counted.filter(parties_count__gte=MIN_PUBLISHED_PARTIES)
        no_source = [a.title for a in ready.exclude(HAS_SOURCE)]
        published = set_published(ready.filter(HAS_SOURCE), True)
        self.message_user(request, _("Опубликовано: %(n)d.") % {"n": published}, messages.SUCCESS)
        if not_ready:
            self.message_user(
                request,
                _("Не опубликованы (нужно не меньше двух сторон): %(titles)s")
                % {"titles": "; ".join(not_ready)},
                messages.ERROR,
            )
        if no_source:
            self.message_user(
                request,
                _("Не опубликованы (нет источника): %(titles)s") % {"titles": "; ".join(no_source)},
                messages.ERROR,
            )

    @admin.action(description=_("Снять с публикации"), permissions=["change"])
    def unpublish(self, request, queryset):
        count = set_published(queryset, False)
        self.message_user(request, _("Снято с публикации: %(n)d.") % {"n": count}, messages.SUCCESS)


def set_published(queryset, published: bool) -> int:
    """Save each record (not a bulk UPDATE) so the audit trail records who published what."""
    count = 0
    for agreement in queryset.exclude(is_published=published):
        agreement.is_published = published
        agreement.save(update_fields=["is_published", "updated"])
        count += 1
    return count
