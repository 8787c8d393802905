"""Bulk open data: /data/datapackage.json (a Frictionless Data Package v1) and its CSV files (issue #16).

Each resource is declared once, below, as its columns (name, Table Schema type, description, where
the value comes from): the descriptor's schemas and the CSV writers are both made from that
declaration, so a column cannot be in one and not the other.

Published agreements only; parties and forums through them (``public()``); regions and sectors are
reference data, all of them, so that every code the other files use resolves. Values are written as
stored (codes, not labels; no spreadsheet escaping, unlike /agreements/export.csv): the files are for
programs, the exports for people.
"""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from agreements.models import Agreement, AgreementParty, Forum, ForumFigure, Party, Region, Sector
from agreements.public.downloads import throttle
from agreements.public.downloads.exports import CHUNK_SIZE, LINK_KEYS, Stream, fetching, link_keys

LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
LIST_SEPARATOR = ";"


def choices(text_choices) -> dict:
    return {"enum": [value for value, _label in text_choices.choices]}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Table Schema type: string, integer, number, boolean, date, datetime
    description: str
    source: str = ""  # the values_list() lookup; the column's name when empty
    constraints: dict = field(default_factory=dict)
    # A value from the row's stored one, given the request's context (e.g. a slug → its page's URL).
    convert: Callable | None = None

    @property
    def lookup(self) -> str:
        return self.source or self.name

    def schema(self) -> dict:
        described = {"name": self.name, "type": self.type, "description": self.description}
        if self.type == "datetime":
            described["format"] = "%Y-%m-%dT%H:%M:%SZ"  # UTC, as written by cell()
        if self.constraints:
            described["constraints"] = self.constraints
        return described


@dataclass(frozen=True)
class Resource:
    name: str
    title: str
    description: str
    columns: list[Column]
    queryset: Callable[[], QuerySet]
    primary_key: list[str]
    foreign_keys: list[dict] = field(default_factory=list)

    def descriptor(self) -> dict:
        schema = {
            "fields": [column.schema() for column in self.columns],
            "missingValues": [""],
            "primaryKey": self.primary_key,
        }
        if self.foreign_keys:
            schema["foreignKeys"] = self.foreign_keys
        return {
            "name": self.name,
            "path": f"{self.name}.csv",
            "profile": "tabular-data-resource",
            "title": self.title,
            "description": self.description,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": schema,
        }

    def rows(self, context: "Context") -> Iterator[list]:
        """The cells of ``columns``, a list per row, read a chunk at a time."""
        converters = [(index, c.convert) for index, c in enumerate(self.columns) if c.convert]
        records = self.queryset().values_list(*(column.lookup for column in self.columns))
        for record in records.iterator(chunk_size=CHUNK_SIZE):
            values = list(record)
            for index, convert in converters:
                values[index] = convert(values[index], context)
            yield values


class Context:
    """Per-request constants: the site's address and, when a file needs them, reference codes by id."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        # /data/ has no language prefix, so reverse() would follow the reader's Accept-Language: the
        # files name each record by its Russian URL, the stable one the site cites.
        with translation.override(settings.LANGUAGE_CODE):
            self.agreement_prefix = base_url + reverse("agreement_list")
        self._codes = {}

    def codes(self, model) -> dict[str, str]:
        if model not in self._codes:
            self._codes[model] = {str(pk): code for pk, code in model.objects.values_list("pk", "code")}
        return self._codes[model]


def key_list(model):
    """Comma-separated ids (exports.link_keys) → the codes they stand for, ``;``-separated."""

    def convert(keys: str, context: Context) -> str:
        if not keys:
            return ""
        if model is None:  # countries are keyed by their code already
            return keys.replace(",", LIST_SEPARATOR)
        codes = context.codes(model)
        return LIST_SEPARATOR.join(codes[key] for key in keys.split(","))

    return convert


def agreement_url(slug: str, context: Context) -> str:
    return f"{context.agreement_prefix}{slug}/"


def agreements() -> QuerySet:
    keys = {name: link_keys(*LINK_KEYS[name]) for name in ("region_keys", "country_keys", "sector_keys")}
    return Agreement.objects.public().annotate(**keys).order_by("pk")


def forum_figures() -> QuerySet:
    return ForumFigure.objects.filter(forum__in=Forum.objects.public()).order_by("forum__slug", "key")


def agreement_links() -> QuerySet:
    return AgreementParty.objects.filter(agreement__is_published=True).order_by(
        "agreement__slug", "order", "pk"
    )


CODES = "Codes separated by ';'"
RESOURCES = [
    Resource(
        name="agreements",
        title="Agreements",
        description="Published agreements, memoranda and deals, one row each.",
        queryset=agreements,
        primary_key=["slug"],
        foreign_keys=[{"fields": "forum", "reference": {"resource": "forums", "fields": "slug"}}],
        columns=[
            Column(
                "slug",
                "string",
                "Stable identifier; the record's page is /agreements/<slug>/.",
                constraints={"required": True, "unique": True},
            ),
            Column("url", "string", "The record's page.", source="slug", convert=agreement_url),
            Column("title", "string", "Kind of document and parties, as the registry names it."),
            Column("kind", "string", "Kind of document.", constraints=choices(Agreement.Kind)),
            Column(
                "status",
                "string",
                "Current status (the latest step of its timeline).",
                constraints=choices(Agreement.Status),
            ),
            Column("signed_on", "date", "Date signed; empty when the source gives none."),
            Column(
                "forum",
                "string",
                "The forum's slug (forums.csv); empty if signed outside a forum.",
                source="forum__slug",
            ),
            Column("amount", "number", "Amount of this document, when the source names it."),
            Column("currency", "string", "ISO 4217 code of the amount."),
            Column("subject", "string", "What the document is about."),
            Column(
                "region_codes",
                "string",
                f"{CODES}: ISO 3166-2 regions of implementation (regions.csv).",
                source="region_keys",
                convert=key_list(Region),
            ),
            Column(
                "country_codes",
                "string",
                f"{CODES}: ISO 3166-1 countries of implementation, when the "
                "source names countries rather than regions.",
                source="country_keys",
                convert=key_list(None),
            ),
            Column(
                "sector_codes",
                "string",
                f"{CODES}: NACE Rev.2 sections or divisions (sectors.csv).",
                source="sector_keys",
                convert=key_list(Sector),
            ),
            Column("source_url", "string", "The publication the record comes from.", source="source_url"),
            Column(
                "source_publication_url",
                "string",
                "The source's own address, when the record has none.",
                source="source__url",
            ),
            Column("source_quote", "string", "The source's words, verbatim, typos included."),
            Column("created", "datetime", "When the record was added (UTC)."),
            Column("updated", "datetime", "When the record last changed (UTC)."),
        ],
    ),
    Resource(
        name="parties",
        title="Parties",
        description="Organisations that are parties to at least one published agreement.",
        queryset=lambda: Party.objects.public().order_by("pk"),
        primary_key=["slug"],
        foreign_keys=[{"fields": "home_region", "reference": {"resource": "regions", "fields": "code"}}],
        columns=[
            Column(
                "slug",
                "string",
                "Stable identifier; the page is /parties/<slug>/.",
                constraints={"required": True, "unique": True},
            ),
            Column("name", "string", "Full name, without its legal form."),
            Column("short_name", "string", "Abbreviation, e.g. ЕАБР."),
            Column(
                "legal_form", "string", "Legal form (АО, ТОО, ООО…).", constraints=choices(Party.LegalForm)
            ),
            Column("kind", "string", "Kind of organisation.", constraints=choices(Party.Kind)),
            Column(
                "country",
                "string",
                "ISO 3166-1 code of the country of registration; empty for international organisations.",
                source="country_id",
            ),
            Column(
                "home_region",
                "string",
                "ISO 3166-2 code of its region (regions.csv).",
                source="home_region__code",
            ),
            Column("website", "string", "Its website."),
            Column("updated", "datetime", "When the record last changed (UTC)."),
        ],
    ),
    Resource(
        name="agreement_parties",
        title="Parties of agreements",
        description="Which party signed which published agreement, in what role and order.",
        queryset=agreement_links,
        primary_key=["agreement", "party"],
        foreign_keys=[
            {"fields": "agreement", "reference": {"resource": "agreements", "fields": "slug"}},
            {"fields": "party", "reference": {"resource": "parties", "fields": "slug"}},
        ],
        columns=[
            Column(
                "agreement",
                "string",
                "The agreement's slug (agreements.csv).",
                source="agreement__slug",
                constraints={"required": True},
            ),
            Column(
                "party",
                "string",
                "The party's slug (parties.csv).",
                source="party__slug",
                constraints={"required": True},
            ),
            Column("role", "string", "The party's role.", constraints=choices(AgreementParty.Role)),
            Column("order", "integer", "Position among the agreement's parties, as the source lists them."),
        ],
    ),
    Resource(
        name="regions",
        title="Regions",
        description="Regions of Kazakhstan and Russia (ISO 3166-2), all of them: reference data.",
        queryset=lambda: Region.objects.order_by("code"),
        primary_key=["code"],
        columns=[
            Column(
                "code",
                "string",
                "ISO 3166-2 code, e.g. KZ-31.",
                constraints={"required": True, "unique": True},
            ),
            Column("country", "string", "ISO 3166-1 code of its country.", source="country_id"),
            Column("name_ru", "string", "Name in Russian."),
            Column("name_en", "string", "Name in English."),
            Column("name_kk", "string", "Name in Kazakh, when known."),
            Column("kind", "string", "Kind of region.", constraints=choices(Region.Kind)),
        ],
    ),
    Resource(
        name="sectors",
        title="Sectors",
        description="NACE Rev.2 sections (a letter) and divisions (two digits), shared by OKED and OKVED2.",
        queryset=lambda: Sector.objects.order_by("code"),
        primary_key=["code"],
        foreign_keys=[{"fields": "parent", "reference": {"resource": "", "fields": "code"}}],
        columns=[
            Column(
                "code",
                "string",
                "NACE Rev.2 code: section C or division 21.",
                constraints={"required": True, "unique": True},
            ),
            Column(
                "parent",
                "string",
                "For a division, its section's code; empty for a section.",
                source="parent__code",
            ),
            Column("name_ru", "string", "Name in Russian."),
            Column("name_en", "string", "Name in English."),
        ],
    ),
    Resource(
        name="forums",
        title="Forums",
        description="Business forums with at least one published agreement.",
        queryset=lambda: Forum.objects.public().order_by("pk"),
        primary_key=["slug"],
        columns=[
            Column(
                "slug",
                "string",
                "Stable identifier; the page is /forums/<slug>/.",
                constraints={"required": True, "unique": True},
            ),
            Column("number", "string", "Its number in Roman numerals, e.g. XIII."),
            Column("title", "string", "Title."),
            Column("city", "string", "City."),
            Column("start_date", "date", "First day, when known."),
            Column("end_date", "date", "Last day, when known."),
            Column("theme", "string", "Theme."),
            Column("updated", "datetime", "When the record last changed (UTC)."),
        ],
    ),
    Resource(
        name="forum_figures",
        title="Forum figures",
        description="Numbers sources report about a forum (documents, amounts, trade), each with its source: "
        "sources disagree, so each is kept.",
        queryset=forum_figures,
        primary_key=["forum", "key"],
        foreign_keys=[{"fields": "forum", "reference": {"resource": "forums", "fields": "slug"}}],
        columns=[
            Column(
                "forum",
                "string",
                "The forum's slug (forums.csv).",
                source="forum__slug",
                constraints={"required": True},
            ),
            Column("key", "string", "The figure's key within its forum.", constraints={"required": True}),
            Column("metric", "string", "What is counted.", constraints=choices(ForumFigure.Metric)),
            Column("label", "string", "What exactly, in the source's terms."),
            Column("value", "number", "The number."),
            Column("unit", "string", "ISO 4217 currency or a unit (documents, companies)."),
            Column("period", "string", "Period it covers, e.g. 2015."),
            Column("is_approximate", "boolean", "Whether the source gives it as approximate."),
            Column("source_url", "string", "Where it was reported."),
            Column("source_publication_url", "string", "The source's own address.", source="source__url"),
            Column("source_quote", "string", "The source's words, verbatim."),
            Column("reported_on", "date", "When it was reported."),
        ],
    ),
]
BY_NAME = {resource.name: resource for resource in RESOURCES}


def home_path() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return reverse("home")


def package(base_url: str) -> dict:
    return {
        "profile": "tabular-data-package",
        "name": "kz-ru-agreements-registry",
        "title": "Реестр соглашений Казахстан–Россия · Kazakhstan–Russia agreements registry",
        "description": "Bilateral business agreements signed by Kazakh and Russian authorities and companies "
        "at intergovernmental forums, each with its verbatim source quote. Published records only.",
        "homepage": base_url + home_path(),
        "licenses": [LICENSE],
        "created": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resources": [resource.descriptor() for resource in RESOURCES],
    }


def cell(value) -> str:
    """A value as Table Schema reads it by default: ISO dates, UTC datetimes, true/false."""
    if value is None:
        return ""
    if value.__class__ is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


class _Lines(list):
    write = list.append


def csv_chunks(resource: Resource, records: Iterator[list]) -> Iterator[str]:
    lines = _Lines()
    writer = csv.writer(lines, lineterminator="\r\n")
    writer.writerow([column.name for column in resource.columns])
    for values in records:
        writer.writerow([cell(value) for value in values])
        if len(lines) >= 500:
            yield "".join(lines)
            lines.clear()
    yield "".join(lines)


def base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_safe
def datapackage(request):
    response = JsonResponse(
        package(base_url(request)), json_dumps_params={"ensure_ascii": False, "indent": 1}
    )
    response["Access-Control-Allow-Origin"] = "*"  # open data: readable from any page's script
    return response


def refusal(message: str, status: int, retry_after: int | None = None) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@require_safe
def resource_csv(request, resource):
    """One resource, streamed as it is read. Like the exports, it takes one of the export slots (the
    agreements file costs what a full export does), and a database that is down is a 503 before the
    first byte."""
    if resource not in BY_NAME:
        raise Http404(_("Нет такого файла."))
    described = BY_NAME[resource]
    headers = {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'inline; filename="{described.name}.csv"',
        "X-Content-Type-Options": "nosniff",
        "Access-Control-Allow-Origin": "*",
    }
    if request.method == "HEAD":
        return HttpResponse(headers=headers)

    def open_stream():
        records = fetching(described.rows(Context(base_url(request))))
        return Stream(csv_chunks(described, records), records, translation.get_language())

    try:
        chunks = throttle.stream_in_slot(request, open_stream)
    except throttle.Refused as refused:
        return refusal(refused.message, refused.status, refused.retry_after)
    return StreamingHttpResponse(chunks, headers=headers)
