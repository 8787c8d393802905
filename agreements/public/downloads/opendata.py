"""Bulk open data: /data/datapackage.json (a Frictionless Data Package v1) and its CSV files (issue #16).

This module serves them: the descriptor and each file, streamed. Each resource is declared once, in
opendata_resources.py, as its columns (name, Table Schema type, description, where the value comes
from; opendata_schema.py): the descriptor's schemas and the CSV writers are both made from that
declaration, so a column cannot be in one and not the other.

Published agreements only; parties and forums through them (``public()``); regions and sectors are
reference data, all of them, so that every code the other files use resolves. Values are written as
stored (codes, not labels; no spreadsheet escaping, unlike /agreements/export.csv): the files are for
programs, the exports for people.
"""

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from agreements.public.downloads import throttle
from agreements.public.downloads.opendata_resources import BY_NAME, RESOURCES
from agreements.public.downloads.opendata_schema import Context, Resource
from agreements.public.downloads.streaming import Stream, fetching

LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}


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
