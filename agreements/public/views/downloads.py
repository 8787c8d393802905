"""Exactly the filtered list as a file: XLSX, CSV or JSON, streamed (downloads/exports.py writes it)."""

from django.db import DataError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from agreements.public import querystrings
from agreements.public.downloads import exports, throttle
from agreements.public.filters import public_filterset
from agreements.public.listing.caching import etag_from_data_version

EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


def export_refusal(request, message: str, status: int, retry_after: int | None = None) -> HttpResponse:
    """A readable refusal: the page for a browser, the text for a script (curl, a spreadsheet)."""
    if "text/html" in request.headers.get("Accept", ""):
        response = render(request, "429.html", {"message": message, "status": status}, status=status)
    else:
        response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@require_safe
@etag_from_data_version
def agreement_export(request, extension):
    """Exactly the filtered list (all pages, published only), streamed as it is read.

    Everything that can be refused is refused before the first byte (a bad filter 400, too many
    exports 429, no database 503); HEAD gets the headers alone, without reading a row."""
    separator = exports.csv_separator(request.GET.getlist("sep"))
    if separator is None:
        message = _("Запрос не понят: sep — «semicolon» (или «;») либо «comma» (или «,»), один раз.")
        return export_refusal(request, message, 400)
    if "sep" in request.GET and extension != "csv":
        return export_refusal(request, _("Запрос не понят: разделитель sep бывает только у CSV."), 400)
    filterset = public_filterset(request.GET)
    if not filterset.is_valid():
        problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in filterset.errors.items())
        return export_refusal(request, _("Запрос не понят: %(problems)s") % {"problems": problems}, 400)
    params = filterset.active_params()
    headers = {
        "Content-Type": EXPORT_TYPES[extension],
        "Content-Disposition": '{}; filename="{}"'.format(
            "inline" if extension == "json" else "attachment",
            exports.file_name(params, extension, timezone.localdate()),
        ),
        "X-Content-Type-Options": "nosniff",
    }
    if request.method == "HEAD":
        return HttpResponse(headers=headers)
    base_url = request.build_absolute_uri("/").rstrip("/")
    listing_url = base_url + reverse("agreement_list") + querystrings.encode(params).rstrip("?")
    try:
        content = throttle.stream_in_slot(
            request,
            lambda: exports.stream(
                extension, filterset, params, base_url, listing_url, get_language(), separator
            ),
        )
    except throttle.Refused as refused:
        return export_refusal(request, refused.message, refused.status, refused.retry_after)
    except DataError:  # e.g. a search with a character the database refuses
        return export_refusal(request, _("Запрос не понят: поиск содержит недопустимые символы."), 400)
    return StreamingHttpResponse(content, headers=headers)
