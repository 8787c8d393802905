"""bench/run.py's code paths at N=200, in process: no gunicorn, Datasette or wrk needed.

The benchmark's own figures come from `python bench/run.py` (bench/README.md); this only keeps the
script working as the app changes: the query counts it measures, the raw-SQL floor (which must mean
the same filter as the app's FilterSet), the Datasette export and the report.
"""

import importlib
import importlib.util
import json
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from agreements.models import Agreement
from agreements.public.filters import public_filterset
from agreements.public.listing.facets import facet_counts

N = 200


# What the tests use, by the bench/ module that owns it (bench/ is not a package: run.py, loaded by
# path, puts it on sys.path).
BENCH_NAMES = {
    "run": ["quick_measurements"],
    "bench_common": ["PER_PAGE", "listing_path", "machine", "percentile", "summary"],
    "bench_data": ["choose_params", "scenarios"],
    "bench_inprocess": ["admin_session_cookie", "query_counts"],
    "bench_floor": ["_paramstyle", "floor_statements", "resolve_codes", "run_floor", "schema_tables"],
    "bench_datasette": ["datasette_metadata", "datasette_queries", "export_for_datasette"],
    "bench_report": ["BUDGETS", "markdown"],
    "bench_servers": ["parse_wrk"],
}


def load_bench():
    path = Path(settings.BASE_DIR) / "bench" / "run.py"
    spec = importlib.util.spec_from_file_location("bench_run", path)
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    modules = {name: run if name == "run" else importlib.import_module(name) for name in BENCH_NAMES}
    return SimpleNamespace(
        **{name: getattr(modules[owner], name) for owner, names in BENCH_NAMES.items() for name in names}
    )


bench = load_bench()


@pytest.fixture
def demo(db):
    call_command("generate_demo_data", agreements=N, seed=1, no_progress=True, verbosity=0)
    return bench.choose_params()


def raw():
    connection.ensure_connection()
    return connection.connection, connection.vendor


def test_parameters_come_from_the_data(demo):
    assert demo["region"].startswith("KZ-")
    assert len(demo["sector"]) == 1 and demo["sector"].isalpha()
    assert public_filterset({"region": demo["region"]}).qs.exists()
    assert public_filterset({"q": demo["q"]}).qs.exists(), "the search word must occur in generated titles"
    assert set(bench.scenarios(demo)) == {
        "unfiltered",
        "region",
        "sector",
        "search",
        "three_filters",
        "deep_page",
    }
    assert demo["page"] >= 1


def test_query_counts_of_the_listing_pages(demo):
    pages = {name: bench.listing_path(params) for name, params in bench.scenarios(demo).items()}
    results = bench.query_counts(pages)
    for name, figures in results.items():
        assert figures["status"] == 200, name
        assert 0 < figures["queries"] <= bench.BUDGETS["queries"], (name, figures["queries"])
        assert figures["slowest"] and figures["in_process_ms"] > 0


def test_the_admin_pages_as_a_logged_in_superuser(demo):
    cookie, client = bench.admin_session_cookie()
    assert cookie.startswith(settings.SESSION_COOKIE_NAME + "=")
    results = bench.query_counts(
        {
            "changelist": "/admin/agreements/agreement/",
            "search": "/admin/agreements/agreement/?q=" + demo["q"],
        },
        client=client,
    )
    assert {figures["status"] for figures in results.values()} == {200}


def test_the_raw_sql_floor_means_what_the_filterset_means(demo):
    conn, vendor = raw()
    tables = bench.schema_tables()
    for name, params in bench.scenarios(demo).items():
        filterset = public_filterset(
            {k: [v] if k in ("region", "sector", "status") else v for k, v in params.items()}
        )
        assert filterset.is_valid(), filterset.errors
        resolved = bench.resolve_codes(conn, vendor, params, tables)
        floor = bench.floor_statements(params, vendor, tables, resolved)
        statements = {label: (sql, args) for label, sql, args in floor}
        cursor = conn.cursor()
        sql, args = statements["count"]
        cursor.execute(bench._paramstyle(sql, vendor), args)
        assert cursor.fetchone()[0] == filterset.qs.count(), name
        sql, args = statements["page"]
        cursor.execute(bench._paramstyle(sql, vendor), args)
        page_ids = [row[0] for row in cursor.fetchall()]
        offset = (params.get("page", 1) - 1) * bench.PER_PAGE
        assert page_ids == list(filterset.qs.values_list("pk", flat=True)[offset : offset + bench.PER_PAGE])
        sql, args = statements["facet:region"]
        cursor.execute(bench._paramstyle(sql, vendor), args)
        floor_regions = {code: n for code, _ru, _en, n in cursor.fetchall()}
        app_regions = {option.value: option.count for option in facet_counts(filterset)[1]["region"]}
        assert floor_regions == app_regions, name
        figures = bench.run_floor(conn, vendor, params, tables, repeats=1, warmup=0)
        assert figures["p50_ms"] > 0 and "facet:country" in figures["by_statement_ms"]


def test_the_datasette_export(demo, tmp_path):
    path = tmp_path / "bench.db"
    result = bench.export_for_datasette(path)
    published = Agreement.objects.public().count()
    assert result["rows"] == published
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    row = db.execute("SELECT * FROM agreements ORDER BY id LIMIT 1").fetchone()
    agreement = Agreement.objects.get(pk=row["id"])
    regions = json.loads(row["regions"])
    assert sorted(regions) == sorted(agreement.regions.values_list("code", flat=True))
    assert row["first_region"] == regions[0]
    assert json.loads(row["parties"]) == [link.party.name for link in agreement.party_links.order_by("order")]
    assert row["forum"] == (agreement.forum.title if agreement.forum else None)
    # Datasette's `regions__arraycontains=` and `_search=` work on this file.
    n_region = db.execute(
        "SELECT COUNT(*) FROM agreements WHERE ? IN (SELECT value FROM json_each(regions))", [demo["region"]]
    ).fetchone()[0]
    assert n_region == public_filterset({"region": [demo["region"]]}).qs.count()
    n_fts = db.execute(
        "SELECT COUNT(*) FROM agreements_fts WHERE agreements_fts MATCH ?", [demo["q"]]
    ).fetchone()[0]
    assert 0 < n_fts <= public_filterset({"q": demo["q"]}).qs.count()  # no stemming in FTS5
    db.close()
    metadata = json.loads(bench.datasette_metadata(path).read_text())
    assert metadata["databases"]["bench"]["tables"]["agreements"]["fts_table"] == "agreements_fts"
    queries = bench.datasette_queries(demo)
    assert ("_nosuggest", 1) in queries["any_region"] and ("_nosuggest", 1) not in queries[
        "any_region_suggest"
    ]


def test_quick_measurements_and_the_report(demo, tmp_path):
    results = bench.quick_measurements(raw(), demo, repeats=1, export_path=tmp_path / "quick.db")
    assert set(results["listing"]) == set(bench.scenarios(demo))
    assert results["datasette_export"]["rows"] == Agreement.objects.public().count()
    # The report renders with every section, including exports that are not available.
    listing = {
        name: {**figures, "http": {"n": 30, "p50_ms": 40.0, "p95_ms": 55.0}}
        for name, figures in results["listing"].items()
    }
    report = bench.markdown(
        {
            "backend": "postgres",
            "agreements": N,
            "published": 180,
            "date": "2026-01-01T00:00:00+05:00",
            "machine": bench.machine(),
            "commit": "abc1234",
            "dirty": True,
            "data": {"generated": True, "seconds": 1.0},
            "workers": 5,
            "params": demo,
            "listing": listing,
            "datasette": {
                view: {"p50_ms": 400.0, "p95_ms": 500.0, "rows": 10, "facets_timed_out": [], "path": "/x"}
                for view in bench.datasette_queries(demo)
            },
            "exports": {
                "xlsx": {"available": False, "reason": "/agreements/export.xlsx answered 404"},
                "csv": {
                    "available": True,
                    "seconds": 2.0,
                    "rows": 180,
                    "rows_per_s": 90,
                    "seconds_per_100k": 1111.1,
                    "peak_rss_mb": 80.0,
                    "idle_rss_mb": 60.0,
                    "above_idle_mb": 20.0,
                },
            },
            "admin": bench.query_counts(
                {"changelist": "/admin/agreements/agreement/"}, client=bench.admin_session_cookie()[1]
            ),
            "wrk": bench.parse_wrk(WRK_OUTPUT)
            | {"command": "wrk -t2 -c16 -d30s --latency", "path": "/agreements/"},
        }
    )
    assert "not available (/agreements/export.xlsx answered 404)" in report
    assert "| csv | 2.0 | 180 | 90 | 1111.1 | 60.0 | 80.0 | 20.0 |" in report
    assert "| any_region | 400.0 |" in report and "0.1" in report
    assert "**missed**" in report and "met" in report


WRK_OUTPUT = """Running 30s test @ http://127.0.0.1:8000/agreements/?region=KZ-31
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   250.10ms   80.00ms   1.20s    70.00%
    Req/Sec    32.10     10.00    60.00     70.00%
  Latency Distribution
     50%  240.00ms
     75%  300.00ms
     90%  350.00ms
     99%    1.10s
  1920 requests in 30.02s, 250.00MB read
  Socket errors: connect 0, read 0, write 0, timeout 3
  Non-2xx or 3xx responses: 2
Requests/sec:     63.96
Transfer/sec:      8.33MB
"""


def test_parse_wrk_and_percentiles():
    parsed = bench.parse_wrk(WRK_OUTPUT)
    assert parsed["requests_per_s"] == 63.96
    assert parsed["p50_ms"] == 240.0 and parsed["p99_ms"] == 1100.0
    assert parsed["errors"] == 5 and parsed["socket_errors"] == 3 and parsed["non_2xx"] == 2
    assert bench.parse_wrk("  0 requests in 30.00s, 0B read\nRequests/sec: 0.00\n")["p99_ms"] is None
    assert bench.percentile([0.3, 0.1, 0.2], 50) == 0.2
    assert bench.percentile(list(range(1, 101)), 95) == 95
    assert bench.summary([0.010, 0.020, 0.030])["p50_ms"] == 20.0
