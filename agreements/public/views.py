from collections import defaultdict

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import DatabaseError, DataError, connection
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from agreements.models import Agreement, AgreementParty, Forum, Party, Region, Sector, Source
from agreements.public import charts, querystrings
from agreements.public.countries import agreement_countries
from agreements.public.downloads import exports, throttle
from agreements.public.filters import DEFAULT_SORT, SORT_LABELS, AgreementFilter, public_filterset
from agreements.public.listing.caching import cached, cached_by_content, etag_from_data_version
from agreements.public.listing.facets import FacetCounts, facet_counts, ids_in_listing_order, region_names
from agreements.public.listing.hints import Hints, hints
from agreements.public.listing.items import listed, listed_in_order
from agreements.public.listing.pagecache import lookup as cached_page_lookup

DETAIL_PAGE_AGREEMENTS = 50


@never_cache
@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def paginate(request, queryset, per_page, count=None):
    """The requested page; a malformed or out-of-range page number gets a message, not an error."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # already known (cached with the facets): no COUNT query
    raw = request.GET.get("page", "1")
    try:
        return paginator.page(raw), None
    except PageNotAnInteger:
        return paginator.page(1), _("Номер страницы «%(page)s» не понят: показана первая страница.") % {
            "page": raw[:20]
        }
    except EmptyPage:
        page = paginator.page(paginator.num_pages)
        return page, _("Страницы %(page)s нет: показана последняя.") % {"page": raw[:20]}


def chip_labels(facets: dict) -> dict:
    """Human labels of every facet option, for the chips of the active filters."""
    labels = defaultdict(dict)
    for name, options in facets.items():
        for option in options:
            for item in [option, *option.children]:
                labels[name][item.value] = (
                    item.label if name in ("kind", "status") else f"{item.value} · {item.label}"
                )
    return labels


def chips(filterset: AgreementFilter, params: dict, labels: dict) -> list[dict]:
    """Every active filter value as a removable chip, labelled from the facets already counted."""
    labels = defaultdict(dict, labels)
    if params.get("party"):
        labels["party"] = {
            p.slug: p.display_name for p in Party.objects.public().filter(slug__in=params["party"])
        }
    result = []
    for name, value in params.items():
        if name == "sort":
            continue
        title = str(filterset.filters[name].label)
        for item in value if isinstance(value, list) else [value]:
            label = labels.get(name, {}).get(item) or choice_label(name, item) or item
            url = querystrings.without(params, name, item)
            result.append({"param": name, "name": title, "label": label, "url": url})
    return result


def relaxations(found: Hints, active_chips: list[dict]) -> list[dict]:
    """Each filter an empty result could drop, with its chips' labels and what dropping it finds."""
    return [
        {
            "title": relaxation.title,
            "removed": ", ".join(chip["label"] for chip in active_chips if chip["param"] == relaxation.name),
            "count": relaxation.count,
            "url": relaxation.query,
        }
        for relaxation in found.without
    ]


FACET_TITLES = {
    "region": gettext_lazy("Регион"),
    "sector": gettext_lazy("Отрасль (NACE)"),
    "country": gettext_lazy("Страна реализации"),
    "kind": gettext_lazy("Вид документа"),
    "status": gettext_lazy("Статус"),
    "forum": gettext_lazy("Форум"),
}


def facet_sidebar(filterset: AgreementFilter, filters: dict) -> tuple[FacetCounts, str, dict, Hints]:
    """The counts, their rendered sidebar, labels and hints: what is cached per filter.

    Rendering ~300 facet links took longer than counting them, so the HTML is kept too, by its
    content, the whole sidebar and each facet's group: after an edit that left this filter's counts
    alone nothing is rendered again, after one that changed a kind only the kinds are.
    """
    counts = facet_counts(filterset)
    groups = lambda: {name: facet_group(name, counts, filters) for name in counts.facets}  # noqa: E731
    context = lambda: {"groups": groups(), "language": get_language()}  # noqa: E731
    html = cached_by_content(
        "facet-sidebar",
        [filters, facets_content(counts.facets), counts.coverage],
        lambda: jinja_fragment("public/_facets.html", context()),
    )
    return counts, html, dict(chip_labels(counts.facets)), hints(filterset, counts.total)


def facet_group(name: str, counts: FacetCounts, filters: dict) -> str:
    options = counts.facets[name]

    def render() -> str:
        list_url = reverse("agreement_list")
        for option in options:
            attach_urls(option, name, filters, list_url)
        context = {
            "facet": name,
            "title": FACET_TITLES[name],
            "options": options,
            "coverage": counts.coverage[name],
        }
        return jinja_fragment("public/_facet_group.html", context)

    content = [name, filters, facets_content({name: options}), counts.coverage[name]]
    return cached_by_content("facet-group", content, render)


def jinja_fragment(name: str, context: dict) -> str:
    # Jinja2 escaped what it rendered (autoescape); Django's backend returns it as a plain str.
    return mark_safe(render_to_string(name, context, using="jinja2"))  # noqa: S308


def facets_content(facets: dict) -> list:
    """What a rendering of the facets shows: each option's value, label, count and whether chosen
    (its link follows from the value and the filters)."""
    return [
        [name, [[o.value, str(o.label), o.count, o.selected, facets_content({"": o.children})] for o in opts]]
        for name, opts in facets.items()
    ]


def page_items(page, counts: FacetCounts, sort_key: str) -> list:
    """The page's agreements, in SQL's order. The default order and a search's relevance order
    come from what the facet counts hold (the bitset over the index's positions, the first matches
    by rank), so no query walks or ranks every match to reach the page; other orders, and pages
    those cannot serve, come from the page's own query."""
    start, stop = page.start_index() - 1, page.end_index()
    if start < 0:  # nothing matches
        return []
    ids = None
    if sort_key == "relevance" and counts.ranked is not None and stop <= len(counts.ranked):
        ids = counts.ranked[start:stop]
    elif sort_key == DEFAULT_SORT:
        ids = ids_in_listing_order(counts, start, stop)
    return listed(page.object_list) if ids is None else listed_in_order(ids)


def choice_label(name, value):
    choices = {"kind": Agreement.Kind.choices, "status": Agreement.Status.choices}.get(name)
    return str(dict(choices).get(value, "")) if choices else None


@require_safe
@etag_from_data_version
def agreement_list(request):
    # The page shows nothing personal (no login state, no POST form), so readers asking for the same
    # URL share one rendering until the data changes; pages are cached apart from the counts. A
    # cached page is answered before its parameters are parsed again (a fifth of a cached answer).
    page = cached_page_lookup("listing-page", {"url": request.get_full_path()})
    if page.page is not None:
        return HttpResponse(page.page)
    filterset = public_filterset(request.GET)
    if not filterset.is_valid():
        return render(
            request,
            "public/agreement_list.html",
            {"filterset": filterset, "errors": filterset.errors, "params": {}, "page": None},
            status=400,
        )
    return HttpResponse(page.rendered(lambda: render_listing(request, filterset)))


def render_listing(request, filterset: AgreementFilter) -> str:
    params = filterset.active_params()
    filters = {name: value for name, value in params.items() if name != "sort"}
    counts, sidebar, labels, found_hints = cached(
        "listing", filters, lambda: facet_sidebar(filterset, filters)
    )
    # An empty result gets its suggestions at the top, not a map of zeros above them.
    overview = (
        cached("listing-overview", filters, lambda: listing_overview(counts, filters)) if counts.total else ""
    )
    page, page_message = paginate(request, filterset.qs, settings.AGREEMENTS_PER_PAGE, count=counts.total)
    # The page holds the listed items, not its lazy query: the template's {% if page... %} would run
    # that query a second time.
    page.object_list = page_items(page, counts, filterset.sort_key)
    active_chips = chips(filterset, params, labels)
    context = {
        "filterset": filterset,
        "params": params,
        "page": page,
        "agreements": page.object_list,
        "page_message": page_message,
        "facets": counts.facets,
        "sidebar": sidebar,
        "chips": active_chips,
        "hints": found_hints,
        "relaxations": relaxations(found_hints, active_chips),
        "overview": overview,
        "sort_key": filterset.sort_key,
        "sorts": [
            {"key": key, "label": label, "url": querystrings.encode({**params, "sort": key})}
            for key, label in SORT_LABELS.items()
            if key != "relevance" or params.get("q")
        ],
        "query": querystrings.encode(params),
        "page_urls": {
            "previous": page.has_previous() and querystrings.with_page(params, page.previous_page_number()),
            "next": page.has_next() and querystrings.with_page(params, page.next_page_number()),
        },
        "page_links": querystrings.page_links(params, page),
    }
    return render_to_string("public/agreement_list.html", context, request=request)


def listing_overview(counts: FacetCounts, filters: dict) -> str:
    """The map and two charts of the filtered set, drawn from the facet counts: no query of its own."""
    names = region_names(counts)

    def render() -> str:
        data = charts.listing_overview(counts.facets, names, filters, reverse("agreement_list"))
        return render_to_string("public/_listing_overview.html", data)

    # Only the facets it draws: an edit of an agreement's kind leaves the map and charts as they were.
    shown = {name: counts.facets[name] for name in ("region", *charts.LISTING_CHARTS)}
    return cached_by_content("listing-overview", [filters, facets_content(shown), names], render)


def home_overview() -> str:
    """The whole registry's map and charts (cached: the forums' dates and figures are read here)."""
    everything = public_filterset({})
    everything.is_valid()
    counts = facet_counts(everything)
    data = charts.home_overview(counts.facets, region_names(counts), reverse("agreement_list"))
    return render_to_string("public/_home_overview.html", data)


def attach_urls(option, name, params, list_url):
    option.url = list_url + querystrings.toggled(params, name, option.value)
    for child in option.children:
        attach_urls(child, name, params, list_url)


@require_safe
def agreement_detail(request, slug):
    queryset = (
        Agreement.objects.public()
        .select_related("forum", "source")
        .prefetch_related(
            Prefetch(
                "party_links",
                queryset=AgreementParty.objects.select_related(
                    "party__country", "party__home_region"
                ).order_by("order"),
            ),
            "regions__country",
            "sectors__parent",
            "countries",
        )
    )
    agreement = get_object_or_404(queryset, slug=slug)
    return render(
        request,
        "public/agreement_detail.html",
        {"agreement": agreement, "countries": agreement_countries(agreement)},
    )


def related_listing(param: str, value: str):
    """The first page of a filtered listing, for a party, region, sector or forum page."""
    filterset = AgreementFilter({param: [value]}, queryset=Agreement.objects.public())
    queryset = filterset.qs if filterset.is_valid() else Agreement.objects.none()
    agreements = listed(queryset[:DETAIL_PAGE_AGREEMENTS])
    return {
        "agreements": agreements,
        "total": queryset.count() if len(agreements) == DETAIL_PAGE_AGREEMENTS else len(agreements),
        "listing_url": reverse("agreement_list") + querystrings.encode({param: [value]}),
    }


@require_safe
def party_detail(request, slug):
    party = get_object_or_404(
        Party.objects.public().select_related("country", "home_region").prefetch_related("aliases"), slug=slug
    )
    return render(request, "public/party_detail.html", {"party": party, **related_listing("party", slug)})


@require_safe
def region_detail(request, code):
    # Reference data: every region has a page (the URL converter has already upper-cased the code).
    region = get_object_or_404(Region.objects.select_related("country"), code=code)
    return render(
        request, "public/region_detail.html", {"region": region, **related_listing("region", region.code)}
    )


@require_safe
def sector_detail(request, code):
    sector = get_object_or_404(Sector.objects.select_related("parent"), code=code)
    divisions = sector.divisions.all() if sector.is_section else []
    return render(
        request,
        "public/sector_detail.html",
        {"sector": sector, "divisions": divisions, **related_listing("sector", sector.code)},
    )


@require_safe
def forum_detail(request, slug):
    forum = get_object_or_404(Forum.objects.public(), slug=slug)
    figures = forum.figures.select_related("source")
    listing = related_listing("forum", slug)
    return render(
        request,
        "public/forum_detail.html",
        {
            "forum": forum,
            "figures": figures,
            "recorded": Agreement.objects.public().filter(forum=forum).count(),
            "announced": forum.announced_documents(),
            **listing,
        },
    )


@require_safe
def source_detail(request, slug):
    source = get_object_or_404(Source.objects.public(), slug=slug)
    recorded = Agreement.objects.public().filter(source=source).count()
    return render(request, "public/source_detail.html", {"source": source, "recorded": recorded})


def home_counts():
    everything = public_filterset({})
    everything.is_valid()
    counts = facet_counts(everything)
    totals = {
        "agreements": counts.total,
        "parties": Party.objects.public().count(),
        "forums": Forum.objects.public().count(),
    }
    return counts.facets["region"], counts.facets["sector"], totals


@require_safe
@etag_from_data_version
def home(request):
    public = Agreement.objects.public()
    regions, sectors, totals = cached("home", {}, home_counts)
    for option in regions:
        option.url = reverse("agreement_list") + querystrings.encode({"region": [option.value]})
    for option in sectors:
        option.url = reverse("agreement_list") + querystrings.encode({"sector": [option.value]})
    return render(
        request,
        "public/home.html",
        {
            "totals": totals,
            "latest_forum": Forum.objects.annotate(
                n=Count("agreements", filter=Q(agreements__is_published=True))
            )
            .filter(n__gt=0)
            .order_by("-start_date", "-created")
            .first(),
            "regions": regions[:12],
            "sectors": sectors[:12],
            "latest": listed(public.order_by("-created")[:5]),
            "overview": cached("home-overview", {}, home_overview),
        },
    )


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
