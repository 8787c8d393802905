"""Facet counts beside every filter option, each computed under all the *other* active filters.

One GROUP BY query per facet, over the link tables, restricted to the base queryset as a subquery:
no per-option queries and no counting rows in Python. Facets whose filter is not active share the
same base (the fully filtered list), so kind, status and forum are then counted in one query.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from .filters import AgreementFilter, CountryLink, RegionLink, SectorLink
from .models import Agreement, Country, Region

SCALAR_FACETS = ("kind", "status", "forum")


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool = False
    children: list = field(default_factory=list)


def english() -> bool:
    return (get_language() or "ru").startswith("en")


def localized(row: dict, prefix: str) -> str:
    return (english() and row.get(f"{prefix}name_en")) or row[f"{prefix}name_ru"]


def region_options(base, selected) -> list[Option]:
    rows = (
        RegionLink.objects.filter(agreement__in=base)
        .values("region__code", "region__name_ru", "region__name_en")
        .annotate(n=Count("agreement_id"))
        .order_by("-n", "region__code")
    )
    return [
        Option(r["region__code"], localized(r, "region__"), r["n"], r["region__code"] in selected)
        for r in rows
    ]


def sector_options(base, selected) -> list[Option]:
    """Sections with their divisions nested; one query (an agreement counts once per division)."""
    rows = (
        SectorLink.objects.filter(agreement__in=base)
        .values(
            "sector__code",
            "sector__name_ru",
            "sector__name_en",
            "sector__parent__code",
            "sector__parent__name_ru",
            "sector__parent__name_en",
        )
        .annotate(n=Count("agreement_id"))
    )
    sections: dict[str, Option] = {}
    divisions = defaultdict(list)
    for row in rows:
        if row["sector__parent__code"] is None:
            sections[row["sector__code"]] = Option(
                row["sector__code"], localized(row, "sector__"), row["n"], row["sector__code"] in selected
            )
        else:
            divisions[row["sector__parent__code"]].append(
                (
                    row,
                    Option(
                        row["sector__code"],
                        localized(row, "sector__"),
                        row["n"],
                        row["sector__code"] in selected,
                    ),
                )
            )
    for code, children in divisions.items():
        if code not in sections:
            parent_row = children[0][0]
            sections[code] = Option(code, localized(parent_row, "sector__parent__"), 0, code in selected)
        sections[code].children = sorted((option for _, option in children), key=lambda o: o.value)
    section_totals = section_counts(base) if divisions else {}
    for code, option in sections.items():
        option.count = section_totals.get(code, option.count)
    return sorted(sections.values(), key=lambda o: (-o.count, o.value))


def section_counts(base) -> dict[str, int]:
    """Agreements per section, each counted once however many of its divisions it names."""
    rows = (
        SectorLink.objects.filter(agreement__in=base)
        .annotate(section=Coalesce("sector__parent__code", "sector__code"))
        .values("section")
        .annotate(n=Count("agreement_id", distinct=True))
    )
    return {row["section"]: row["n"] for row in rows}


def country_options(base, selected) -> list[Option]:
    """A country counts an agreement once, whether through its regions or named directly."""
    try:
        base_sql, base_params = base.values("pk").query.sql_with_params()
    except EmptyResultSet:  # e.g. a search of punctuation only
        return []
    tables = {
        "region_link": RegionLink._meta.db_table,
        "region": Region._meta.db_table,
        "country_link": CountryLink._meta.db_table,
        "country": Country._meta.db_table,
    }
    sql = """
        SELECT u.country_id, c.name_ru, c.name_en, COUNT(*) AS n FROM (
            SELECT rl.agreement_id, r.country_id
              FROM {region_link} rl JOIN {region} r ON r.id = rl.region_id
             WHERE rl.agreement_id IN ({base})
            UNION
            SELECT cl.agreement_id, cl.country_id FROM {country_link} cl
             WHERE cl.agreement_id IN ({base})
        ) u JOIN {country} c ON c.code = u.country_id
        GROUP BY u.country_id, c.name_ru, c.name_en
        ORDER BY n DESC, u.country_id
    """.format(base=base_sql, **tables)  # noqa: S608 - table names from model metadata; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*base_params, *base_params])
        rows = cursor.fetchall()
    return [
        Option(code, (english() and name_en) or name_ru, n, code in selected)
        for code, name_ru, name_en, n in rows
    ]


def scalar_options(filterset: AgreementFilter, dimensions) -> dict[str, list[Option]]:
    """Kind, status and forum counts; inactive ones share a single GROUP BY over the filtered list."""
    active = filterset.active_params()
    results = {}
    inactive = [d for d in dimensions if d not in active]
    groups = [(inactive, filterset.queryset_without(""))] if inactive else []
    groups += [([d], filterset.queryset_without(d)) for d in dimensions if d in active]
    for names, base in groups:
        columns = [{"forum": "forum__slug"}.get(n, n) for n in names]
        extra = ["forum__title"] if "forum" in names else []
        counts = defaultdict(lambda: defaultdict(int))
        titles = {}
        for row in base.values(*columns, *extra).annotate(n=Count("pk")).order_by():
            for name, column in zip(names, columns, strict=True):
                counts[name][row[column]] += row["n"]
            if extra:
                titles[row["forum__slug"]] = row["forum__title"]
        for name in names:
            selected = set(active.get(name, []))
            labels = (
                dict(Agreement.Kind.choices if name == "kind" else Agreement.Status.choices)
                if name != "forum"
                else titles
            )
            results[name] = sorted(
                (
                    Option(value, str(labels.get(value, value)), n, value in selected)
                    for value, n in counts[name].items()
                    if value is not None
                ),
                key=lambda o: (-o.count, o.label),
            )
    return results


def facet_counts(filterset: AgreementFilter) -> dict[str, list[Option]]:
    active = filterset.active_params()
    facets = {
        "region": region_options(filterset.queryset_without("region"), set(active.get("region", []))),
        "sector": sector_options(filterset.queryset_without("sector"), set(active.get("sector", []))),
        "country": country_options(filterset.queryset_without("country"), set(active.get("country", []))),
    }
    facets.update(scalar_options(filterset, SCALAR_FACETS))
    return facets
