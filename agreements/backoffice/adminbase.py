"""What the registry's ModelAdmins share: superuser-only reference data, optimistic locking and
the field-by-field history pages."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import ManyToManyField
from django.http import Http404
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from agreements.backoffice.forms import (
    OptimisticLockForm,
    RegistryModelForm,
)


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
