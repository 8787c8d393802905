#!/usr/bin/env python
"""The JSON API's listing at scale: /api/agreements/ with two filters and facets, cold and warm.

    .venv/bin/python bench/api.py --agreements 100000          # PostgreSQL database registry_api_bench
    .venv/bin/python bench/api.py --agreements 100000 --write  # and replace the section in RESULTS.md

The database must already hold the demo data (``DATABASE_URL=… manage.py generate_demo_data
--agreements N --seed 1 --replace``, then ``VACUUM (ANALYZE)``); this script only reads. In process
(Django's test client, DEBUG off), as bench/run.py measures the page: **cold** empties the per-filter
caches before each request (a filter nobody asked for since the data changed: every facet counted;
the facet index itself is built once per worker and data change, timed apart), **warm** repeats the
same request (the counts cached, the ETag computed, the rows read and serialised again).
The budget is the listing page's: ≤ 60 ms cold on PostgreSQL.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from bench_common import replace_section

ROOT = Path(__file__).resolve().parent.parent
BUDGET_COLD_MS = 60
BUDGET_SEARCH_MS = 100  # a search's, as bench/run.py has it for the page


def setup(database: str) -> None:
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # the test client speaks plain http
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "k" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["API_THROTTLE_RATE"] = "1000000/minute"  # the bench is one client address
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    # The HTML page beside the API, without collectstatic's manifest: plain static URLs.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=storages).enable()


def parameters() -> dict:
    """The Kazakh region and the NACE section with most published agreements, from the index."""
    from agreements.public.listing.facets import current_index

    index = current_index()
    regions = {code: len(bits) for code, bits in index.bits["region"].items() if code.startswith("KZ-")}
    sections = {code: len(bits) for code, bits in index.bits["sector"].items() if code.isalpha()}
    return {
        "region": max(regions, key=regions.get),
        "section": max(sections, key=sections.get),
        "size": index.size,
    }


def timed(client, path: str, cold: bool, repeats: int) -> tuple[list[float], int, int]:
    from django.conf import settings
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    runs, queries, status = [], 0, 0
    for _ in range(repeats):
        if cold:
            for alias in settings.CACHES:
                if alias != "reference":
                    caches[alias].clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            runs.append((time.perf_counter() - started) * 1000)
        queries, status = len(captured.captured_queries), response.status_code
    return runs, queries, status


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agreements", type=int, default=100_000, help="what the database holds (checked)")
    parser.add_argument("--database", default="registry_api_bench")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--write", action="store_true", help="replace the API section of bench/RESULTS.md")
    return parser.parse_args()


def index_build_seconds() -> float:
    from agreements.public.listing.facets import FacetIndex

    started = time.perf_counter()
    FacetIndex()
    return time.perf_counter() - started


def checked_parameters(args: argparse.Namespace) -> dict:
    """parameters(), once the database is known to hold --agreements; notes how many are published."""
    from agreements.models import Agreement

    found = parameters()  # builds this process's index too
    total = Agreement.objects.count()
    if total != args.agreements:
        sys.exit(f"the database holds {total} agreements, not {args.agreements}")
    args.published = found["size"]
    return found


def first_records() -> dict:
    from agreements.models import Agreement, Forum, Party

    return {
        "party": Party.objects.public().order_by("pk").values_list("slug", flat=True).first(),
        "forum": Forum.objects.public().order_by("pk").values_list("slug", flat=True).first(),
        "agreement": Agreement.objects.public().order_by("pk").values_list("slug", flat=True).first(),
    }


def request_paths(region: str, section: str, records: dict) -> dict:
    return {
        "two filters + facets": f"/api/agreements/?region={region}&sector={section}&facets=1",
        "two filters + facets, page 5": f"/api/agreements/?region={region}&sector={section}&facets=1&page=5",
        "two filters, sort=title, 100 per page": f"/api/agreements/?region={region}&sector={section}"
        "&sort=title&page_size=100",
        "search + region + facets": f"/api/agreements/?q=удобрений&region={region}&facets=1",
        "no filter + facets": "/api/agreements/?facets=1",
        "the page, same two filters (HTML)": f"/agreements/?region={region}&sector={section}",
        "parties": "/api/parties/",
        "parties, page 200": "/api/parties/?page=200",
        "a party": f"/api/parties/{records['party']}/",
        "forums": "/api/forums/",
        "a forum": f"/api/forums/{records['forum']}/",
        "regions": "/api/regions/",
        "an agreement": f"/api/agreements/{records['agreement']}/",
    }


def measure_paths(client, paths: dict, repeats: int) -> list[tuple]:
    rows = []
    for name, path in paths.items():
        client.get(path)  # reference codes, templates
        cold, queries, status = timed(client, path, cold=True, repeats=repeats)
        warm, warm_queries, _status = timed(client, path, cold=False, repeats=repeats)
        rows.append(
            (name, path, status, statistics.median(cold), statistics.median(warm), queries, warm_queries)
        )
        print(
            f"{name:40} {status} cold {statistics.median(cold):7.1f} ms"
            f"  warm {statistics.median(warm):6.1f} ms  queries {queries}/{warm_queries}"
        )
    return rows


def revalidation_ms(client, path: str, repeats: int) -> float:
    """The median of repeats carrying the answer's ETag in If-None-Match."""
    etag = client.get(path)["ETag"]
    client.defaults["HTTP_IF_NONE_MATCH"] = etag
    revalidated, queries304, status304 = timed(client, path, cold=False, repeats=repeats)
    del client.defaults["HTTP_IF_NONE_MATCH"]
    print(
        f"304 revalidation: {statistics.median(revalidated):.1f} ms, status {status304}, queries {queries304}"
    )
    return statistics.median(revalidated)


def main() -> None:
    args = parse_args()
    setup(args.database)

    from django.db import connection
    from django.test import Client

    index_seconds = index_build_seconds()
    found = checked_parameters(args)
    region, section = found["region"], found["section"]
    paths = request_paths(region, section, first_records())
    client = Client()
    rows = measure_paths(client, paths, args.repeats)
    revalidated = revalidation_ms(client, paths["two filters + facets"], args.repeats)
    if args.write:
        write(rows, args, region, section, index_seconds, revalidated, connection.vendor)


def write(rows, args, region, section, index_seconds, revalidated_ms, vendor) -> None:
    lines = [
        f"## JSON API (`bench/api.py`, {vendor}, {args.agreements:,} agreements of which {args.published:,} "
        "published, in process, DEBUG off)",
        "",
        f"Region `{region}` and section `{section}` (the commonest), medians of {args.repeats} requests. "
        "Cold: the per-filter caches emptied before each request (the facet index kept: it is built once "
        f"per worker and data change, {index_seconds:.1f} s here). Budget: the listing page's, "
        f"≤ {BUDGET_COLD_MS} ms cold, a search's ≤ {BUDGET_SEARCH_MS} ms. Warm: the same URL again "
        "(the whole answer cached per URL and language under the data version, as the page is).",
        "",
        "| request | status | cold p50 ms | warm p50 ms | SQL queries cold / warm | verdict (cold) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, path, status, cold, warm, queries, warm_queries in rows:
        budget = BUDGET_SEARCH_MS if "q=" in path else BUDGET_COLD_MS
        verdict = f"{'ok' if cold <= budget else 'over'} (≤ {budget})"
        lines.append(
            f"| {name} `{path}` | {status} | {cold:.1f} | {warm:.1f} | {queries} / {warm_queries} "
            f"| {verdict} |"
        )
    lines += [
        "",
        f"A repeat with `If-None-Match`: 304 in {revalidated_ms:.1f} ms (one query, the data version).",
    ]
    replace_section("api", "\n".join(lines))


if __name__ == "__main__":
    main()
