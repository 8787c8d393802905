"""Public exports of exactly the filtered list: XLSX, CSV and JSON, streamed at any size.

The rows are the listing's FilterSet queryset, read in one query a chunk at a time (each
row's linked parties, regions, countries and sectors come as keys from subqueries) and written as
they arrive, so memory does not grow with the number of rows. The columns are
for readers — labels, names and links — and are defined once here for all three formats; the
staff's re-importable spreadsheet columns are the Resources in resources.py.
"""

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.backend import CHUNK_SIZE, ordered_keys, planned_without_jit, streamed
from agreements.models import Agreement, AgreementParty, Country, Party, Region, Sector, localized_column
from agreements.public.downloads import xlsx
from agreements.public.downloads.xlsx import Sheet, stream_xlsx
from agreements.public.filters import AgreementFilter, CountryLink, RegionLink, SectorLink

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_STARTS = frozenset("=+-@\t\r")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    # How the staff import (resources.AgreementResource) reads the column back: the Resource field it
    # fills (the Russian header is that field's column name, tests/backoffice/test_import_public_export.py
    # checks), RECORD_LINK (the record's address: it finds the record), or None (a value the site
    # derives: ignored, with a note on the import's preview).
    imports: str | None
    # Dates, amounts and the site's own links cannot start with a formula character; every other
    # cell is checked in a CSV (see csv_safe).
    app_built: bool = False
    # In XLSX: "link" (an http(s) address becomes a hyperlink) or "amount" (thousands separators).
    xlsx: str = ""


RECORD_LINK = "link"


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
        self.name = localized_column()  # Kazakh: the Russian name where no Kazakh one is known
        self.country_name = localized_column("country__")


COLUMNS = [
    Column("url", gettext_lazy("Ссылка"), 45, RECORD_LINK, app_built=True, xlsx="link"),
    Column("title", gettext_lazy("Название"), 60, "title"),
    Column("kind", gettext_lazy("Вид документа"), 28, "kind"),
    Column("status", gettext_lazy("Статус"), 16, "status"),
    Column("signed_on", gettext_lazy("Дата подписания"), 14, "signed_on", app_built=True),
    Column("forum", gettext_lazy("Форум"), 40, "forum"),
    Column("parties", gettext_lazy("Стороны"), 70, "parties"),
    Column("regions", gettext_lazy("Регионы реализации"), 40, "regions"),
    Column("countries", gettext_lazy("Страны реализации"), 24, "countries"),
    Column("sectors", gettext_lazy("Отрасли (NACE Rev.2)"), 45, "sectors"),
    # The currency in the column beside the amount: records of one export hold different currencies.
    Column("amount", gettext_lazy("Сумма"), 16, "amount", app_built=True, xlsx="amount"),
    Column("currency", gettext_lazy("Валюта"), 9, "currency"),
    Column("subject", gettext_lazy("Предмет"), 70, "subject"),
    # The record's own source link, else its source's: not the Resource's «Источник» (a source's slug).
    Column("source", gettext_lazy("Источник (ссылка)"), 45, None, xlsx="link"),
]


class PartyLabels(dict):
    """'party id:role' → the party's display with its country and role, made on first use."""

    def __init__(self, context: Context):
        super().__init__({"": ""})
        self.roles = context.roles
        self.parties = {
            str(pk): f"{f'{form} «{party}»' if form else party} ({country or context.international}"
            for pk, party, form, country in Party.objects.values_list(
                "pk", "name", "legal_form", context.country_name
            ).iterator(chunk_size=CHUNK_SIZE)
        }  # 20,000 parties in the demo data: ~50 ms and a few MB

    def __missing__(self, key: str) -> str:
        party, role = key.split(":")
        label = self[key] = f"{self.parties[party]}, {self.roles.get(role, role)})"
        return label


def reference_labels(model, name) -> dict[str, str]:
    """Region and sector ``code name``, country names, by key as text ('' for no key)."""
    if model is Country:
        return {"": "", **dict(Country.objects.values_list("pk", name))}
    return {
        "": "",
        **{str(pk): f"{code} {text}" for pk, code, text in model.objects.values_list("pk", "code", name)},
    }


def link_keys(model, key: str, order: str) -> RawSQL:
    """The agreement's ``key`` in ``model``'s rows, in ``order``, as one comma-separated text.

    The rows then come in one streaming query; reading the links per chunk of 2,000 ids took half
    of a 100,000-row export on PostgreSQL, and joining the names here made each row's subquery
    slower than looking them up in Python."""
    agreement = f"{connection.ops.quote_name(Agreement._meta.db_table)}.id"
    return ordered_keys(model._meta.db_table, key, order, agreement)


LINK_KEYS = {
    "party_keys": (AgreementParty, "party_id || ':' || role", '"order", id'),  # "order" is reserved
    "region_keys": (RegionLink, "region_id", "region_id"),
    "country_keys": (CountryLink, "country_id", "country_id"),
    "sector_keys": (SectorLink, "sector_id", "sector_id"),
}
RECORD_FIELDS = (
    "slug",
    "title",
    "kind",
    "status",
    "signed_on",
    "forum__title",
    *LINK_KEYS,
    "amount",
    "currency",
    "subject",
    "source_url",
    "source__url",
    "source__slug",
)


def names(keys: str, labels: dict) -> str:
    if "," not in keys:  # one link or none, as most agreements have
        return labels[keys]
    return "; ".join([labels[key] for key in keys.split(",")])


def rows(filterset: AgreementFilter, base_url: str) -> Iterator[tuple]:
    """The cells of ``COLUMNS``, a tuple per agreement: the listing's rows in its order, read in one
    query a chunk at a time, so memory does not grow with the number of rows."""
    context = Context(base_url)
    detail, source = base_url + context.detail_prefix, base_url + context.source_prefix
    kinds, statuses = context.kinds, context.statuses
    parties = PartyLabels(context)
    regions, countries, sectors = (reference_labels(m, context.name) for m in (Region, Country, Sector))
    keys = {name: link_keys(*spec) for name, spec in LINK_KEYS.items()}
    records = filterset.qs.annotate(**keys).values_list(*RECORD_FIELDS)
    with planned_without_jit():
        for (
            slug,
            title,
            kind,
            status,
            signed_on,
            forum,
            party_keys,
            region_keys,
            country_keys,
            sector_keys,
            amount,
            currency,
            subject,
            own_link,
            source_link,
            source_slug,
        ) in streamed(records):
            yield (
                f"{detail}{slug}/",
                title,
                kinds.get(kind, kind),
                statuses.get(status, status),
                signed_on,
                forum or "",
                names(party_keys, parties),
                names(region_keys, regions),
                names(country_keys, countries),
                names(sector_keys, sectors),
                amount,
                currency,
                subject,
                own_link or source_link or (f"{source}{source_slug}/" if source_slug else ""),
            )


def fetching(records: Iterator[tuple]) -> Iterator[tuple]:
    """The rows, the query already run and its first row read: a search or a database that fails
    does so here, before the response has started, as a 400 or a 503 rather than a cut-off file."""
    return Fetched(iter(records))


class Fetched:
    """An iterator whose first item is read at once; closing it closes the source (an unstarted
    generator's close would not, leaving the query's cursor open)."""

    def __init__(self, source: Iterator):
        self.source = source
        self.first = [next(source, None)]
        if self.first[0] is None:
            self.first.clear()

    def __iter__(self):
        return self

    def __next__(self):
        if self.first:
            return self.first.pop()
        return next(self.source)

    def close(self) -> None:
        close = getattr(self.source, "close", None)
        if close is not None:
            close()


class Stream:
    """An export's chunks in the request's language (they are consumed after the view and its
    middleware have returned, when the thread's language is no longer the request's). Closing it,
    as the server does when the download ends or the client goes away, closes the writer and the
    rows' query too: a writer generator that never started would not pass its close() on."""

    def __init__(self, chunks: Iterator, records: Fetched, language: str):
        self.chunks, self.records, self.language = chunks, records, language

    def __iter__(self):
        return self

    def __next__(self):
        with translation.override(self.language):
            return next(self.chunks)

    def close(self) -> None:
        try:
            self.chunks.close()
        finally:
            self.records.close()


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


def columns_for(kind: str) -> tuple[int, ...]:
    return tuple(index for index, column in enumerate(COLUMNS) if column.xlsx == kind)


def xlsx_stream(records, filterset, params, listing_url) -> Iterator[bytes]:
    agreements = Sheet(
        _("Соглашения"),
        headers(),
        records,
        widths=[c.width for c in COLUMNS],
        link_columns=columns_for("link"),
        amount_columns=columns_for("amount"),
    )

    def described():
        yield from filter_description(filterset, params, listing_url)
        if agreements.links_dropped:  # known by now: this sheet is written after the first
            yield [
                _("Ссылки"),
                _("Адресов, оставленных текстом (Excel держит не больше %(n)s ссылок на лист): %(dropped)s")
                % {
                    "n": number_format(xlsx.MAX_LINKS, force_grouping=True),
                    "dropped": number_format(agreements.links_dropped, force_grouping=True),
                },
            ]

    description = Sheet(
        _("Фильтр"), [_("Параметр"), _("Значение")], described(), widths=[30, 80], link_columns=(1,)
    )
    return stream_xlsx([agreements, description], timezone.now())


def csv_safe(value) -> str:
    """Excel runs a CSV cell starting with = + - @ as a formula; a leading apostrophe makes it text."""
    if value.__class__ is str:
        return "'" + value if value and value[0] in FORMULA_STARTS else value
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Lines(list):
    write = list.append


#: ``?sep=`` of the CSV export: the comma (the default) or, for Excel with Russian regional settings,
#: the semicolon. Excel there splits a CSV on «;» and reads «1500000,50» as a number, so that
#: variant also writes amounts with a decimal comma.
CSV_SEPARATORS = {",": ",", "comma": ",", ";": ";", "semicolon": ";"}


def csv_separator(values: list[str]) -> str | None:
    """The separator ``?sep=`` asks for (a comma without it), or ``None`` for anything else."""
    if not values:
        return ","
    if len(values) > 1:
        return None
    return CSV_SEPARATORS.get(values[0].strip().lower())


def decimal_comma(value) -> str:
    return "" if value is None else format(value, "f").replace(".", ",")


def csv_stream(records, separator: str = ",") -> Iterator[str]:
    lines = _Lines()
    writer = csv.writer(lines, delimiter=separator)
    amount = next(index for index, column in enumerate(COLUMNS) if column.key == "amount")
    writer.writerow(headers())
    # UTF-8 with a byte order mark: Excel then opens Cyrillic correctly.
    yield "\ufeff" + lines.pop()
    checked = [index for index, column in enumerate(COLUMNS) if not column.app_built]
    for values in records:
        values = list(values)
        for index in checked:
            values[index] = csv_safe(values[index])
        if separator == ";":
            values[amount] = decimal_comma(values[amount])
        writer.writerow(values)
        if len(lines) >= 500:
            yield "".join(lines)
            lines.clear()
    yield "".join(lines)


def json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    if value is not None and not isinstance(value, str | int | float):
        return str(value)  # Decimal amounts keep their exact digits
    return value


def json_stream(records, filterset, params, listing_url) -> Iterator[str]:
    described = {row[0]: row[1] for row in filter_description(filterset, params, listing_url)}
    yield '{"filter": ' + json.dumps({"params": params, "description": described}, ensure_ascii=False)
    yield ', "columns": ' + json.dumps({c.key: str(c.header) for c in COLUMNS}, ensure_ascii=False)
    yield ', "results": ['
    separator = ""
    for values in records:
        record = {column.key: json_value(value) for column, value in zip(COLUMNS, values, strict=True)}
        yield separator + json.dumps(record, ensure_ascii=False)
        separator = ","
    yield "]}"


def stream(
    extension: str,
    filterset,
    params: dict,
    base_url: str,
    listing_url: str,
    language: str,
    separator: str = ",",
) -> Stream:
    """The export's chunks. The query has run and its first row is read when this returns (it raises
    DatabaseError otherwise); a failure later raises out of the stream, so the server drops the
    connection without the final chunk and the client sees an error, not a complete-looking file."""
    records = fetching(rows(filterset, base_url))
    if extension == "xlsx":
        chunks = xlsx_stream(records, filterset, params, listing_url)
    elif extension == "csv":
        chunks = csv_stream(records, separator)
    else:
        chunks = json_stream(records, filterset, params, listing_url)
    return Stream(chunks, records, language)
