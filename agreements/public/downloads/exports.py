"""Public exports of exactly the filtered list: XLSX, CSV and JSON, streamed at any size.

This module reads the rows: the listing's FilterSet queryset, in one query a chunk at a time (each
row's linked parties, regions, countries and sectors come as keys from subqueries), as the cells of
the columns (columns.py); the writers (writers.py) write them as they arrive, so memory does not
grow with the number of rows, and streaming.py hands their chunks to the server.
"""

import re
from collections.abc import Iterator
from datetime import date

from django.db import connection
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.translation import gettext as _

from agreements.backend import CHUNK_SIZE, ordered_keys, planned_without_jit, streamed
from agreements.models import Agreement, AgreementParty, Country, Party, Region, Sector, localized_column
from agreements.public.downloads.columns import COLUMNS, RECORD_LINK
from agreements.public.downloads.streaming import Stream, fetching
from agreements.public.downloads.writers import csv_separator, csv_stream, json_stream, xlsx_stream
from agreements.public.filters import AgreementFilter, CountryLink, RegionLink, SectorLink

# What the views, the open data and the staff import take from here.
__all__ = [
    "COLUMNS",
    "RECORD_LINK",
    "Stream",
    "csv_separator",
    "fetching",
    "file_name",
    "link_keys",
    "rows",
    "stream",
]


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


class PartyLabels(dict):
    """'party id:role' → the party's display with its country and role, composed for each link.

    Not kept once made: at 1,000,000 agreements the kept labels took the XLSX export to 238 MB above
    the idle worker, 64–92 MB without them, for 5–7 s more of string formatting (bench/RESULTS.md)."""

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
        return f"{self.parties[party]}, {self.roles.get(role, role)})"


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


def file_name(params: dict, extension: str, today: date) -> str:
    """``agreements_KZ-31_C_2026-11-25.xlsx``: the codes filtered on, ASCII only, then the date."""
    parts = ["agreements"]
    for name in AgreementFilter.base_filters:  # the list filters, in the links' order
        value = params.get(name)
        if isinstance(value, list):
            parts += value
    if params.get("q"):
        parts.append("search")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", "_".join(parts))[:120].strip("-_")
    return f"{stem}_{today.isoformat()}.{extension}"


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
