#!/usr/bin/env python
"""A search's pages by relevance, from the first to past DEEPEST_RANKED, in process.

    .venv/bin/python bench/deep_search.py --database registry_million

The database must already hold the demo data; this script only reads. Each page is asked **cold**
(the per-filter caches and the kept search matches emptied first, as bench/run.py measures the
search) and **warm** (the counts and the search's matches kept, the page not: what a reader paging
on costs), and again with every page past the ranked head taken from SQL (``DEEPEST_RANKED = 0``,
as before #17's sixth session). The word index is built first on PostgreSQL, as a worker would.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from api import setup  # noqa: E402  (the API bench's Django setup)
from bench_common import git_commit  # noqa: E402

PAGES = [1, 20, 21, 100, 1000, 2000, 2001]


def timed_page(client, query: str, page: int, cold: bool, repeats: int) -> float:
    from bench_inprocess import clear_page_caches
    from django.core.cache import caches

    runs = []
    for _ in range(repeats):
        if cold:
            clear_page_caches()
        else:
            caches["pages"].clear()  # the rendered page, not the counts or the kept matches
        started = time.perf_counter()
        response = client.get("/agreements/", {"q": query, "sort": "relevance", "page": page})
        runs.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(runs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="registry_million", help="unless DATABASE_URL is set")
    parser.add_argument("--q", default="удобрений")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    setup(args.database)
    from bench_inprocess import test_client_host, word_index_build
    from django.conf import settings
    from django.test import Client

    from agreements.public.filters import public_filterset
    from agreements.public.listing import facets

    facets.current_index()
    words = word_index_build()
    client = Client(SERVER_NAME=test_client_host())
    client.get("/agreements/", {"q": args.q})  # templates, reference codes
    filterset = public_filterset({"q": args.q, "sort": "relevance"})
    assert filterset.is_valid(), filterset.errors
    last = -(-facets.facet_counts(filterset).total // settings.AGREEMENTS_PER_PAGE)
    total = facets.current_index().size
    code = git_commit()
    at = code["commit"] + (" with uncommitted changes" if code["dirty"] else "")
    print(f"{total:,} published agreements, «{args.q}», word index: {words}, at {at}")
    print("| page (ids) | cold ms | warm ms | SQL past the head: cold · warm ms |")
    print("| --- | ---: | ---: | ---: |")
    deepest = facets.DEEPEST_RANKED
    for page in sorted({page for page in PAGES if page < last} | {last}):
        figures = []
        for limit in (deepest, 0):
            facets.DEEPEST_RANKED = limit
            figures += [timed_page(client, args.q, page, cold, args.repeats) for cold in (True, False)]
        facets.DEEPEST_RANKED = deepest
        per_page = settings.AGREEMENTS_PER_PAGE
        ids = f"{(page - 1) * per_page + 1:,}–{page * per_page:,}"
        cold, warm, sql_cold, sql_warm = figures
        print(f"| {page} ({ids}) | {cold:.1f} | {warm:.1f} | {sql_cold:.1f} · {sql_warm:.1f} |")


if __name__ == "__main__":
    main()
