from django.contrib import admin, messages
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import resources
from .announcements.admin import AnnouncementImportMixin
from .forms import (
    AgreementAdminForm,
    AgreementPartyFormSet,
    PartyMergeForm,
    change_url,
    probable_duplicates,
)
from .imports.admin import RegistryImportExportMixin
from .merging import merge_parties
from .models import (
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
from .search import apply_search, refresh_search_fields
from .status import status_from_timeline

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
class RegionAdmin(SuperuserEditsOnlyMixin, RegistryImportExportMixin, admin.ModelAdmin):
    resource_classes = [resources.RegionResource]
    list_display = ["code", "name_ru", "name_en", "kind", "country"]
    list_filter = ["country", "kind"]
    list_select_related = ["country"]
    search_fields = ["code", "name_ru", "name_en", "name_kk"]
    autocomplete_fields = ["country"]


@admin.register(Sector)
class SectorAdmin(SuperuserEditsOnlyMixin, RegistryImportExportMixin, admin.ModelAdmin):
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
class PartyAdmin(RegistryImportExportMixin, SimpleHistoryAdmin):
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
class ForumAdmin(RegistryImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [resources.ForumResource]
    list_display = ["title", "number", "city", "start_date", "end_date"]
    list_filter = ["city"]
    search_fields = ["title", "theme", "city", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ForumFigureInline]


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    formset = AgreementPartyFormSet
    extra = 2
    autocomplete_fields = ["party"]


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 1
    fields = ["status", "date", "note", "source", "source_url"]
    autocomplete_fields = ["source"]
    verbose_name_plural = _("история статусов (последний статус — текущий)")


@admin.register(Agreement)
class AgreementAdmin(AnnouncementImportMixin, RegistryImportExportMixin, SimpleHistoryAdmin):
    form = AgreementAdminForm
    resource_classes = [resources.AgreementResource]
    list_display = ["title", "kind", "status", "forum", "signed_on", "is_published"]
    list_filter = ["is_published", "status", "kind", "forum", "regions__country"]
    list_select_related = ["forum"]
    # Searched through the Russian full-text index (get_search_results), not LIKE over every row.
    search_fields = ["title"]
    search_help_text = _("Поиск по названию, предмету и участникам с учётом словоформ.")
    autocomplete_fields = ["forum", "sectors", "regions", "countries", "source"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["status"]
    inlines = [AgreementPartyInline, StatusChangeInline]
    actions = ["publish", "unpublish"]
    history_list_display = ["changes"]
    date_hierarchy = "signed_on"
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "status", "forum", "is_published"]}),
        (_("Содержание"), {"fields": ["subject", "sectors", "regions", "countries"]}),
        (_("Дата и сумма"), {"fields": ["signed_on", "amount", "currency"]}),
        (_("Источник"), {"fields": ["source", "source_url", "source_quote"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return apply_search(queryset, search_term), False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        request.history_version_id = version_id
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        version_id = getattr(request, "history_version_id", None)
        if version_id is None:
            return form_class
        # simple-history's revert form would show today's regions, sectors and countries; show the version's.
        record = Agreement.history.get(history_id=version_id)
        links = {
            name: [
                getattr(row, f"{Agreement._meta.get_field(name).m2m_reverse_field_name()}_id")
                for row in getattr(record, name).all()
            ]
            for name in (field.name for field in Agreement.history.model._history_m2m_fields)
        }

        class RevertForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.initial.update({name: ids for name, ids in links.items() if name in self.fields})

        return RevertForm

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        agreement = form.instance
        status_from_timeline(agreement)
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

    @admin.action(description=_("Опубликовать выбранные соглашения"), permissions=["change"])
    def publish(self, request, queryset):
        counted = queryset.annotate(parties_count=Count("party_links"))
        not_ready = [a.title for a in counted.filter(parties_count__lt=MIN_PUBLISHED_PARTIES)]
        published = set_published(counted.filter(parties_count__gte=MIN_PUBLISHED_PARTIES), True)
        self.message_user(request, _("Опубликовано: %(n)d.") % {"n": published}, messages.SUCCESS)
        if not_ready:
            self.message_user(
                request,
                _("Не опубликованы (нужно не меньше двух сторон): %(titles)s")
                % {"titles": "; ".join(not_ready)},
                messages.ERROR,
            )

    @admin.action(description=_("Снять с публикации"), permissions=["change"])
    def unpublish(self, request, queryset):
        count = set_published(queryset, False)
        self.message_user(request, _("Снято с публикации: %(n)d.") % {"n": count}, messages.SUCCESS)

    @admin.display(description=_("Что изменилось"))
    def changes(self, record):
        previous = record.prev_record
        if previous is None:
            return _("создано")
        diff = record.diff_against(previous)
        return format_html_join(
            mark_safe("<br>"),
            "{}: {} → {}",
            ((change.field, shorten(change.old), shorten(change.new)) for change in diff.changes),
        )


def shorten(value) -> str:
    if isinstance(value, list):  # many-to-many: rows of the through table
        value = ", ".join(
            str(row.get(key)) for row in value for key in row if key.endswith(("region", "sector", "country"))
        )
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def set_published(queryset, published: bool) -> int:
    """Save each record (not a bulk UPDATE) so the audit trail records who published what."""
    count = 0
    for agreement in queryset.exclude(is_published=published):
        agreement.is_published = published
        agreement.save(update_fields=["is_published", "updated"])
        count += 1
    return count
