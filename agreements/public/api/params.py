"""The API's query parameters: the listing's FilterSet, declared for the schema from its own filters,
and the API's own (page, page_size, facets, lang), checked here with a message naming each.

The schema says what the server accepts, no more and no less, since Schemathesis sends it values the
schema forbids and fails the run when one is answered with 200: an empty value, which the HTML form
submits for a blank field, is accepted; surrounding spaces are stripped by the fields.
"""

import re

import django_filters
from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from agreements.public.filters import MAX_LENGTH, MAX_VALUES, AgreementFilter, CodeListFilter

MAX_PAGE_SIZE = 100
MAX_PAGE = 10**6
TRUE, FALSE = ("1", "true"), ("0", "false", "")
LANGUAGES = [code for code, _name in settings.LANGUAGES]

# The shapes CodeListField accepts before it looks the codes up (it upper- or lower-cases them first).
CODE_PATTERNS = {
    "region": r"[A-Za-z]{2}-[A-Za-z0-9]{1,3}",
    "sector": r"[A-Ua-u]|[A-Ua-u]?[0-9]{2}",
    "country": r"[A-Za-z]{2}",
    "party_country": r"[A-Za-z]{2}",
    "party": r"[-a-zA-Z0-9_]+",
    "forum": r"[-a-zA-Z0-9_]+",
}
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"


def optional(pattern: str) -> str:
    return rf"^\s*(?:{pattern})?\s*$"


def filter_parameter(name: str, spec) -> OpenApiParameter:
    """One FilterSet filter as an OpenAPI query parameter; a filter of a new kind fails loudly."""
    description = str(spec.label)
    if isinstance(spec, CodeListFilter):
        item = {"type": "string", "pattern": optional(CODE_PATTERNS[name]), "maxLength": MAX_LENGTH}
        return OpenApiParameter(
            name,
            {"type": "array", "items": item, "maxItems": MAX_VALUES},
            description=description + " (repeat the parameter: its values are ORed)",
            explode=True,
            style="form",
        )
    if isinstance(spec, django_filters.MultipleChoiceFilter):
        item = {"type": "string", "enum": [value for value, _label in spec.extra["choices"]]}
        return OpenApiParameter(
            name,
            {"type": "array", "items": item, "maxItems": MAX_VALUES},
            description=description,
            explode=True,
            style="form",
        )
    if isinstance(spec, django_filters.DateFilter):
        schema = {"type": "string", "pattern": optional(DATE_PATTERN)}
        return OpenApiParameter(name, schema, description=description + " (YYYY-MM-DD)")
    if isinstance(spec, django_filters.ChoiceFilter):
        choices = ["", *(value for value, _label in spec.extra["choices"])]
        return OpenApiParameter(name, {"type": "string", "enum": choices}, description=description)
    if isinstance(spec, django_filters.CharFilter):
        schema = {"type": "string", "maxLength": spec.extra.get("max_length", MAX_LENGTH)}
        return OpenApiParameter(name, schema, description=description)
    raise TypeError(f"agreements.public.api.params cannot describe filter {name!r} ({type(spec).__name__})")


def filter_parameters() -> list[OpenApiParameter]:
    return [filter_parameter(name, spec) for name, spec in AgreementFilter.base_filters.items()]


def lang_parameter() -> OpenApiParameter:
    return OpenApiParameter(
        "lang",
        {"type": "string", "enum": LANGUAGES},
        description="Language of labels and names; without it, Accept-Language; by default Russian.",
    )


def page_parameters() -> list[OpenApiParameter]:
    return [
        OpenApiParameter(
            "page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, description="1, 2, …"
        ),
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            description=f"Items per page, at most {MAX_PAGE_SIZE}.",
        ),
    ]


def facets_parameter() -> OpenApiParameter:
    return OpenApiParameter(
        "facets",
        {"type": "string", "enum": [*TRUE, *FALSE]},
        description="1: add the facet counts beside every filter option, as the listing page shows them.",
    )


STRICT_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


def single(query, name: str, errors: dict) -> str | None:
    values = query.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        errors[name] = [_("Укажите параметр один раз.")]
        return None
    return values[0]


def whole_number(query, name: str, default: int, maximum: int, errors: dict) -> int:
    raw = single(query, name, errors)
    if raw is None or name in errors:
        return default
    if not STRICT_NUMBER.fullmatch(raw) or int(raw) > maximum:
        errors[name] = [
            _("Нужно целое число от 1 до %(max)d; получено «%(value)s».")
            % {"max": maximum, "value": raw[:20].replace("\x00", "")}
        ]
        return default
    return int(raw)


def wants_facets(query, errors: dict) -> bool:
    raw = single(query, "facets", errors)
    if raw is None or "facets" in errors:
        return False
    if raw not in (*TRUE, *FALSE):
        errors["facets"] = [_("Нужно 1 или 0.")]
        return False
    return raw in TRUE


def path_parameter(name: str, pattern: str, example: str) -> OpenApiParameter:
    """A slug or code in the path; anything else is a JSON 404. The example is a seed record."""
    return OpenApiParameter(
        name,
        {"type": "string", "pattern": rf"^(?:{pattern})$"},
        location=OpenApiParameter.PATH,
        examples=[OpenApiExample(example, value=example)],
    )


def detail_parameters(name: str, pattern: str, example: str) -> list[OpenApiParameter]:
    return [path_parameter(name, pattern, example), lang_parameter()]
