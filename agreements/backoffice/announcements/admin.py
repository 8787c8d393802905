"""«Импорт из сообщения» in the agreement admin: paste a press release, check the preview, confirm drafts.

Step 1 (``step=read``) reads the text into a proposal; step 2 (``step=confirm``) re-validates the
preview as staff corrected it and saves. The text and forum choice travel through the preview page,
so nothing is kept on the server between the steps.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from agreements.backoffice.announcements.forms import (
    AgreementFormSet,
    AnnouncementForm,
    FigureFormSet,
    PartyFormSet,
    initial_from_proposal,
)
from agreements.backoffice.announcements.saving import existing_agreement, existing_figure, save_announcement
from agreements.backoffice.forms import change_url
from agreements.models import Party

TEMPLATE = "admin/agreements/announcement/import.html"


class AnnouncementImportMixin:
    """Adds the announcement import view and its changelist button to AgreementAdmin."""

    import_export_change_list_template = "admin/agreements/agreement/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.announcement_view)
        info = self.model._meta.app_label, self.model._meta.model_name
        # Before the ModelAdmin's own URLs: "<path:object_id>/" would take "announcement/" for an id.
        return [path("announcement/", view, name="{}_{}_announcement".format(*info)), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_announcement_permission": self.has_add_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def announcement_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        step = request.POST.get("step") if request.method == "POST" else None
        if step == "confirm":
            return self.announcement_confirm(request)
        if step == "read":
            form = AnnouncementForm(request.POST, request.FILES)
            if form.is_valid():
                figures, agreements, parties = initial_from_proposal(form.cleaned_data["proposal"])
                preview = Preview(
                    form,
                    FigureFormSet(initial=figures, prefix="figures"),
                    AgreementFormSet(initial=agreements, prefix="agreements"),
                    PartyFormSet(initial=parties, prefix="parties"),
                )
                if preview.field_count() > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:
                    # Confirming would be refused by Django (400) before this view could say why.
                    form.add_error(
                        "text",
                        _("Документов в тексте: %(n)d — слишком много для одного просмотра. Разделите текст.")
                        % {"n": preview.agreements.total_form_count()},
                    )
                    return self.announcement_render(request, form, None)
                preview.mark_existing(from_initial=True)
                for note in form.notes:
                    messages.warning(request, note)
                return self.announcement_render(request, form, preview)
        else:
            form = AnnouncementForm()
        return self.announcement_render(request, form, None)

    def announcement_confirm(self, request):
        form = AnnouncementForm(request.POST, read=False)
        preview = Preview(
            form,
            FigureFormSet(request.POST, prefix="figures"),
            AgreementFormSet(request.POST, prefix="agreements"),
            PartyFormSet(request.POST, prefix="parties"),
        )
        if not form.is_valid():
            return self.announcement_render(request, form, None)
        if not preview.is_valid():
            preview.mark_existing(from_initial=False)
            return self.announcement_render(request, form, preview)
        drafts = save_announcement(
            request.user, form.cleaned_data, preview.included_figures(), preview.included()
        )
        messages.success(request, _("Создано черновиков: %(n)d") % {"n": len(drafts)})
        changelist = reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_changelist")
        if not drafts:
            messages.info(request, _("Всё из этого сообщения уже есть в реестре."))
            return redirect(changelist)
        return redirect(f"{changelist}?id__in={','.join(str(d.pk) for d in drafts)}")

    def announcement_render(self, request, form, preview):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Импорт из сообщения"),
            "form": form,
            "preview": preview,
        }
        return TemplateResponse(request, TEMPLATE, context)


def evidence(form) -> dict:
    """The reader's words behind each field, whether the form shows its initial data or a re-post."""
    value = form["evidence"].value()
    return form.fields["evidence"].to_python(value) if isinstance(value, str) else (value or {})


class Preview:
    """The three formsets of step 2 and what joins them: parties grouped under their agreement."""

    def __init__(self, form, figures, agreements, parties):
        self.form, self.figures, self.agreements, self.parties = form, figures, agreements, parties
        self.errors: list[str] = []
        self.existing: dict[int, object] = {}  # agreement index → the registry's record
        self.existing_figures: dict[int, object] = {}

    def field_count(self) -> int:
        """Inputs the preview page will post: the step-1 fields, management forms and every form's fields."""
        formsets = (self.figures, self.agreements, self.parties)
        return (
            len(self.form.fields)
            + 2
            + sum(4 + sum(len(form.fields) for form in formset.forms) for formset in formsets)
        )

    def party_forms(self, index: int):
        forms = [f for f in self.parties.forms if self.value(f, "agreement") == str(index)]
        return sorted(
            forms,
            key=lambda f: int(self.value(f, "order") or 0) if str(self.value(f, "order")).isdigit() else 0,
        )

    @staticmethod
    def value(form, name):
        value = form[name].value()
        return "" if value is None else str(value)

    def blocks(self):
        for index, form in enumerate(self.agreements.forms):
            existing = self.existing.get(index)
            yield {
                "form": form,
                "evidence": evidence(form),
                "parties": self.party_forms(index),
                "existing": existing,
                "existing_url": change_url(existing) if existing else "",
            }

    def figure_rows(self):
        for index, form in enumerate(self.figures.forms):
            existing = self.existing_figures.get(index)
            yield {"form": form, "evidence": evidence(form), "existing": existing}

    def is_valid(self) -> bool:
        valid = all([self.figures.is_valid(), self.agreements.is_valid(), self.parties.is_valid()])
        if not valid:
            self.errors.append(_("Исправьте ошибки ниже: ничего не сохранено."))
            return False
        for index, form in enumerate(self.agreements.forms):
            if not form.cleaned_data.get("include"):
                continue
            parties = self.cleaned_parties(index)
            if not parties:
                form.add_error(None, _("Укажите хотя бы одного участника или снимите отметку «сохранить»."))
            keys = [p["match"].pk if p["match"] else (p["name"].casefold(), p["legal_form"]) for p in parties]
            if len(keys) != len(set(keys)):
                form.add_error(None, _("Каждый участник указывается в соглашении один раз."))
        if any(form.errors for form in self.agreements.forms):
            self.errors.append(_("Исправьте ошибки ниже: ничего не сохранено."))
            return False
        return True

    def cleaned_parties(self, index: int) -> list[dict]:
        """An agreement's parties in their order; a cleared name with no match drops it."""
        parties = [
            f.cleaned_data
            for f in self.parties.forms
            if f.cleaned_data.get("agreement") == index
            and (f.cleaned_data.get("name") or f.cleaned_data.get("match"))
        ]
        for party in parties:
            if party["match"] is not None and not party["name"]:
                party["name"] = party["match"].name
        return sorted(parties, key=lambda p: p["order"])

    def included_figures(self) -> list[dict]:
        return [f.cleaned_data for f in self.figures.forms if f.cleaned_data.get("include")]

    def included(self) -> list[tuple[dict, list[dict]]]:
        return [
            (form.cleaned_data, self.cleaned_parties(index))
            for index, form in enumerate(self.agreements.forms)
            if form.cleaned_data.get("include")
        ]

    def mark_existing(self, from_initial: bool):
        """Records the registry already holds: shown as «уже в реестре», unticked, not saved again."""
        forum = self.form.cleaned_data.get("forum")
        if forum is None:
            return
        for index, form in enumerate(self.agreements.forms):
            kind = form.initial.get("kind") if from_initial else self.value(form, "kind")
            slugs = [
                self.value(f, "match") if not from_initial else (f.initial.get("match") or "")
                for f in self.party_forms(index)
            ]
            ids = None
            if slugs and all(slugs):
                found = dict(Party.objects.filter(slug__in=slugs).values_list("slug", "pk"))
                ids = [found[s] for s in slugs] if all(s in found for s in slugs) else None
            existing = existing_agreement(forum, kind, ids)
            if existing:
                self.existing[index] = existing
                form.fields["include"].disabled = True
                if from_initial:
                    form.initial["include"] = False
        for index, form in enumerate(self.figures.forms):
            if from_initial:
                existing = existing_figure(
                    forum, form.initial["metric"], form.initial["value"], form.initial["unit"]
                )
                if existing:
                    self.existing_figures[index] = existing
                    form.fields["include"].disabled = True
                    form.initial["include"] = False
