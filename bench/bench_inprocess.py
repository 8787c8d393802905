"""In-process measurements with Django's test client: the facet index build, each page's SQL queries
and time (cold and warm), an admin session, and the diagnosis outputs (EXPLAIN, pyinstrument)."""

import sys
import time

from bench_common import DATASETTE_VENV, OUT, listing_path


def test_client_host() -> str:
    from django.conf import settings

    allowed = [h for h in settings.ALLOWED_HOSTS if h not in ("*",) and not h.startswith(".")]
    return "testserver" if "testserver" in allowed or not allowed else allowed[0]


def clear_page_caches() -> None:
    """Empty what holds per-filter results: every cache but the reference-code one, and the search,
    party and date matches each process keeps (listing/residuals.py): a "cold" search that kept them
    measured 97 ms at 1,000,000 agreements where the search itself took 900."""
    from django.conf import settings
    from django.core.cache import caches

    from agreements.public.listing.facets import residuals

    for alias in settings.CACHES:
        if alias != "reference":
            caches[alias].clear()
    residuals.forget()


def facet_index_build(repeats: int = 3) -> dict:
    """What each worker pays once per data change (and at start-up): rebuilding the facet bitsets."""
    import pickle

    from agreements.public.listing.facets import FacetIndex, current_index

    runs = []
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        index = FacetIndex()
        runs.append(time.perf_counter() - started)
    current_index()  # the one the pages below use
    return {
        "seconds": round(sorted(runs)[len(runs) // 2], 2),
        "agreements": index.size,
        "bitsets": sum(len(values) for values in index.bits.values()),
        "pickled_mb": round(len(pickle.dumps(index.bits)) / 1e6, 1),
        "words": word_index_build(),
    }


def word_index_build() -> dict | None:
    """The search's word index (PostgreSQL): built once per host in the background, searches in SQL
    meanwhile. Built here from the database, not loaded from the snapshot, then kept for the pages."""
    from agreements.public.listing.residuals import word_indexes

    if not word_indexes.enabled():
        return None
    word_indexes.forget()
    word_indexes.discard_snapshot()
    started = time.perf_counter()
    word_indexes.start()
    word_indexes.wait()
    index = word_indexes.built.index
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "words": len(index.anywhere),
        "mb": round(sum(map(len, [*index.anywhere.values(), *index.title.values()])) / 1e6, 1),
    }


def query_counts(pages: dict[str, str], client=None, repeats: int = 1) -> dict[str, dict]:
    """Per page, in process: SQL queries, status, time (median of ``repeats``) and the slowest queries.

    Measured twice: "cold", with the per-filter caches emptied before each request (a filter nobody
    asked for since the data last changed: every facet counted), and "warm", the same request again
    (what a repeated filter costs while the cache holds it). Without caching the two are the same.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = client or Client(SERVER_NAME=test_client_host())

    def run(path, cold):
        runs = []
        for _ in range(max(1, repeats)):
            if cold:
                clear_page_caches()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path)
                elapsed = time.perf_counter() - started
            runs.append((elapsed, captured.captured_queries, response.status_code))
        return sorted(runs, key=lambda r: r[0])[len(runs) // 2]

    results = {}
    for name, path in pages.items():
        client.get(path)  # templates, reference codes
        elapsed, queries, status = run(path, cold=True)
        warm_elapsed, warm_queries, _status = run(path, cold=False)
        slowest = sorted(queries, key=lambda q: -float(q["time"]))[:5]
        results[name] = {
            "path": path,
            "status": status,
            "queries": len(queries),
            "queries_warm": len(warm_queries),
            "in_process_ms": round(elapsed * 1000, 1),
            "in_process_warm_ms": round(warm_elapsed * 1000, 1),
            "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
            "slowest": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"]} for q in slowest],
        }
    return results


def explain(queries: list[str]) -> list[str]:
    """EXPLAIN ANALYZE (PostgreSQL) or EXPLAIN QUERY PLAN (SQLite) of captured SQL texts."""
    from django.db import connection

    plans = []
    with connection.cursor() as cursor:
        for sql in queries:
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                plans.append("\n".join(f"{row[0]:>4} {row[1]:>4} {row[3]}" for row in cursor.fetchall()))
    return plans


def admin_session_cookie() -> tuple[str, object]:
    """A superuser's session (created if needed) as a Cookie header value, and a logged-in test client."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_unusable_password()
        user.save()
    client = Client(SERVER_NAME=test_client_host())
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}", client


def write_explain(backend: str, results: dict) -> None:
    lines = []
    for section in ("listing", "admin"):
        for name, figures in results.get(section, {}).items():
            lines.append(f"## {section} {name}: {figures['path']}  ({figures['queries']} queries)\n")
            sqls = [q["sql"] for q in figures["slowest"]]
            for q, plan in zip(figures["slowest"], explain(sqls), strict=True):
                lines += [f"### {q['ms']} ms", q["sql"], "", plan, ""]
    (OUT / f"explain-{backend}.txt").write_text("\n".join(lines))
    print(f"EXPLAIN of the slowest queries: {OUT / f'explain-{backend}.txt'}")


def write_profiles(backend: str, pages: dict) -> None:
    """pyinstrument (installed in the bench venv) around each listing page, in process, cold."""
    site = next((DATASETTE_VENV / "lib").glob("python*/site-packages"), None)
    if site is None:
        print("pyinstrument: create the bench venv first (run once without --quick)")
        return
    sys.path.append(str(site))
    from django.test import Client
    from pyinstrument import Profiler

    client = Client(SERVER_NAME=test_client_host())
    for name, params in pages.items():
        path = listing_path(params)
        client.get(path)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(3):
            clear_page_caches()  # profile the work, not a cache hit
            client.get(path)
        profiler.stop()
        target = OUT / f"profile-{backend}-{name}.txt"
        target.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
        print(f"pyinstrument {name}: {target}")
