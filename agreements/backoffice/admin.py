from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import Count, ManyToManyField
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from agreements.backoffice import resources
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


class SuperuserEditsOnlyMixin:
    """Reference data is shared by every record: only superusers change it; staff may look."""

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


LOCK_FIELD = "loaded_version"


class RegistryAdminMixin:
    """Every registry admin: its forms refuse text the exports cannot write (RegistryModelForm), and an
    OptimisticLockForm's version token is on the page whatever the fieldsets list — a token missing
    from the page made every save look like somebody else's edit."""

    form = RegistryModelForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not issubclass(self.form, OptimisticLockForm):
            return fieldsets
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f != LOCK_FIELD]})
            for name, options in fieldsets
        ]
        editable = self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        if editable:  # to a viewer the token would show as a read-only row
            (name, options), *rest = fieldsets
            fieldsets = [(name, {**options, "fields": [*options["fields"], LOCK_FIELD]}), *rest]
        return fieldsets


class HistoryChanges(HistoricalRecordContextHelper):
    """The «Что изменилось» column: field labels, choice labels, да/нет, «—» for nothing."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if isinstance(value, bool):
            return gettext("да") if value else gettext("нет")
        if field.flatchoices and not isinstance(field, ManyToManyField):
            return dict(field.flatchoices).get(value, value)
        return value

    def stringify_delta_change_values(self, change, old, new):
        return super().stringify_delta_change_values(change, shown(old), shown(new))


def shown(value):
    if isinstance(value, list):  # many-to-many: the related records
        return ", ".join(map(str, value)) or "—"
    return "—" if value in (None, "") else value


class RegistryHistoryAdmin(RegistryAdminMixin, SimpleHistoryAdmin):
    """Admins with an audit trail: a history page in Russian, and a revert that is checked and saved
    like an ordinary save."""

    object_history_list_template = "admin/history/object_history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryChanges(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        parsed_or_404(self.model._meta.pk, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        parsed_or_404(self.model._meta.pk, unquote(object_id))
        parsed_or_404(self.model.history.model._meta.pk, version_id)
        request.history_version_id = version_id
        # As in changeform_view: the form's edit-conflict check locks the row (select_for_update), which
        # PostgreSQL refuses outside a transaction.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        version_id = getattr(request, "history_version_id", None)
        m2m_fields = getattr(self.model.history.model, "_history_m2m_fields", [])
        if version_id is None or not m2m_fields:
            return form_class
        # simple-history's revert form would show today's many-to-many links; show the version's.
        record = self.model.history.get(history_id=version_id)
        links = {
            field.name: [
                getattr(row, f"{self.model._meta.get_field(field.name).m2m_reverse_field_name()}_id")
                for row in getattr(record, field.name).all()
            ]
            for field in m2m_fields
        }

        class RevertForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.initial.update({name: ids for name, ids in links.items() if name in self.fields})

        return RevertForm

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if getattr(request, "history_version_id", None) is not None:
            self.after_revert(request, obj)

    def after_revert(self, request, obj):
        """simple-history's revert skips save_related: redo here what save_related keeps up to date."""


def parsed_or_404(field, value):
    """A mistyped id in an admin URL is a page that does not exist, not a server error."""
    try:
        return field.to_python(value)
    except ValidationError:
        raise Http404 from None


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
        ("regions__country", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["forum"]
    # Searched through the Russian full-text index (get_search_results), not LIKE over every row.
    search_fields = ["title"]
    search_help_text = _("Поиск по названию, предмету и участникам с учётом словоформ.")
    autocomplete_fields = ["forum", "sectors", "regions", "countries", "source"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["status"]
    inlines = [AgreementPartyInline, StatusChangeInline]
    actions = ["publish", "unpublish"]
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
