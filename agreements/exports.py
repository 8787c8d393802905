"""Public exports of exactly the filtered list: XLSX, CSV and JSON, streamed at any size.

The rows are the listing's FilterSet queryset, read with a chunked iterator (prefetches run per
chunk) and written as they arrive, so memory does not grow with the number of rows. The columns are
for readers — labels, names and links — and are defined once here for all three formats; the
staff's re-importable spreadsheet columns are the Resources in resources.py.
"""

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .filters import AgreementFilter, CountryLink, RegionLink, SectorLink
from .models import Agreement, AgreementParty, Country, Party, Region, Sector
from .xlsx import Sheet, stream_xlsx

CHUNK_SIZE = 2000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_STARTS = frozenset("=+-@\t\r")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    value: Callable  # (agreement, Context) -> cell value


class Context:
    """Per-export constants: choice labels translated once (``get_FOO_display()`` per row re-hashes
    every lazy label), the language's name columns, and the site's base URL."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.kinds = {value: str(label) for value, label in Agreement.Kind.choices}
        self.statuses = {value: str(label) for value, label in Agreement.Status.choices}
        self.roles = {value: str(label) for value, label in AgreementParty.Role.choices}
        self.international = _("международная организация")
        self.detail_prefix = reverse("agreement_list")  # /agreements/ or /en/agreements/
        self.source_prefix = reverse("source_detail", args=["-"]).removesuffix("-/")
        self.name = "name_en" if (translation.get_language() or "ru").startswith("en") else "name_ru"


def joined(items) -> str:
    return "; ".join(items)


def source_link(row: dict, context: Context) -> str:
    if row["source_url"] or row["source__url"]:
        return row["source_url"] or row["source__url"]
    return f"{context.base_url}{context.source_prefix}{row['source__slug']}/" if row["source__slug"] else ""


COLUMNS = [
    Column("url", gettext_lazy("Ссылка"), 45, lambda r, c: f"{c.base_url}{c.detail_prefix}{r['slug']}/"),
    Column("title", gettext_lazy("Название"), 60, lambda r, c: r["title"]),
    Column("kind", gettext_lazy("Вид документа"), 28, lambda r, c: c.kinds.get(r["kind"], r["kind"])),
    Column("status", gettext_lazy("Статус"), 16, lambda r, c: c.statuses.get(r["status"], r["status"])),
    Column("signed_on", gettext_lazy("Дата подписания"), 14, lambda r, c: r["signed_on"]),
    Column("forum", gettext_lazy("Форум"), 40, lambda r, c: r["forum__title"] or ""),
    Column("parties", gettext_lazy("Стороны"), 70, lambda r, c: joined(r["parties"])),
    Column("regions", gettext_lazy("Регионы реализации"), 40, lambda r, c: joined(r["regions"])),
    Column("countries", gettext_lazy("Страны реализации"), 24, lambda r, c: joined(r["countries"])),
    Column("sectors", gettext_lazy("Отрасли (NACE Rev.2)"), 45, lambda r, c: joined(r["sectors"])),
    Column("amount", gettext_lazy("Сумма"), 16, lambda r, c: r["amount"]),
    Column("currency", gettext_lazy("Валюта"), 9, lambda r, c: r["currency"]),
    Column("subject", gettext_lazy("Предмет"), 70, lambda r, c: r["subject"]),
    Column("source", gettext_lazy("Источник"), 45, source_link),
]

ROW_FIELDS = (
    "pk",
    "slug",
    "title",
    "kind",
    "status",
    "signed_on",
    "forum__title",
    "amount",
    "currency",
    "subject",
    "source_url",
    "source__url",
    "source__slug",
)


def chunks(filterset: AgreementFilter) -> Iterator[list[dict]]:
    """The filtered rows as plain dicts, ``CHUNK_SIZE`` at a time, read through a server-side cursor."""
    chunk = []
    for row in filterset.qs.values(*ROW_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        chunk.append(row)
        if len(chunk) >= CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def select(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def reference_names(context: Context) -> dict:
    """Region, sector and country names by id, in the export's language: reference data, read once."""
    name = context.name
    return {
        "regions": {
            pk: f"{code} {label}" for pk, code, label in Region.objects.values_list("pk", "code", name)
        },
        "sectors": {
            pk: f"{code} {label}" for pk, code, label in Sector.objects.values_list("pk", "code", name)
        },
        "countries": dict(Country.objects.values_list("pk", name)),
    }


def related_texts(chunk: list[dict], context: Context, names: dict) -> None:
    """Parties, regions, countries and sectors of one chunk: four plain queries, no model instances.

    Plain SQL because preparing ``IN (2,000 ids)`` through the ORM, four times a chunk, took a third
    of a 100,000-row export."""
    ids = [row["pk"] for row in chunk]
    by_id = {row["pk"]: row for row in chunk}
    for row in chunk:
        row.update(parties=[], regions=[], countries=[], sectors=[])
    marks = ", ".join(["%s"] * len(ids))
    party, country = Party._meta.db_table, Country._meta.db_table
    order = connection.ops.quote_name("order")  # a reserved word
    parties = select(
        f"SELECT l.agreement_id, p.name, p.legal_form, c.{context.name}, l.role "  # noqa: S608 - names from metadata
        f"FROM {AgreementParty._meta.db_table} l JOIN {party} p ON p.id = l.party_id "
        f"LEFT JOIN {country} c ON c.code = p.country_id "
        f"WHERE l.agreement_id IN ({marks}) ORDER BY l.agreement_id, l.{order}, l.id",
        ids,
    )
    for agreement_id, party_name, legal_form, country_name, role in parties:
        display = f"{legal_form} «{party_name}»" if legal_form else party_name
        by_id[agreement_id]["parties"].append(
            f"{display} ({country_name or context.international}, {context.roles.get(role, role)})"
        )
    for key, model, column in (
        ("regions", RegionLink, "region_id"),
        ("countries", CountryLink, "country_id"),
        ("sectors", SectorLink, "sector_id"),
    ):
        links = select(
            f"SELECT agreement_id, {column} FROM {model._meta.db_table} "  # noqa: S608 - names from metadata
            f"WHERE agreement_id IN ({marks}) ORDER BY agreement_id, {column}",
            ids,
        )
        labels = names[key]
        for agreement_id, target in links:
            by_id[agreement_id][key].append(labels.get(target, str(target)))


def rows(filterset: AgreementFilter, base_url: str) -> Iterator[list]:
    context = Context(base_url)
    names = reference_names(context)
    for chunk in chunks(filterset):
        related_texts(chunk, context, names)
        for row in chunk:
            yield [column.value(row, context) for column in COLUMNS]


def in_language(language: str, chunks: Iterator) -> Iterator:
    """Run a stream in the request's language: it is consumed after the view (and its middleware)
    has returned, when the thread's active language is no longer the request's."""
    with translation.override(language):
        yield from chunks


def headers() -> list[str]:
    return [str(column.header) for column in COLUMNS]


def file_name(params: dict, extension: str, today: date) -> str:
    """``agreements_KZ-31_C_2026-11-25.xlsx``: the codes filtered on, ASCII only, then the date."""
    parts = ["agreements"]
    for name in ("region", "sector", "country", "party_country", "party", "forum", "kind", "status"):
        parts += params.get(name, [])
    if params.get("q"):
        parts.append("search")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", "_".join(parts))[:120].strip("-_")
    return f"{stem}_{today.isoformat()}.{extension}"


def filter_description(filterset: AgreementFilter, params: dict, listing_url: str) -> list[list]:
    """The second sheet (and the JSON's "filter"): what was asked for, when, and where to see it."""
    described = [
        [_("Выгрузка"), _("Реестр соглашений Казахстан–Россия")],
        [_("Дата выгрузки"), timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")],
        [_("Список на сайте"), listing_url],
    ]
    for name, value in params.items():
        label = str(filterset.filters[name].label)
        described.append([f"{label} ({name})", ", ".join(value) if isinstance(value, list) else str(value)])
    if not params:
        described.append([_("Фильтры"), _("нет: все опубликованные соглашения")])
    return described


def xlsx_stream(filterset, params, base_url, listing_url) -> Iterator[bytes]:
    sheets = [
        Sheet(_("Соглашения"), headers(), rows(filterset, base_url), widths=[c.width for c in COLUMNS]),
        Sheet(
            _("Фильтр"),
            [_("Параметр"), _("Значение")],
            filter_description(filterset, params, listing_url),
            widths=[30, 80],
        ),
    ]
    return stream_xlsx(sheets, timezone.now())


def csv_safe(value) -> str:
    """Excel runs a CSV cell starting with = + - @ as a formula; a leading apostrophe makes it text."""
    if value.__class__ is str:
        return "'" + value if value and value[0] in FORMULA_STARTS else value
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Line:
    def write(self, value):
        return value


def csv_stream(filterset, base_url) -> Iterator[str]:
    writer = csv.writer(_Line())
    # UTF-8 with a byte order mark: Excel then opens Cyrillic correctly.
    yield "\ufeff" + writer.writerow(headers())
    batch = []
    for values in rows(filterset, base_url):
        batch.append(writer.writerow([csv_safe(v) for v in values]))
        if len(batch) >= 500:
            yield "".join(batch)
            batch = []
    yield "".join(batch)


def json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    if value is not None and not isinstance(value, str | int | float):
        return str(value)  # Decimal amounts keep their exact digits
    return value


def json_stream(filterset, params, base_url, listing_url) -> Iterator[str]:
    described = {row[0]: row[1] for row in filter_description(filterset, params, listing_url)}
    yield '{"filter": ' + json.dumps({"params": params, "description": described}, ensure_ascii=False)
    yield ', "columns": ' + json.dumps({c.key: str(c.header) for c in COLUMNS}, ensure_ascii=False)
    yield ', "results": ['
    separator = ""
    for values in rows(filterset, base_url):
        record = {column.key: json_value(value) for column, value in zip(COLUMNS, values, strict=True)}
        yield separator + json.dumps(record, ensure_ascii=False)
        separator = ","
    yield "]}"
