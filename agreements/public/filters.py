"""The filter: one FilterSet that the listing, its facet counts, the exports and the JSON all use.

Query parameters are a public contract (shareable URLs): region, sector, country, party_country,
party, forum, kind, status, signed_from, signed_to, q, sort. Values of one parameter combine with OR,
different parameters with AND. Many-to-many conditions are EXISTS subqueries on resolved ids, so an
agreement is never listed twice and no DISTINCT is needed.
"""

import re

import django_filters
from django import forms
from django.core.cache import caches
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, AgreementParty, Country, Forum, Party, Region, Sector
from agreements.public.dataversion import data_version
from agreements.search import apply_search

MAX_VALUES = 50  # per parameter; more is not a query a person writes
MAX_LENGTH = 200  # per value
MAX_QUERY_CHARS = 8000  # the whole query, decoded; about what browsers and proxies pass on
REFERENCE_CODES_TTL = 300  # seconds; entries of older data versions age out


def reference_ids(model) -> dict[str, list]:
    """Code → primary keys, cached: a section's code also maps to its divisions, a country's code to
    itself. Filtering by ids lets the planner use its per-value statistics (a join on ``code`` hid
    how common a region is, and PostgreSQL sorted 19,000 rows to show 50). Keyed by the data version,
    which reference edits change too: a region added by a superuser is a valid filter value at once."""
    key = f"agreements:ids:{model._meta.label_lower}:{data_version()}"
    mapping = caches["reference"].get(key)
    if mapping is None:
        mapping = {}
        if model is Sector:
            for pk, code, section in Sector.objects.values_list("pk", "code", "parent__code"):
                mapping.setdefault(code, []).append(pk)
                if section:
                    mapping.setdefault(section, []).append(pk)
        elif model is Region:
            for pk, code, country in Region.objects.values_list("pk", "code", "country_id"):
                mapping[code] = [pk]
                mapping.setdefault(f"country:{country}", []).append(pk)
        else:
            mapping = {code: [code] for code in model._default_manager.values_list("pk", flat=True)}
        caches["reference"].set(key, mapping, REFERENCE_CODES_TTL)
    return mapping


def ids_for(model, codes) -> list:
    mapping = reference_ids(model)
    return [pk for code in codes for pk in mapping.get(code, [])]


def existing_values(model, lookup: str, values: list[str]) -> set[str]:
    """Which of ``values`` exist publicly. Reference codes are cached, so checking ``?region=`` costs no
    query; a party or forum known only from drafts is unknown, exactly like a slug nobody uses (a 200
    for it and a 400 for a made-up one would tell that the draft exists)."""
    if model in (Region, Sector, Country):
        return set(reference_ids(model)).intersection(values)
    public = model.objects.public()
    return set(public.filter(**{f"{lookup}__in": values}).values_list(lookup, flat=True))


class CodeListField(forms.Field):
    """Repeated ``?name=A&name=B`` values, normalised, checked against the codes that exist."""

    widget = forms.SelectMultiple

    def __init__(self, *, model, lookup, pattern, normalise=str.upper, label_unknown, **kwargs):
        self.model, self.lookup, self.pattern = model, lookup, re.compile(pattern)
        self.normalise, self.label_unknown = normalise, label_unknown
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in (None, "", []):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        if len(values) > MAX_VALUES:
            raise ValidationError(_("Слишком много значений: не больше %(n)d.") % {"n": MAX_VALUES})
        cleaned = []
        for raw in values:
            text = self.normalise(str(raw).strip()[:MAX_LENGTH])
            if text and text not in cleaned:
                cleaned.append(text)
        return cleaned

    def validate(self, value):
        super().validate(value)
        malformed = [v for v in value if not self.pattern.fullmatch(v)]
        known = existing_values(self.model, self.lookup, value) if value and not malformed else set()
        unknown = malformed or [v for v in value if v not in known]
        if unknown:
            raise ValidationError(self.label_unknown % {"values": ", ".join(unknown)})


def normalise_sector(value: str) -> str:
    """``C21`` is the division ``21``; a section is its letter."""
    value = value.upper()
    match = re.fullmatch(r"[A-U](\d{2})", value)
    return match.group(1) if match else value


class CodeListFilter(django_filters.Filter):
    field_class = CodeListField


def exists_in(through_model, *conditions, **lookups):
    return Exists(through_model.objects.filter(*conditions, agreement_id=OuterRef("pk"), **lookups))


def country_filter(label, method) -> CodeListFilter:
    return CodeListFilter(
        model=Country,
        lookup="code",
        pattern=r"[A-Z]{2}",
        label=label,
        label_unknown=_("Неизвестный код страны: %(values)s. Коды ISO 3166-1, например KZ, RU."),
        method=method,
    )


def slug_filter(model, label, label_unknown, method) -> CodeListFilter:
    return CodeListFilter(
        model=model,
        lookup="slug",
        pattern=r"[-a-zA-Z0-9_]+",
        normalise=str.lower,
        label=label,
        label_unknown=label_unknown,
        method=method,
    )


RegionLink = Agreement.regions.through
SectorLink = Agreement.sectors.through
CountryLink = Agreement.countries.through

# Undated agreements come last either way; Agreement.Meta's index serves "-signed" exactly.
# Titles sort by their stored case-folded key (search.title_sort_key): SQLite's LOWER() folds ASCII
# only, and PostgreSQL's order depends on the database's collation.
SORTS = {
    "title": ("title_key", "pk"),
    "-title": ("-title_key", "-pk"),
    "signed": (F("signed_on").asc(nulls_last=True), "title_key", "pk"),
    "-signed": (F("signed_on").desc(nulls_last=True), "title_key", "pk"),
    "updated": ("updated", "pk"),
    "-updated": ("-updated", "-pk"),
}
DEFAULT_SORT = "-signed"  # without a search
SORT_LABELS = {
    "relevance": _("по релевантности"),
    "-signed": _("сначала новые"),
    "signed": _("сначала старые"),
    "title": _("по названию (А–Я)"),
    "-title": _("по названию (Я–А)"),
    "-updated": _("недавно изменённые"),
}


def query_lists(data) -> list[tuple[str, list]]:
    """Every parameter with all its values, from a QueryDict or a plain dict (detail pages, tests)."""
    if hasattr(data, "lists"):
        return list(data.lists())
    return [(name, value if isinstance(value, list | tuple) else [value]) for name, value in data.items()]


class AgreementFilterForm(forms.Form):
    """Limits that no single field sees: the size of the whole query, repeated values of the
    parameters whose fields keep only one of them (``q``, ``sort``, dates) or check only choices,
    and NUL in any parameter, whichever field reads it."""

    def clean(self):
        cleaned = super().clean()
        lists = query_lists(self.data)
        size = sum(len(str(name)) + sum(len(str(v)) for v in values) for name, values in lists)
        if size > MAX_QUERY_CHARS:
            self.add_error(
                None, _("Запрос слишком длинный: не больше %(n)d символов.") % {"n": MAX_QUERY_CHARS}
            )
        for name, values in lists:
            if name not in self.fields or name in self.errors:
                continue
            if len(values) > MAX_VALUES:
                self.add_error(name, _("Слишком много значений: не больше %(n)d.") % {"n": MAX_VALUES})
            elif any("\x00" in str(value) for value in values):
                # PostgreSQL refuses NUL in a string: whatever a field checks, none reaches a query.
                self.add_error(name, ProhibitNullCharactersValidator.message)
        return cleaned


class AgreementFilter(django_filters.FilterSet):
    # Declared in the order links carry them (querystrings.PARAM_ORDER): the search first.
    q = django_filters.CharFilter(method="filter_search", label=_("Поиск"), max_length=MAX_LENGTH)
    region = CodeListFilter(
        model=Region,
        lookup="code",
        pattern=r"[A-Z]{2}-[A-Z0-9]{1,3}",
        label=_("Регион"),
        label_unknown=_("Неизвестный код региона: %(values)s. Коды ISO 3166-2, например KZ-31."),
        method="filter_region",
    )
    sector = CodeListFilter(
        model=Sector,
        lookup="code",
        pattern=r"[A-U]|\d{2}",
        normalise=normalise_sector,
        label=_("Отрасль"),
        label_unknown=_("Неизвестный код отрасли: %(values)s. Коды NACE Rev.2: раздел C или подраздел 21."),
        method="filter_sector",
    )
    country = country_filter(_("Страна реализации"), "filter_country")
    party_country = country_filter(_("Страна участника"), "filter_party_country")
    party = slug_filter(Party, _("Участник"), _("Неизвестный участник: %(values)s."), "filter_party")
    forum = slug_filter(Forum, _("Форум"), _("Неизвестный форум: %(values)s."), "filter_forum")
    # distinct=False: a column of the agreement itself cannot duplicate rows, and django-filter's default
    # DISTINCT over every column made counting 100,000 rows several times slower.
    kind = django_filters.MultipleChoiceFilter(
        choices=Agreement.Kind.choices, label=_("Вид документа"), distinct=False
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Agreement.Status.choices, label=_("Статус"), distinct=False
    )
    signed_from = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="gte", label=_("Подписано с"), input_formats=["%Y-%m-%d"]
    )
    signed_to = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="lte", label=_("Подписано по"), input_formats=["%Y-%m-%d"]
    )
    sort = django_filters.ChoiceFilter(
        choices=list(SORT_LABELS.items()), method="filter_sort", label=_("Порядок"), empty_label=None
    )

    class Meta:
        model = Agreement
        fields = []
        form = AgreementFilterForm

    @property
    def errors(self) -> dict:
        """The form's errors, a query-wide one under ``query`` (as the page and the export name it)."""
        return {("query" if name == NON_FIELD_ERRORS else name): e for name, e in self.form.errors.items()}

    # The facets, in the sidebar's order: the parameter each toggles and its heading. The facet
    # index (facetindex/) holds a bitmap per value of each, and of party_country too.
    FACETS = {
        "region": _("Регион"),
        "sector": _("Отрасль (NACE)"),
        "country": _("Страна реализации"),
        "kind": _("Вид документа"),
        "status": _("Статус"),
        "forum": _("Форум"),
    }

    def filter_region(self, queryset, name, codes):
        return queryset.filter(exists_in(RegionLink, region_id__in=ids_for(Region, codes)))

    def filter_sector(self, queryset, name, codes):
        # A section's code maps to itself and every division under it.
        return queryset.filter(exists_in(SectorLink, sector_id__in=ids_for(Sector, codes)))

    def filter_country(self, queryset, name, codes):
        regions = ids_for(Region, [f"country:{code}" for code in codes])
        return queryset.filter(
            exists_in(RegionLink, region_id__in=regions) | exists_in(CountryLink, country_id__in=codes)
        )

    def filter_party_country(self, queryset, name, codes):
        return queryset.filter(exists_in(AgreementParty, party__country_id__in=codes))

    def filter_party(self, queryset, name, slugs):
        return queryset.filter(exists_in(AgreementParty, party__slug__in=slugs))

    def filter_forum(self, queryset, name, slugs):
        return queryset.filter(forum__slug__in=slugs)

    def filter_search(self, queryset, name, value):
        return apply_search(queryset, value) if value.strip() else queryset

    def filter_sort(self, queryset, name, value):
        # Applied in filter_queryset() after every other filter, since relevance needs the search.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*self.ordering())

    @property
    def sort_key(self) -> str:
        data = getattr(self.form, "cleaned_data", {})
        chosen = data.get("sort") or ""
        searching = bool((data.get("q") or "").strip())
        if chosen == "relevance" and not searching:
            chosen = ""
        return chosen or ("relevance" if searching else DEFAULT_SORT)

    def ordering(self) -> tuple:
        key = self.sort_key
        if key == "relevance":
            return ("-search_rank", "pk")
        return SORTS[key]

    def queryset_only(self, names):
        """The agreements matching just the named active filters, unordered (listing/facets.py counts
        the rest)."""
        queryset = self.queryset.all()
        for name in names:
            queryset = self.filters[name].filter(queryset, self.form.cleaned_data[name])
        return queryset.order_by()

    def active_params(self) -> dict:
        """The valid, non-empty parameters, as the URL should carry them."""
        data = getattr(self.form, "cleaned_data", {})
        active = {}
        for name, value in data.items():
            if value in (None, "", []):
                continue
            if name in ("signed_from", "signed_to"):
                value = value.isoformat()
            active[name] = value
        return active


def public_filterset(data, **kwargs) -> AgreementFilter:
    return AgreementFilter(data, queryset=Agreement.objects.public(), **kwargs)
