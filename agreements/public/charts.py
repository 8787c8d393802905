"""The overview's charts as plain data; the templates draw them as SVG on the server.

Why server-side SVG rather than a JavaScript charting library: the page needs no script, no CDN and
nothing the strict CSP would have to allow; a chart is in the HTML as it arrives, so it prints,
shows without JavaScript and in feed readers, and costs a few kilobytes instead of a library.
Horizontal bars are enough for counts by category, and their labels stay readable at 375 px.

Every number comes from what the page has already counted: the facets (``facets.FacetCounts``) for
the listing, plus, on the home page only, the forums' dates and announced figures.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import Agreement, Forum, ForumFigure
from agreements.public import regionmap
from agreements.public.listing.facets import Option

ROW = 36  # px per bar: its label above, the bar and its number below
# % of the chart's width the longest bar takes, so that its number fits after it: a count
# ("100 000"), or an amount ("≈ 3 млрд USD") in the announced-vs-registry charts.
BAR_SPAN = {"announced": 50}
DEFAULT_BAR_SPAN = 70
LABEL_CHARS = 46  # longer labels are cut in the SVG (the table beside it has them whole)

TITLES = {
    "sector": gettext_lazy("По отраслям (разделы NACE)"),
    "country": gettext_lazy("По стране реализации"),
    "kind": gettext_lazy("По виду документа"),
    "status": gettext_lazy("По статусу"),
    "forum": gettext_lazy("По форумам во времени"),
    "announced": gettext_lazy("Объявлено на форуме и в реестре"),
}
# The listing's two charts: "what" (sectors) and "how far it got" (status). The map already says
# "where", and kind and forum are short lists the sidebar shows at a glance.
LISTING_CHARTS = ("sector", "status")
HOME_CHARTS = ("sector", "country", "kind", "status")


def short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def bars(key: str, rows: list[dict], title=None) -> dict:
    """A horizontal bar chart: each row's ``label`` and ``value`` (a count) laid out for the SVG."""
    largest = max((row["value"] for row in rows), default=0)
    laid = []
    for number, row in enumerate(rows):
        share = BAR_SPAN.get(key, DEFAULT_BAR_SPAN) * row["value"] / largest if largest else 0
        laid.append(
            {
                **row,
                "short": short(row["label"]),
                "display": row.get("display", number_format(row["value"], force_grouping=True)),
                "width": f"{max(share, 0.4 if row['value'] else 0):.1f}%",
                "label_y": number * ROW + 13,
                "bar_y": number * ROW + 18,
                "value_y": number * ROW + 28,
            }
        )
    return {"key": key, "title": title or TITLES[key], "rows": laid, "height": max(len(rows), 1) * ROW}


def facet_rows(options: list[Option]) -> list[dict]:
    return [{"label": option.label, "value": option.count, "code": option.value} for option in options]


def sector_rows(options: list[Option]) -> list[dict]:
    return [{"label": f"{o.value} · {o.label}", "value": o.count, "code": o.value} for o in options]


def facet_charts(facets: dict, keys) -> list[dict]:
    charts = []
    for key in keys:
        rows = sector_rows(facets[key]) if key == "sector" else facet_rows(facets[key])
        charts.append(bars(key, rows))
    return charts


def region_map(facets: dict, names: dict[str, str], filters: dict, list_url: str) -> dict:
    counts = {option.value: option.count for option in facets["region"]}
    return regionmap.region_map(counts, names, filters, list_url)


def forums_over_time(forum_options: list[Option]) -> dict:
    """Agreements per forum, oldest forum first (undated forums last), labelled with the year."""
    counts = {option.value: option.count for option in forum_options}
    forums = Forum.objects.filter(slug__in=counts).values_list("slug", "title", "start_date")
    ordered = sorted(forums, key=lambda f: (f[2] is None, f[2] or 0, f[1]))
    rows = [
        {
            "label": f"{start.year} · {title}" if start else title,
            "value": counts[slug],
            "code": slug,
        }
        for slug, title, start in ordered
    ]
    return bars("forum", rows)


def amount_text(value: Decimal, unit: str) -> str:
    """3 000 000 000 USD → «3 млрд USD»: the size a reader compares, not every digit."""
    for size, word in ((Decimal(10) ** 9, _("млрд")), (Decimal(10) ** 6, _("млн"))):
        if value >= size:
            return f"{number_format(value / size, decimal_pos=2 if value % size else 0)} {word} {unit}"
    return f"{number_format(value, decimal_pos=0, force_grouping=True)} {unit}"


def announced_vs_registry(forum_options: list[Option]) -> list[dict]:
    """For each forum with announced figures: documents and amounts announced (each figure with its
    source) beside what the registry holds for that forum (published agreements, their amounts in
    the figure's currency). Two bars per figure, the larger one full width."""
    recorded = {option.value: option.count for option in forum_options}
    figures = (
        ForumFigure.objects.filter(
            forum__slug__in=recorded,
            metric__in=(ForumFigure.Metric.DOCUMENTS, ForumFigure.Metric.TOTAL_AMOUNT),
        )
        .select_related("forum", "source")
        .order_by("forum__start_date", "forum__title", "pk")
    )
    sums = defaultdict(Decimal)
    for slug, currency, total in (
        Agreement.objects.public()
        .filter(forum__slug__in=recorded, amount__isnull=False)
        .values_list("forum__slug", "currency")
        .annotate(total=Sum("amount"))
    ):
        sums[slug, currency] += total or 0
    by_forum = {}
    for figure in figures:
        about = {"title": figure.forum.title, "url": figure.forum.get_absolute_url(), "charts": []}
        forum = by_forum.setdefault(figure.forum.slug, about)
        forum["charts"].append(figure_chart(figure, recorded[figure.forum.slug], sums))
    return list(by_forum.values())


def figure_chart(figure: ForumFigure, recorded_count: int, sums: dict) -> dict:
    approximate = "≈ " if figure.is_approximate else ""
    if figure.metric == ForumFigure.Metric.DOCUMENTS:
        title = _("Документы")
        announced, in_registry = int(figure.value), recorded_count
        shown = (f"{approximate}{number_format(announced, force_grouping=True)}", str(in_registry))
    else:
        title = _("Сумма документов")
        announced, in_registry = figure.value, sums.get((figure.forum.slug, figure.unit), Decimal(0))
        shown = (approximate + amount_text(announced, figure.unit), amount_text(in_registry, figure.unit))
    rows = [
        {"label": _("объявлено"), "value": announced, "display": shown[0]},
        {"label": _("в реестре"), "value": in_registry, "display": shown[1]},
    ]
    chart = bars("announced", rows, title=title)
    chart["figure"] = figure
    return chart


def listing_overview(facets: dict, names: dict[str, str], filters: dict, list_url: str) -> dict:
    return {
        "map": region_map(facets, names, filters, list_url),
        "charts": facet_charts(facets, LISTING_CHARTS),
    }


def home_overview(facets: dict, names: dict[str, str], list_url: str) -> dict:
    return {
        "map": region_map(facets, names, {}, list_url),
        "charts": [*facet_charts(facets, HOME_CHARTS), forums_over_time(facets["forum"])],
        "announced": announced_vs_registry(facets["forum"]),
    }
