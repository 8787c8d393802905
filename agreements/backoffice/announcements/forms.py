"""The forms of «Импорт из сообщения»: the text and forum (step 1), then the preview's corrections.

The preview is three plain formsets — figures, agreements and parties (each party form names its
agreement by index) — so whatever staff correct round-trips through the page and is validated again.
"""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.backoffice.announcements.errors import AnnouncementError
from agreements.backoffice.announcements.files import (
    ACCEPT,
    MAX_FILE_SIZE,
    cp1251_note,
    text_from_file,
    too_large_message,
)
from agreements.backoffice.announcements.reader import read_announcement
from agreements.models import Agreement, AgreementParty, Country, Forum, ForumFigure, Party, Region, Sector

MAX_TEXT_CHARS = 200_000


def normalized(text: str) -> str:
    """Line endings as the browser re-posts them differ (CRLF); the stored text uses LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class AnnouncementForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Текст сообщения"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100}),
        help_text=gettext_lazy("Пресс-релиз на русском языке, как есть, с опечатками."),
    )
    upload = forms.FileField(
        label=gettext_lazy("…или файл"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=gettext_lazy(".txt (UTF-8), .docx или .html, не больше 2 МБ."),
    )
    forum = forms.ModelChoiceField(
        label=gettext_lazy("Форум"), queryset=Forum.objects.all(), required=False, empty_label="—"
    )
    forum_title = forms.CharField(
        label=gettext_lazy("…или новый форум: название"), required=False, max_length=300
    )
    forum_number = forms.CharField(label=gettext_lazy("номер"), required=False, max_length=10)
    forum_city = forms.CharField(label=gettext_lazy("город"), required=False, max_length=100)
    forum_start_date = forms.DateField(label=gettext_lazy("начало"), required=False)
    source_title = forms.CharField(
        label=gettext_lazy("Заголовок источника"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Если пусто — первая строка текста."),
    )
    source_publisher = forms.CharField(label=gettext_lazy("издатель"), required=False, max_length=200)
    source_url = forms.URLField(
        label=gettext_lazy("ссылка"), required=False, max_length=500, assume_scheme="https"
    )
    source_published_on = forms.DateField(label=gettext_lazy("дата публикации"), required=False)

    def __init__(self, *args, read=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.read = read  # the confirmation carries its own corrections: no need to read the text again
        self.notes: list[str] = []

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        text = cleaned.get("text") or ""
        if upload:
            try:
                if upload.size > MAX_FILE_SIZE:  # refused before it is read into memory
                    raise AnnouncementError(too_large_message())
                data = upload.read()
                text = text_from_file(upload.name, data)
            except AnnouncementError as exc:
                self.add_error("upload", str(exc))
                return cleaned
            if note := cp1251_note(data):
                self.notes.append(note)
        text = normalized(text)
        if not text.strip():
            self.add_error("text", _("Вставьте текст сообщения или загрузите файл."))
            return cleaned
        if len(text) > MAX_TEXT_CHARS:
            self.add_error("text", _("Текст длиннее 200 000 знаков: это не сообщение о форуме."))
            return cleaned
        cleaned["text"] = text
        self.check_forum(cleaned)
        if self.read and not self.errors:
            try:
                cleaned["proposal"] = read_announcement(text)
            except AnnouncementError as exc:
                self.add_error("text", str(exc))
        return cleaned

    def check_forum(self, cleaned):
        title = (cleaned.get("forum_title") or "").strip()
        if cleaned.get("forum") and title:
            self.add_error("forum_title", _("Выберите форум из списка или создайте новый, не то и другое."))
        elif not cleaned.get("forum") and not title:
            self.add_error("forum", _("Выберите форум или укажите название нового."))
        elif title and Forum.objects.filter(title__iexact=title).exists():
            self.add_error("forum_title", _("Такой форум уже есть: выберите его в списке."))


def codes(value: str) -> list[str]:
    return [code.strip().upper() for code in value.replace(";", ",").split(",") if code.strip()]


def reference_objects(model, value: str, what: str):
    wanted = codes(value)
    found = {obj.pk if model is Country else obj.code: obj for obj in model.objects.filter(code__in=wanted)}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise ValidationError(
            _("Нет таких кодов (%(what)s): %(codes)s.") % {"what": what, "codes": ", ".join(unknown)}
        )
    return [found[code] for code in dict.fromkeys(wanted)]


class EvidenceField(forms.CharField):
    """The reader's "where it came from" words, carried through the page as JSON."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, strip=False, **kwargs)

    def prepare_value(self, value):
        return value if isinstance(value, str) else json.dumps(value or {}, ensure_ascii=False)

    def to_python(self, value):
        try:
            return json.loads(value) if value else {}
        except ValueError:
            return {}


class FigureForm(forms.Form):
    include = forms.BooleanField(label=gettext_lazy("сохранить"), required=False)
    metric = forms.ChoiceField(label=gettext_lazy("что посчитано"), choices=ForumFigure.Metric.choices)
    label = forms.CharField(label=gettext_lazy("подпись"), required=False, max_length=300)
    value = forms.DecimalField(label=gettext_lazy("значение"), min_value=0, max_digits=20, decimal_places=4)
    unit = forms.CharField(label=gettext_lazy("единица"), max_length=20)
    approximate = forms.BooleanField(label=gettext_lazy("приблизительно"), required=False)
    quote = forms.CharField(widget=forms.HiddenInput, strip=False)
    evidence = EvidenceField()


class AgreementForm(forms.Form):
    include = forms.BooleanField(label=gettext_lazy("сохранить"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("вид документа"), choices=Agreement.Kind.choices)
    title = forms.CharField(
        label=gettext_lazy("название"), max_length=500, widget=forms.TextInput(attrs={"size": 90})
    )
    subject = forms.CharField(
        label=gettext_lazy("предмет"), required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 90})
    )
    regions = forms.CharField(label=gettext_lazy("регионы (коды)"), required=False)
    countries = forms.CharField(label=gettext_lazy("страны (коды)"), required=False)
    sectors = forms.CharField(label=gettext_lazy("отрасли (коды NACE)"), required=False)
    amount = forms.DecimalField(
        label=gettext_lazy("сумма"), required=False, min_value=0, max_digits=18, decimal_places=2
    )
    currency = forms.CharField(label=gettext_lazy("валюта"), required=False, max_length=3)
    quote = forms.CharField(widget=forms.HiddenInput, strip=False)
    evidence = EvidenceField()

    def clean_regions(self):
        return reference_objects(Region, self.cleaned_data["regions"], _("регионы"))

    def clean_countries(self):
        return reference_objects(Country, self.cleaned_data["countries"], _("страны"))

    def clean_sectors(self):
        return reference_objects(Sector, self.cleaned_data["sectors"], _("отрасли"))

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if currency and not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
            raise ValidationError(_("Код валюты ISO 4217: USD, KZT, RUB."))
        return currency

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("amount") is not None and not cleaned.get("currency"):
            self.add_error("currency", _("Укажите валюту суммы."))
        return cleaned


class PartyForm(forms.Form):
    agreement = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    order = forms.IntegerField(
        label=gettext_lazy("№"), min_value=1, widget=forms.NumberInput(attrs={"style": "width:3em"})
    )
    name = forms.CharField(
        label=gettext_lazy("название"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"size": 45}),
        help_text=gettext_lazy("Очистите название, чтобы убрать участника."),
    )
    legal_form = forms.ChoiceField(
        label=gettext_lazy("форма"), required=False, choices=[("", "—"), *Party.LegalForm.choices]
    )
    country = forms.CharField(
        label=gettext_lazy("страна"), required=False, max_length=2, widget=forms.TextInput(attrs={"size": 3})
    )
    match = forms.CharField(label=gettext_lazy("в реестре"), required=False, widget=forms.Select)
    role = forms.ChoiceField(label=gettext_lazy("роль"), choices=AgreementParty.Role.choices)
    evidence = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["match"].widget.choices = self.match_choices()

    def match_choices(self):
        """«новый участник», the chosen party, and registry parties whose names share a word with this one."""
        current = self.data.get(self.add_prefix("match")) if self.is_bound else self.initial.get("match")
        name = (self.data.get(self.add_prefix("name")) if self.is_bound else self.initial.get("name")) or ""
        words = sorted((w for w in name.replace("«", " ").replace("»", " ").split() if len(w) > 3), key=len)
        candidates = Party.objects.filter(slug=current) if current else Party.objects.none()
        if words:
            candidates = candidates | Party.objects.filter(name__icontains=words[-1])
        choices = [("", _("новый участник"))]
        choices += [(p.slug, p.display_name) for p in candidates.distinct().order_by("name")[:20]]
        return choices

    def clean_country(self):
        code = self.cleaned_data["country"].strip().upper()
        if code and not Country.objects.filter(code=code).exists():
            raise ValidationError(_("Нет страны с кодом %(code)s.") % {"code": code})
        return code

    def clean_match(self):
        slug = self.cleaned_data["match"]
        if not slug:
            return None
        party = Party.objects.filter(slug=slug).first()
        if party is None:
            raise ValidationError(_("Этого участника больше нет в реестре: выберите другого."))
        return party


FigureFormSet = forms.formset_factory(FigureForm, extra=0)
AgreementFormSet = forms.formset_factory(AgreementForm, extra=0)
PartyFormSet = forms.formset_factory(PartyForm, extra=0)


def initial_from_proposal(proposal: dict):
    """The reader's proposal as the three formsets' initial data."""
    figures = [
        {
            "include": True,
            "metric": figure["key"]
            if figure["key"] in ForumFigure.Metric.values
            else ForumFigure.Metric.OTHER,
            "label": figure.get("label", ""),
            # A float reading (4.34 млрд) may carry binary noise beyond the field's four decimals.
            "value": round(figure["value"], 4),
            "unit": figure["unit"],
            "approximate": bool(figure.get("approximate")),
            "quote": figure["quote"],
            "evidence": {"value": figure.get("evidence", "")},
        }
        for figure in proposal["figures"]
    ]
    agreements, parties = [], []
    for index, agreement in enumerate(proposal["agreements"]):
        agreements.append(
            {
                "include": True,
                "kind": agreement["kind"],
                "title": agreement["title"],
                "subject": agreement["subject"],
                "regions": ", ".join(agreement["regions"]),
                "countries": ", ".join(agreement["countries"]),
                "sectors": ", ".join(agreement["sectors"]),
                "amount": agreement["amount"],
                "currency": agreement["currency"] or "",
                "quote": agreement["quote"],
                "evidence": agreement.get("evidence", {}),
            }
        )
        for order, party in enumerate(agreement["parties"], start=1):
            name, legal_form = party["name"], party["legal_form"]
            if legal_form and legal_form not in Party.LegalForm.values:
                # A form the registry has no choice for (АКФ, СЭЗ) stays in the name, as the seed spells it.
                name, legal_form = Party.format_display_name(name, legal_form), ""
            parties.append(
                {
                    "agreement": index,
                    "order": order,
                    "name": name,
                    "legal_form": legal_form,
                    "country": party["country"] or "",
                    "match": party["match"] or "",
                    "role": AgreementParty.Role.SIGNATORY,
                    "evidence": party.get("evidence", ""),
                }
            )
    return figures, agreements, parties
