"""Admin forms: text exports can hold, no lost edits (optimistic locking), and the rules an agreement
must meet to be published."""

from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from agreements.models import MIN_PUBLISHED_PARTIES, Agreement
from agreements.text import describe_character, find_xml_illegal


def version_token(updated) -> str:
    return updated.isoformat() if updated else ""


def change_url(instance) -> str:
    meta = instance._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[quote(instance.pk)])


def conflict_message(instance, current_updated):
    """Who saved the record since this form was opened, and when; with a link to the current version."""
    latest = instance.history.select_related("history_user").first() if hasattr(instance, "history") else None
    who = (
        (latest.history_user.get_full_name() or latest.history_user.get_username())
        if latest and latest.history_user
        else _("другой пользователь")
    )
    when = date_format(timezone.localtime(current_updated), "DATETIME_FORMAT")
    return format_html(
        _(
            "Пока вы редактировали, эту запись изменил(а) {who} ({when}). Ваши изменения не сохранены, "
            'чтобы не затереть чужие. <a href="{url}">Откройте текущую версию</a> и внесите правки заново.'
        ),
        who=who,
        when=when,
        url=change_url(instance),
    )


def xml_illegal_error(text: str) -> ValidationError | None:
    match = find_xml_illegal(text)
    if match is None:
        return None
    return ValidationError(
        _(
            "Текст содержит невидимый управляющий символ %(char)s (знак №%(position)d): его нельзя "
            "сохранить и выгрузить. Удалите его — например, наберите заново текст вокруг этого места."
        ),
        code="xml_illegal",
        params={"char": describe_character(match.group()), "position": match.start() + 1},
    )


class RegistryModelForm(forms.ModelForm):
    """The base of every registry admin form and inline: no text the exports could not write."""

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if isinstance(value, str) and (error := xml_illegal_error(value)):
                self.add_error(name, error)
        return cleaned


class OptimisticLockForm(RegistryModelForm):
    """Refuses to save over a change someone else saved after this form was loaded.

    The token is the record's ``updated`` time as loaded; every save (admin, import, command) moves it.
    The row is locked while checking, so two simultaneous saves cannot both pass.
    """

    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Read from the database, not the instance: a revert form's instance is an old version.
            current = (
                type(self.instance)
                ._default_manager.filter(pk=self.instance.pk)
                .values_list("updated", flat=True)
            )
            self.fields["loaded_version"].initial = version_token(current.first())

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        model = type(self.instance)
        current = (
            model._default_manager.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("updated", flat=True)
        ).first()
        if current is None:
            raise ValidationError(_("Эту запись удалили, пока вы её редактировали."), code="deleted")
        if cleaned.get("loaded_version") != version_token(current):
            raise ValidationError(conflict_message(self.instance, current), code="conflict")
        return cleaned


class AgreementAdminForm(OptimisticLockForm):
    class Meta:
        model = Agreement
        fields = [
            "title",
            "slug",
            "kind",
            "forum",
            "is_published",
            "subject",
            "sectors",
            "regions",
            "countries",
            "signed_on",
            "amount",
            "currency",
            "source",
            "source_url",
            "source_quote",
        ]


class LabelledInlineFormSet(forms.BaseInlineFormSet):
    """A tabular inline's fields named for assistive technology: the table's column headers are no
    <label>, so each input, select and «Удалить» box gets its field's label as aria-label (the
    autocomplete widgets pass it on to what select2 draws: static/registry-admin/a11y.js)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            if field.widget.is_hidden:
                continue
            # An autocomplete is wrapped (RelatedFieldWidgetWrapper): the inner widget renders the select.
            for widget in {field.widget, getattr(field.widget, "widget", field.widget)}:
                widget.attrs.setdefault("aria-label", capfirst(str(field.label)))


class AgreementPartyFormSet(LabelledInlineFormSet):
    """The parties of one agreement: each once, and at least two before it can be published."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        parties = [
            form.cleaned_data["party"]
            for form in self.forms
            if form.cleaned_data.get("party") and not form.cleaned_data.get("DELETE")
        ]
        if len(parties) != len(set(parties)):
            raise ValidationError(
                _("Каждый участник указывается в соглашении один раз."), code="duplicate_party"
            )
        if self.instance.is_published and len(parties) < MIN_PUBLISHED_PARTIES:
            raise ValidationError(
                _("Чтобы опубликовать соглашение, укажите не меньше двух сторон."), code="too_few_parties"
            )


class StatusChangeFormSet(LabelledInlineFormSet):
    """The status timeline of one agreement: a status once per date, and once undated
    (StatusChange's two unique constraints, which the formset's own unique check does not see)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        steps = [
            (form.cleaned_data["status"], form.cleaned_data.get("date"))
            for form in self.forms
            if form.cleaned_data.get("status") and not form.cleaned_data.get("DELETE")
        ]
        if len(steps) != len(set(steps)):
            raise ValidationError(
                _("Статус указывается в истории один раз на дату и один раз без даты."),
                code="duplicate_status_change",
            )


def probable_duplicates(agreement: Agreement):
    """Other agreements of the same forum and kind with exactly the same parties."""
    party_ids = set(agreement.party_links.values_list("party_id", flat=True))
    if not party_ids:
        return Agreement.objects.none()
    return (
        Agreement.objects.filter(forum_id=agreement.forum_id, kind=agreement.kind)
        .exclude(pk=agreement.pk)
        .annotate(
            parties_total=Count("party_links", distinct=True),
            parties_shared=Count("party_links", filter=Q(party_links__party_id__in=party_ids), distinct=True),
        )
        .filter(parties_total=len(party_ids), parties_shared=len(party_ids))
    )


class PartyMergeForm(forms.Form):
    target = forms.ChoiceField(
        label=_("Оставить"), widget=forms.RadioSelect, help_text=_("Остальные будут слиты в эту запись.")
    )

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(str(p.pk), p.display_name) for p in parties]
