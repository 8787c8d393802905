"""What every endpoint shares: the language it answers in, the ETag'd GET, pages and their links,
the error answers (a JSON 404 for any other /api/ address included) and their schemas.

Language: /api/ is not under i18n_patterns (one URL per record, whatever the language): ``?lang=``
chooses it, else Accept-Language, else Russian.
"""

import hashlib
import re
import time

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements.public.api import params
from agreements.public.api.plumbing import JsonOnly
from agreements.public.dataversion import data_version, is_behind, tracking_behind
from agreements.public.listing.caching import TTL

SLUG_PATTERN = r"[-a-zA-Z0-9_]{1,150}"
REGION_PATTERN = r"[A-Za-z]{2}-[A-Za-z0-9]{1,3}"
SECTOR_PATTERN = r"[A-Ua-u]|[0-9]{2}"
SLUG, REGION_CODE, SECTOR_CODE = (re.compile(p) for p in (SLUG_PATTERN, REGION_PATTERN, SECTOR_PATTERN))


def not_found(request, exception=None):
    """handler404: any other /api/ address gets a JSON 404; the site's pages keep their own."""
    if not request.path.startswith("/api/"):
        return page_not_found(request, exception)
    return JsonResponse(
        {"detail": str(exceptions.NotFound.default_detail)},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


ERRORS = inline_serializer(
    "Errors",
    {
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Messages per query parameter (``query``: the query as a whole).",
        )
    },
)
DETAIL = inline_serializer("Detail", {"detail": serializers.CharField()})
COMMON_RESPONSES = {
    304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)."),
    400: OpenApiResponse(ERRORS, description="A parameter was not understood."),
    429: OpenApiResponse(DETAIL, description="Too many requests; see Retry-After."),
}
DETAIL_RESPONSES = {**COMMON_RESPONSES, 404: OpenApiResponse(DETAIL, description="No such public record.")}


def negotiated_language(request) -> str:
    raw = request.GET.getlist("lang")
    if raw:
        if len(raw) > 1 or raw[0] not in params.LANGUAGES:
            choices = ", ".join(params.LANGUAGES)
            raise exceptions.ValidationError(
                {"lang": [_("Язык: одно из %(choices)s.") % {"choices": choices}]}
            )
        return raw[0]
    header = request.headers.get("Accept-Language", "")
    for code, _quality in translation.trans_real.parse_accept_lang_header(header[:500]):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class ApiView(APIView):
    """GET answered with an ETag of the data version, the URL and the language; a repeat request
    with If-None-Match gets 304 without the work. Loads that bypass the audit trail (demo data)
    and reference data show within the cache TTL, which the ETag includes as well."""

    content_negotiation_class = JsonOnly

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # the throttle
        translation.activate(negotiated_language(request))

    def get(self, request, **kwargs):
        seed = "|".join(
            [
                data_version(),
                str(int(time.time() // TTL)),
                translation.get_language(),
                request.get_full_path(),
            ]
        )
        etag = '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'
        behind = False
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            response = Response(status=304)
        else:
            with tracking_behind():
                response = Response(self.data(request, **kwargs))
                behind = is_behind()
        if not behind:  # answered from a previous facet index: no ETag naming the newer version
            response["ETag"] = etag
        response["Cache-Control"] = "no-cache"  # stored, but revalidated: the ETag makes that cheap
        patch_vary_headers(response, ["Accept-Language"])
        return response

    def data(self, request, **kwargs):
        raise NotImplementedError

    def context(self):
        return {"request": self.request}


def page_links(request, number: int, pages: int) -> tuple[str | None, str | None]:
    def link(n):
        query = request.GET.copy()
        query["page"] = str(n)
        return request.build_absolute_uri(request.path + "?" + query.urlencode())

    return (link(number + 1) if number < pages else None, link(number - 1) if number > 1 else None)


def requested_page(request, default_size: int, errors: dict | None = None) -> tuple[int, int]:
    """The page number and size; their errors join ``errors`` (raised here when none is given)."""
    found = {}
    number = params.whole_number(request.GET, "page", 1, params.MAX_PAGE, found)
    size = params.whole_number(request.GET, "page_size", default_size, params.MAX_PAGE_SIZE, found)
    if errors is not None:
        errors.update(found)
    elif found:
        raise exceptions.ValidationError(found)
    return number, size


def page_of(rows, total: int, number: int, size: int) -> Paginator:
    """A paginator over ``rows`` whose total is already known; a page past the last one is a 400."""
    paginator = Paginator(rows, size)
    paginator.count = total
    if number > paginator.num_pages:
        raise exceptions.ValidationError(
            {
                "page": [
                    _("Страницы %(page)d нет: всего %(pages)d.")
                    % {"page": number, "pages": paginator.num_pages}
                ]
            }
        )
    return paginator


def slug_or_404(slug: str) -> str:
    if not SLUG.fullmatch(slug):
        raise Http404  # never reaches a query: a NUL byte would be a database error
    return slug


def paginated(view, request, serializer_class, total: int, rows_for) -> dict:
    """One page of ``total`` rows; ``rows_for(start, stop)`` reads them."""
    number, size = requested_page(request, 50)
    paginator = page_of(range(total), total, number, size)
    start = (number - 1) * size
    rows = rows_for(start, min(start + size, total))
    following, previous = page_links(request, number, paginator.num_pages)
    return {
        "count": total,
        "next": following,
        "previous": previous,
        "results": serializer_class(rows, many=True, context=view.context()).data,
    }


def paginated_queryset(view, request, serializer_class, queryset, attach=list) -> dict:
    return paginated(
        view,
        request,
        serializer_class,
        queryset.count(),
        lambda start, stop: attach(list(queryset[start:stop])),
    )


def page_schema(name, serializer_class):
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(min_value=0),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


LIST_PARAMETERS = [*params.page_parameters(), params.lang_parameter()]
