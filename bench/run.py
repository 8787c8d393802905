#!/usr/bin/env python
"""The registry's benchmark: one command measures everything and writes bench/RESULTS.md.

    .venv/bin/python bench/run.py --backend postgres --agreements 100000
    .venv/bin/python bench/run.py --backend sqlite --agreements 100000
    .venv/bin/python bench/run.py --backend sqlite --agreements 200 --quick   # in-process parts only

See bench/README.md for what is measured, how, and the budgets. Every load goes to 127.0.0.1 only and
every loop is bounded (a fixed number of requests or a fixed wrk duration, each with a timeout).

The functions below are also imported by agreements/tests/test_bench.py, which runs the in-process
parts (query counts, the raw-SQL floor, the Datasette export) against the test database. Nothing here
calls django.setup() at import time; main() configures the environment first.
"""

import argparse
import csv
import datetime
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

# The sibling modules, also when this file is loaded by path (agreements/tests/test_bench.py).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import (
    BENCH,
    DATASETTE_VENV,
    HTTP_TIMEOUT,
    OUT,
    PER_PAGE,
    PG_DATABASE,
    PG_SERVER,
    RESULTS_MD,
    ROOT,
    SEARCH_WORD,
    SEED,
    children,
    git_commit,
    http_get,
    listing_path,
    machine,
    measure_http,
    percentile,  # noqa: F401 (for test_bench)
    rss_mb,
    summary,
)
from bench_servers import app_env, datasette, ensure_datasette_venv, gunicorn, parse_wrk, wrk  # noqa: F401 (parse_wrk: test_bench)

# Budgets (PostgreSQL; shown beside SQLite's figures for reference).
BUDGETS = {
    "listing_p50_ms": 60,
    "floor_ratio": 3.0,
    "datasette_any_region_ratio": 0.1,
    "datasette_first_region_ratio": 1.0,
    "search_p50_ms": 100,
    "queries": 12,
    "xlsx_s_per_100k": 10,
    "xlsx_rss_mb": 250,
    "csv_s_per_100k": 5,
    # Issue #5's bounds for both exports: throughput, and memory above the idle worker.
    "export_rows_per_s": 10_000,
    "export_above_idle_mb": 150,
    "admin_p50_ms": 300,
    "wrk_errors": 0,
    "wrk_p99_ms": 500,
}


# --- Small helpers ------------------------------------------------------------------------------


# --- Database -----------------------------------------------------------------------------------


def database_url(backend: str, quick: bool = False) -> str:
    if backend == "postgres":
        return f"{PG_SERVER}/{PG_DATABASE}{'_quick' if quick else ''}"
    return f"sqlite:///{OUT / ('bench-quick.sqlite3' if quick else 'bench.sqlite3')}"


def ensure_postgres_database(url: str) -> None:
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare_data(agreements: int, seed: int = SEED, log=print) -> dict:
    """Migrate; generate N demo agreements unless exactly N are there already (then reuse them)."""
    from django.core.management import call_command

    from agreements.models import Agreement

    call_command("migrate", verbosity=0, interactive=False)
    existing = Agreement.objects.filter(slug__startswith="demo-").count()
    if existing == agreements:
        log(f"Reusing the {existing} demo agreements already in the database.")
        vacuum_analyze()
        return {"generated": False, "seconds": None}
    log(f"Generating {agreements} demo agreements (found {existing})…")
    started = time.monotonic()
    call_command("generate_demo_data", agreements=agreements, seed=seed, replace=True, no_progress=True)
    return {"generated": True, "seconds": round(time.monotonic() - started, 1)}


def vacuum_analyze() -> None:
    """PostgreSQL: the steady state autovacuum keeps (statistics, visibility map), even with it off."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    from agreements.models import Agreement, AgreementParty, Forum, Party

    tables = [m._meta.db_table for m in (Agreement, AgreementParty, Party, Forum)]
    tables += [getattr(Agreement, f).through._meta.db_table for f in ("regions", "sectors", "countries")]
    command = "ANALYZE " if connection.in_atomic_block else "VACUUM (ANALYZE) "
    with connection.cursor() as cursor:
        cursor.execute(command + ", ".join(connection.ops.quote_name(t) for t in tables))


def database_settings() -> str:
    """The server settings that decide how much of the data is cached, for the report."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ["server_version", "shared_buffers", "work_mem", "effective_cache_size", "autovacuum"]
            values = []
            for name in names:
                cursor.execute(f"SHOW {name}")
                values.append(f"{name}={cursor.fetchone()[0]}")
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('agreements_agreement'))")
            values.append(f"agreement table {cursor.fetchone()[0]}")
            return "PostgreSQL " + ", ".join(values)
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
        return (
            f"SQLite {sqlite3.sqlite_version}, journal_mode={mode}, file {connection.settings_dict['NAME']}"
        )


def choose_params() -> dict:
    """The filter values the scenarios use, taken from the data: the busiest KZ region and section."""
    from django.db.models import Count, Q

    from agreements.models import Agreement, Region, Sector

    published = Q(agreements__is_published=True)
    region = (
        Region.objects.filter(country_id="KZ")
        .annotate(n=Count("agreements", filter=published))
        .order_by("-n", "code")
        .first()
    )
    sections = (
        Sector.objects.filter(parent__isnull=True)
        .annotate(n=Count("divisions__agreements", filter=Q(divisions__agreements__is_published=True)))
        .order_by("-n", "code")
    )
    section = sections.first()
    statuses = (
        Agreement.objects.public().values("status").annotate(n=Count("pk")).order_by("-n", "status").first()
    )
    return {
        "region": region.code if region else "KZ-31",
        "sector": section.code if section else "C",
        "status": statuses["status"] if statuses else "signed",
        "q": SEARCH_WORD,
        # Halfway through that region's pages: what a crawler or a reader paging on asks for.
        "page": max(1, (region.n if region else 0) // PER_PAGE // 2),
    }


def scenarios(params: dict) -> dict[str, dict]:
    """The listing pages measured: name → query parameters."""
    return {
        "unfiltered": {},
        "region": {"region": params["region"]},
        "sector": {"sector": params["sector"]},
        "search": {"q": params["q"]},
        "three_filters": {"region": params["region"], "sector": params["sector"], "status": params["status"]},
        "deep_page": {"region": params["region"], "page": params["page"]},
    }


# --- In-process measurements (Django test client) -----------------------------------------------


def test_client_host() -> str:
    from django.conf import settings

    allowed = [h for h in settings.ALLOWED_HOSTS if h not in ("*",) and not h.startswith(".")]
    return "testserver" if "testserver" in allowed or not allowed else allowed[0]


def clear_page_caches() -> None:
    """Empty the caches that hold per-filter results (every cache but the reference-code one)."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        if alias != "reference":
            caches[alias].clear()


def facet_index_build(repeats: int = 3) -> dict:
    """What each worker pays once per data change (and at start-up): rebuilding the facet bitsets."""
    import pickle

    from agreements.facets import FacetIndex, current_index

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


# --- Raw SQL floor ------------------------------------------------------------------------------


def schema_tables() -> dict[str, str]:
    """Our table names, from the models (the floor SQL is written against our schema)."""
    from agreements.models import Agreement, AgreementParty, Forum, Party, Region, Sector

    return {
        "agreement": Agreement._meta.db_table,
        "party_link": AgreementParty._meta.db_table,
        "party": Party._meta.db_table,
        "forum": Forum._meta.db_table,
        "region": Region._meta.db_table,
        "sector": Sector._meta.db_table,
        "region_link": Agreement.regions.through._meta.db_table,
        "sector_link": Agreement.sectors.through._meta.db_table,
        "country_link": Agreement.countries.through._meta.db_table,
        "country": "agreements_country",
        # PostgreSQL searches a stored tsvector when the model has one (agreements.search).
        "search_vector": any(f.name == "search_vector" for f in Agreement._meta.get_fields()),
    }


def resolve_codes(conn, vendor: str, params: dict, tables: dict) -> dict[str, list[int]]:
    """Region and sector codes → ids (a section → itself and its divisions), as the app resolves them
    from its cached reference data before querying; done once, outside the timings."""
    cursor = conn.cursor()
    resolved = {}
    if params.get("region"):
        cursor.execute(
            _paramstyle("SELECT id FROM {region} WHERE code = %s".format(**tables), vendor),
            [params["region"]],
        )
        resolved["region"] = [row[0] for row in cursor.fetchall()]
    if params.get("sector"):
        cursor.execute(
            _paramstyle(
                "SELECT s.id FROM {sector} s LEFT JOIN {sector} ps ON ps.id = s.parent_id"
                " WHERE s.code = %s OR ps.code = %s".format(**tables),
                vendor,
            ),
            [params["sector"], params["sector"]],
        )
        resolved["sector"] = sorted(row[0] for row in cursor.fetchall())
    cursor.close()
    return resolved


def _ids(values: list[int]) -> str:
    return ", ".join(str(int(v)) for v in values) or "NULL"


def floor_where(params: dict, vendor: str, tables: dict, resolved: dict, skip: str = "") -> tuple[str, list]:
    """WHERE of the public listing under ``params`` (minus ``skip``), as the app's FilterSet means it."""
    clauses, args = ["a.is_published = %s"], [True]
    if params.get("region") and skip != "region":
        clauses.append(
            "EXISTS (SELECT 1 FROM {region_link} rl WHERE rl.agreement_id = a.id".format(**tables)
            + f" AND rl.region_id IN ({_ids(resolved['region'])}))"
        )
    if params.get("sector") and skip != "sector":
        clauses.append(
            "EXISTS (SELECT 1 FROM {sector_link} sl WHERE sl.agreement_id = a.id".format(**tables)
            + f" AND sl.sector_id IN ({_ids(resolved['sector'])}))"
        )
    if params.get("status") and skip != "status":
        clauses.append("a.status = %s")
        args.append(params["status"])
    if params.get("q") and skip != "q":
        if vendor == "postgresql":
            clauses.append(f"{search_vector_sql(tables)} @@ plainto_tsquery('russian'::regconfig, %s)")
            args.append(params["q"])
        else:
            from agreements.search import stems

            for stem in stems(params["q"]):
                clauses.append("a.search_stems LIKE %s ESCAPE '\\'")
                args.append(f"% {stem}%")
    return " AND ".join(clauses), args


def search_vector_sql(tables: dict, weighted: bool = False) -> str:
    """PostgreSQL: the stored search vector if the schema has one, else the expressions it replaced."""
    if tables.get("search_vector"):
        return "a.search_vector"
    if weighted:
        return (
            "(setweight(to_tsvector('russian'::regconfig, COALESCE(a.title, '')), 'A')"
            " || setweight(to_tsvector('russian'::regconfig, COALESCE(a.search_text, '')), 'D'))"
        )
    return "to_tsvector('russian'::regconfig, COALESCE(a.search_text, ''))"


def floor_statements(params: dict, vendor: str, tables: dict, resolved: dict) -> list[tuple[str, str, list]]:
    """(label, sql, args) for one listing page: count, first page, its parties and regions, every facet."""
    where, args = floor_where(params, vendor, tables, resolved)
    t = {**tables, "where": where}
    if params.get("q"):
        if vendor == "postgresql":
            order = (
                f"ts_rank({search_vector_sql(tables, weighted=True)},"
                " plainto_tsquery('russian'::regconfig, %s)) DESC, a.id"
            )
            order_args = [params["q"]]
        else:
            from agreements.search import stems

            order = " + ".join("instr(a.search_stems, %s)" for _ in stems(params["q"])) + ", a.id"
            order_args = [f" {stem}" for stem in stems(params["q"])]
    else:
        # Undated agreements last, as the app sorts (SQLite ≥ 3.30 and PostgreSQL both say NULLS LAST).
        order, order_args = "a.signed_on DESC NULLS LAST, a.title, a.id", []
    statements = [
        ("count", "SELECT COUNT(*) FROM {agreement} a WHERE {where}".format(**t), args),
        (
            "page",
            "SELECT a.id, a.slug, a.title, a.subject, a.kind, a.status, a.signed_on,"
            " f.title, f.number, f.slug"
            " FROM {agreement} a LEFT JOIN {forum} f ON f.id = a.forum_id WHERE {where}".format(**t)
            + f" ORDER BY {order} LIMIT {PER_PAGE} OFFSET {(int(params.get('page', 1)) - 1) * PER_PAGE}",
            [*args, *order_args],
        ),
    ]

    def facet(name, sql):
        base_where, base_args = floor_where(params, vendor, tables, resolved, skip=name)
        base = "SELECT a.id FROM {agreement} a WHERE ".format(**tables) + base_where
        count = sql.count("{base}")
        return (f"facet:{name}", sql.format(base=base, **tables), base_args * count)

    statements += [
        facet(
            "region",
            "SELECT r.code, r.name_ru, r.name_en, COUNT(rl.agreement_id) AS n FROM {region_link} rl"
            " JOIN {region} r ON r.id = rl.region_id WHERE rl.agreement_id IN ({base})"
            " GROUP BY r.code, r.name_ru, r.name_en ORDER BY n DESC, r.code",
        ),
        facet(
            "sector",
            "SELECT s.code, s.name_ru, s.name_en, ps.code, ps.name_ru, ps.name_en, COUNT(sl.agreement_id)"
            " FROM {sector_link} sl JOIN {sector} s ON s.id = sl.sector_id"
            " LEFT JOIN {sector} ps ON ps.id = s.parent_id WHERE sl.agreement_id IN ({base})"
            " GROUP BY s.code, s.name_ru, s.name_en, ps.code, ps.name_ru, ps.name_en",
        ),
        facet(
            "section",
            "SELECT COALESCE(ps.code, s.code), COUNT(DISTINCT sl.agreement_id)"
            " FROM {sector_link} sl JOIN {sector} s ON s.id = sl.sector_id"
            " LEFT JOIN {sector} ps ON ps.id = s.parent_id WHERE sl.agreement_id IN ({base})"
            " GROUP BY COALESCE(ps.code, s.code)",
        ),
        facet(
            "country",
            "SELECT u.country_id, c.name_ru, c.name_en, COUNT(*) AS n FROM ("
            " SELECT rl.agreement_id, r.country_id"
            " FROM {region_link} rl JOIN {region} r ON r.id = rl.region_id"
            " WHERE rl.agreement_id IN ({base})"
            " UNION SELECT cl.agreement_id, cl.country_id FROM {country_link} cl"
            " WHERE cl.agreement_id IN ({base})"
            ") u JOIN {country} c ON c.code = u.country_id GROUP BY u.country_id, c.name_ru, c.name_en"
            " ORDER BY n DESC, u.country_id",
        ),
    ]
    scalar = "SELECT a.kind, a.status, f.slug, f.title, COUNT(a.id) FROM {agreement} a"
    scalar += (
        " LEFT JOIN {forum} f ON f.id = a.forum_id WHERE {where} GROUP BY a.kind, a.status, f.slug, f.title"
    )
    statements.append(("facet:kind+status+forum", scalar.format(**t), args))
    if params.get("status"):
        base_where, base_args = floor_where(params, vendor, tables, resolved, skip="status")
        statements.append(
            (
                "facet:status",
                "SELECT a.status, COUNT(a.id) FROM {agreement} a WHERE ".format(**tables)
                + base_where
                + " GROUP BY a.status",
                base_args,
            )
        )
    return statements


def run_floor(conn, vendor: str, params: dict, tables: dict, repeats: int = 10, warmup: int = 2) -> dict:
    """Time the floor statements of one page on a DB-API connection (psycopg or sqlite3)."""
    statements = floor_statements(params, vendor, tables, resolve_codes(conn, vendor, params, tables))
    page_ids: list = []

    def one_pass() -> dict[str, float]:
        nonlocal page_ids
        timings = {}
        cursor = conn.cursor()
        for label, sql, args in statements:
            started = time.perf_counter()
            cursor.execute(_paramstyle(sql, vendor), args)
            rows = cursor.fetchall()
            timings[label] = time.perf_counter() - started
            if label == "page":
                page_ids = [row[0] for row in rows]
                # The page's parties and regions, as the listing shows them.
                if page_ids:
                    marks = ", ".join(["%s"] * len(page_ids))
                    started = time.perf_counter()
                    cursor.execute(
                        _paramstyle(
                            "SELECT pl.agreement_id, p.name, p.legal_form, p.slug, p.country_id"
                            " FROM {party_link} pl JOIN {party} p ON p.id = pl.party_id".format(**tables)
                            + f" WHERE pl.agreement_id IN ({marks})"
                            + ' ORDER BY pl.agreement_id, pl."order", pl.id',
                            vendor,
                        ),
                        page_ids,
                    )
                    cursor.fetchall()
                    cursor.execute(
                        _paramstyle(
                            "SELECT rl.agreement_id, r.code, r.name_ru FROM {region_link} rl"
                            " JOIN {region} r ON r.id = rl.region_id".format(**tables)
                            + f" WHERE rl.agreement_id IN ({marks})",
                            vendor,
                        ),
                        page_ids,
                    )
                    cursor.fetchall()
                    timings["page relations"] = time.perf_counter() - started
        cursor.close()
        return timings

    for _ in range(warmup):
        one_pass()
    passes = [one_pass() for _ in range(repeats)]
    totals = [sum(p.values()) for p in passes]
    labels = passes[0].keys()
    return {
        **summary(totals),
        "statements": len(statements) + (1 if page_ids else 0),
        "by_statement_ms": {
            label: round(statistics.median(p[label] for p in passes) * 1000, 2) for label in labels
        },
    }


def _paramstyle(sql: str, vendor: str) -> str:
    return sql if vendor == "postgresql" else sql.replace("%s", "?")


def raw_connection(url: str):
    """A plain DB-API connection for the floor: psycopg for PostgreSQL, sqlite3 for SQLite."""
    if url.startswith("postgres"):
        import psycopg

        return psycopg.connect(url, autocommit=True), "postgresql"
    return sqlite3.connect(url.removeprefix("sqlite:///")), "sqlite"


# --- Datasette ----------------------------------------------------------------------------------


def export_for_datasette(path: Path) -> dict:
    """The published agreements as one flat table (plus FTS5 on title+subject), as Datasette users export.

    Columns: title, subject, kind, status, forum (its title), signed_on, amount, currency, JSON arrays
    ``regions``, ``sectors``, ``countries``, ``parties`` (names), and ``first_region``, the cheap
    single-column filter. Indexes on the scalar columns a Datasette user would facet or filter on.
    """
    from collections import defaultdict

    from agreements.models import Agreement, AgreementParty

    path = Path(path)
    if path.exists():
        path.unlink()
    public = Agreement.objects.public()
    links = defaultdict(lambda: defaultdict(list))
    for agreement_id, code in (
        Agreement.regions.through.objects.filter(agreement__is_published=True)
        .order_by("agreement_id", "id")
        .values_list("agreement_id", "region__code")
    ):
        links["regions"][agreement_id].append(code)
    for agreement_id, code in (
        Agreement.sectors.through.objects.filter(agreement__is_published=True)
        .order_by("agreement_id", "id")
        .values_list("agreement_id", "sector__code")
    ):
        links["sectors"][agreement_id].append(code)
    for agreement_id, code in (
        Agreement.countries.through.objects.filter(agreement__is_published=True)
        .order_by("agreement_id", "id")
        .values_list("agreement_id", "country_id")
    ):
        links["countries"][agreement_id].append(code)
    for agreement_id, name in (
        AgreementParty.objects.filter(agreement__is_published=True)
        .order_by("agreement_id", "order", "id")
        .values_list("agreement_id", "party__name")
    ):
        links["parties"][agreement_id].append(name)
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE [agreements] ([id] INTEGER PRIMARY KEY, [slug] TEXT, [title] TEXT, [subject] TEXT,"
        " [kind] TEXT, [status] TEXT, [forum] TEXT, [signed_on] TEXT, [amount] FLOAT, [currency] TEXT,"
        " [regions] TEXT, [first_region] TEXT, [sectors] TEXT, [countries] TEXT, [parties] TEXT)"
    )
    rows = (
        (
            a["id"],
            a["slug"],
            a["title"],
            a["subject"],
            a["kind"],
            a["status"],
            a["forum__title"],
            a["signed_on"].isoformat() if a["signed_on"] else None,
            float(a["amount"]) if a["amount"] is not None else None,
            a["currency"],
            json.dumps(links["regions"].get(a["id"], []), ensure_ascii=False),
            (links["regions"].get(a["id"]) or [None])[0],
            json.dumps(links["sectors"].get(a["id"], []), ensure_ascii=False),
            json.dumps(links["countries"].get(a["id"], []), ensure_ascii=False),
            json.dumps(links["parties"].get(a["id"], []), ensure_ascii=False),
        )
        for a in public.order_by("pk")
        .values(
            "id",
            "slug",
            "title",
            "subject",
            "kind",
            "status",
            "forum__title",
            "signed_on",
            "amount",
            "currency",
        )
        .iterator(chunk_size=5000)
    )
    db.executemany("INSERT INTO [agreements] VALUES (" + ", ".join(["?"] * 15) + ")", rows)
    for column in ("first_region", "kind", "status", "forum", "signed_on"):
        db.execute(f"CREATE INDEX [idx_agreements_{column}] ON [agreements] ([{column}])")
    # What `sqlite-utils enable-fts bench.db agreements title subject` runs.
    db.execute("CREATE VIRTUAL TABLE [agreements_fts] USING FTS5 ([title], [subject], content=[agreements])")
    db.execute(
        "INSERT INTO [agreements_fts] (rowid, [title], [subject])"
        " SELECT rowid, [title], [subject] FROM [agreements]"
    )
    db.execute("ANALYZE")
    db.commit()
    count = db.execute("SELECT COUNT(*) FROM agreements").fetchone()[0]
    db.close()
    return {"path": str(path), "rows": count}


def datasette_metadata(path: Path) -> Path:
    meta = path.with_suffix(".metadata.json")
    name = path.stem
    meta.write_text(
        json.dumps(
            {
                "databases": {
                    name: {"tables": {"agreements": {"fts_table": "agreements_fts", "fts_pk": "id"}}}
                }
            },
            indent=2,
        )
    )
    return meta


def datasette_queries(params: dict) -> dict[str, dict]:
    """The Datasette table views compared with ours: name → query parameters."""
    all_facets = [
        ("_facet_array", "regions"),
        ("_facet_array", "sectors"),
        ("_facet_array", "countries"),
        ("_facet", "kind"),
        ("_facet", "status"),
        ("_facet", "forum"),
    ]
    return {
        "any_region": [
            ("regions__arraycontains", params["region"]),
            *all_facets,
            ("_size", PER_PAGE),
            ("_nosuggest", 1),
        ],
        "any_region_suggest": [
            ("regions__arraycontains", params["region"]),
            *all_facets,
            ("_size", PER_PAGE),
        ],
        "first_region": [
            ("first_region", params["region"]),
            ("_facet", "kind"),
            ("_facet", "status"),
            ("_size", PER_PAGE),
            ("_nosuggest", 1),
        ],
        "search": [
            ("_search", params["q"]),
            ("_facet", "kind"),
            ("_facet", "status"),
            ("_size", PER_PAGE),
            ("_nosuggest", 1),
        ],
    }


# --- Servers ------------------------------------------------------------------------------------


# --- Exports ------------------------------------------------------------------------------------


def count_rows(path: Path, kind: str) -> int:
    if kind == "csv":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return max(0, sum(1 for _ in csv.reader(handle)) - 1)
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    rows = sum(1 for _ in workbook.active.iter_rows(values_only=True))
    workbook.close()
    return max(0, rows - 1)


def measure_export(url: str, kind: str, log_dir: Path) -> dict:
    """Download /agreements/export.<kind> from a fresh one-worker gunicorn; time, rows, worker peak RSS."""
    with gunicorn(url, 1, log_dir / f"gunicorn-export-{kind}.log") as server:
        path = f"/agreements/export.{kind}"
        target = log_dir / f"export.{kind}"
        workers = children(server.process.pid)
        # Resident memory of the idle worker (started, facet index built), and its high-water mark:
        # the peak after the download minus this is what the export cost, at most.
        idle = {pid: rss_mb(pid, "VmRSS") for pid in workers}
        with open(target, "wb") as sink:
            status, size, seconds = http_get(server.base + path, sink=sink)
        if status == 404:
            return {"available": False, "reason": f"{path} answered 404"}
        if status != 200:
            return {"available": False, "reason": f"{path} answered {status}"}
        peak = max((rss_mb(pid) or 0) for pid in workers) if workers else None
    rows = count_rows(target, kind)
    return {
        "available": True,
        "seconds": round(seconds, 2),
        "rows": rows,
        "bytes": size,
        "rows_per_s": round(rows / seconds) if seconds else None,
        "seconds_per_100k": round(seconds * 100_000 / rows, 2) if rows else None,
        "peak_rss_mb": peak,
        "idle_rss_mb": max(idle.values()) if idle else None,
        "above_idle_mb": round(peak - max(idle.values()), 1) if peak and idle else None,
    }


# --- The whole run ------------------------------------------------------------------------------


def quick_measurements(
    floor_url_or_conn, params: dict | None = None, repeats: int = 3, export_path=None
) -> dict:
    """What needs no server: query counts, in-process times, the raw-SQL floor, the Datasette export."""
    params = params or choose_params()
    pages = {name: listing_path(p) for name, p in scenarios(params).items()}
    results = {"params": params, "facet_index": facet_index_build(repeats)}
    results["listing"] = query_counts(pages, repeats=repeats)
    conn, vendor = (
        raw_connection(floor_url_or_conn) if isinstance(floor_url_or_conn, str) else floor_url_or_conn
    )
    tables = schema_tables()
    for name, scenario in scenarios(params).items():
        results["listing"][name]["floor"] = run_floor(
            conn, vendor, scenario, tables, repeats=repeats, warmup=1
        )
    if export_path is not None:
        results["datasette_export"] = export_for_datasette(export_path)
    return results


def run(args) -> dict:
    log = print
    backend = args.backend
    url = database_url(backend, quick=args.quick)
    OUT.mkdir(parents=True, exist_ok=True)
    if backend == "postgres":
        ensure_postgres_database(url)
    env = app_env(url)
    # DEBUG=0 serves static files through the manifest: build it (ignored by git) as production does.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    os.environ.update(
        {
            k: env[k]
            for k in (
                "DATABASE_URL",
                "DEBUG",
                "SECURE_SSL_REDIRECT",
                "SECRET_KEY",
                "ALLOWED_HOSTS",
                "LOG_LEVEL",
            )
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from agreements.models import Agreement

    results = {
        "backend": backend,
        "agreements": args.agreements,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        **git_commit(),
        "quick": args.quick,
    }
    results["data"] = prepare_data(args.agreements, log=log)
    results["published"] = Agreement.objects.public().count()
    results["database"] = database_settings()
    params = choose_params()
    results["params"] = params
    log(f"Scenario parameters: {params}")

    export_path = OUT / f"datasette-{backend}{'-quick' if args.quick else ''}.db"
    log("In-process: query counts, raw SQL floor, Datasette export…")
    quick = quick_measurements(url, params, repeats=3 if args.quick else 5, export_path=export_path)
    results["listing"] = quick["listing"]
    results["facet_index"] = quick["facet_index"]
    results["datasette_export"] = quick["datasette_export"]
    cookie, admin_client = admin_session_cookie()
    admin_pages = {
        "changelist": "/admin/agreements/agreement/",
        "changelist_search": "/admin/agreements/agreement/?" + urllib.parse.urlencode({"q": params["q"]}),
    }
    results["admin"] = query_counts(admin_pages, client=admin_client, repeats=1)

    if args.explain:
        write_explain(backend, results)
    if args.profile:
        write_profiles(backend, scenarios(params))

    if args.quick:
        return results

    workers = 2 * (os.cpu_count() or 1) + 1
    results["workers"] = workers
    log(f"gunicorn with {workers} workers…")
    with gunicorn(url, workers, OUT / f"gunicorn-{backend}.log") as server:
        for _ in range(2 * workers):  # every worker loads templates and the reference-code cache
            http_get(server.base + "/agreements/")
        for name, scenario in scenarios(params).items():
            figures = measure_http(server.base + listing_path(scenario), args.requests, args.warmup)
            results["listing"][name]["http"] = figures
            log(f"  {name}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")
        for name, path in admin_pages.items():
            figures = measure_http(server.base + path, args.requests, args.warmup, headers={"Cookie": cookie})
            results["admin"][name]["http"] = figures
            log(f"  admin {name}: p50 {figures['p50_ms']} ms")
        if args.wrk_duration:
            wrk_url = server.base + listing_path(scenarios(params)["region"])
            log(f"  wrk {args.wrk_duration} s on {wrk_url}…")
            results["wrk"] = {
                **wrk(wrk_url, args.wrk_duration),
                "path": listing_path(scenarios(params)["region"]),
            }

    if not args.skip_datasette:
        ensure_datasette_venv(log)
        metadata = datasette_metadata(export_path)
        results["datasette"] = {}
        with datasette(export_path, metadata, OUT / f"datasette-{backend}.log") as server:
            for name, query in datasette_queries(params).items():
                path = f"/{export_path.stem}/agreements?" + urllib.parse.urlencode(query)
                figures = measure_http(server.base + path, args.requests, args.warmup)
                json_path = f"/{export_path.stem}/agreements.json?" + urllib.parse.urlencode(query)
                with urllib.request.urlopen(server.base + json_path, timeout=HTTP_TIMEOUT) as response:
                    body = json.load(response)
                figures.update(
                    path=path,
                    rows=body.get("filtered_table_rows_count"),
                    facets_timed_out=body.get("facets_timed_out", []),
                )
                results["datasette"][name] = figures
                log(f"  datasette {name}: p50 {figures['p50_ms']} ms ({figures['rows']} rows)")

    results["exports"] = {}
    for kind in ("xlsx", "csv"):
        log(f"Export {kind}…")
        results["exports"][kind] = measure_export(url, kind, OUT)
        log(f"  {results['exports'][kind]}")
    return results


# --- Reports ------------------------------------------------------------------------------------


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


def verdict(value, budget, lower_is_better: bool = True) -> str:
    if value is None:
        return "n/a"
    return "met" if (value <= budget if lower_is_better else value >= budget) else "**missed**"


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def markdown(results: dict) -> str:
    backend = results["backend"]
    pg_note = "" if backend == "postgres" else " (PostgreSQL budgets, shown for reference)"
    m = results["machine"]
    lines = [
        f"## {'PostgreSQL 15' if backend == 'postgres' else 'SQLite'} — {results['agreements']:,} agreements",
        "",
        f"- date: {results['date']}",
        f"- machine: {m.get('cores')} cores ({m.get('cpu')}), {m.get('ram_gb')} GB RAM, "
        f"Python {m.get('python')}",
        f"- database: {results.get('database', '—')}",
        f"- git commit: {results['commit']}"
        + (" (working tree with uncommitted changes)" if results["dirty"] else ""),
        f"- data: {results['agreements']:,} demo agreements ({results['published']:,} published), seed {SEED}"
        + (
            f"; generated in {results['data']['seconds']} s" if results["data"].get("seconds") else "; reused"
        ),
        f"- gunicorn: {results.get('workers')} sync workers, DEBUG=0; sequential requests: "
        f"{results['listing']['unfiltered'].get('http', {}).get('n', '—')} timed after warm-ups",
        f"- parameters: region={results['params']['region']}, sector={results['params']['sector']}, "
        f"status={results['params']['status']}, q={results['params']['q']}",
        "",
        f"### Public listing (all facets){pg_note}",
        "",
        "As served: gunicorn, sequential requests, p50/p95 over the timed requests (per-filter caches",
        "warm after each worker's first request). Cold: in process, per-filter caches emptied before",
        "each request, median of 5 — what a filter costs the first time it is asked for; the facet",
        "index is kept (it is rebuilt once per data change in each worker, measured below).",
        "Floor: the same SQL run directly (no ORM, template, HTTP), p50.",
        "",
        "| page | served p50 ms | served p95 ms | cold ms | SQL queries cold / warm | floor ms "
        "| served / floor | cold / floor | budget | verdict (served p50 / cold / queries / cold÷floor) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for name, f in results["listing"].items():
        http = f.get("http", {})
        p50, cold = http.get("p50_ms"), f["in_process_ms"]
        floor = f["floor"]["p50_ms"]
        p50_budget = BUDGETS["search_p50_ms"] if name == "search" else BUDGETS["listing_p50_ms"]
        budget = f"p50 ≤ {p50_budget} ms; ≤ {BUDGETS['queries']} queries; ≤ {BUDGETS['floor_ratio']:g}× floor"
        verdicts = [
            verdict(p50, p50_budget),
            verdict(cold, p50_budget),
            verdict(f["queries"], BUDGETS["queries"]),
            verdict(ratio(cold, floor), BUDGETS["floor_ratio"]),
        ]
        lines.append(
            f"| {name} `{f['path']}` | {p50} | {http.get('p95_ms')} | {cold} | "
            f"{f['queries']} / {f.get('queries_warm', '—')} | {floor} | {ratio(p50, floor)} | "
            f"{ratio(cold, floor)} | "
            f"{budget} | " + " / ".join(verdicts) + " |"
        )
    index = results.get("facet_index")
    if index:
        lines += [
            "",
            f"Facet index (in-memory bitsets, rebuilt in each worker after a data change and at worker "
            f"start): {index['seconds']} s to build for {index['agreements']:,} published agreements, "
            f"{index['bitsets']} bitsets, {index['pickled_mb']} MB.",
        ]
    ds = results.get("datasette")
    lines += ["", f"### Against Datasette {datasette_version()} (same machine, same run){pg_note}", ""]
    if ds:
        lines += [
            "| Datasette view | p50 ms | p95 ms | rows | ours | ours served p50 | ours cold "
            "| served / Datasette | cold / Datasette | budget | verdict (served / cold) |",
            "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        served = {k: v.get("http", {}).get("p50_ms") for k, v in results["listing"].items()}
        colds = {k: v["in_process_ms"] for k, v in results["listing"].items()}
        comparisons = [
            ("any_region", "region", BUDGETS["datasette_any_region_ratio"]),
            ("any_region_suggest", "region", None),
            ("first_region", "region", BUDGETS["datasette_first_region_ratio"]),
            ("search", "search", None),
        ]
        for view, page, budget in comparisons:
            d = ds[view]
            r_served, r_cold = ratio(served[page], d["p50_ms"]), ratio(colds[page], d["p50_ms"])
            timed_out = (
                f" (facets timed out: {', '.join(d['facets_timed_out'])})" if d["facets_timed_out"] else ""
            )
            lines.append(
                f"| {view}{timed_out} | {d['p50_ms']} | {d['p95_ms']} | {d['rows']} | {page} | "
                f"{served[page]} | {colds[page]} | {r_served} | {r_cold} | "
                + (
                    f"≤ {budget:g} | {verdict(r_served, budget)} / {verdict(r_cold, budget)}"
                    if budget
                    else "— | —"
                )
                + " |"
            )
        lines += ["", "Datasette URLs (HTML table view, `_size=50`):", ""]
        lines += [f"- {view}: `{d['path']}`" for view, d in ds.items()]
    else:
        lines.append("not measured (--skip-datasette)")
    lines += ["", f"### Exports of all published rows{pg_note}", ""]
    exports = results.get("exports", {})
    if exports:
        lines += [
            "| export | seconds | rows | rows/s | s per 100,000 rows | worker idle RSS MB "
            "| worker peak RSS MB | peak above idle MB | budget | verdict |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for kind in ("xlsx", "csv"):
            e = exports.get(kind, {})
            if not e.get("available"):
                lines.append(
                    f"| {kind} | not available ({e.get('reason', 'not measured')}) | | | | | | | | |"
                )
                continue
            if kind == "xlsx":
                budget = f"≤ {BUDGETS['xlsx_s_per_100k']} s / 100k; RSS ≤ {BUDGETS['xlsx_rss_mb']} MB"
                v = verdict(e["seconds_per_100k"], BUDGETS["xlsx_s_per_100k"]) + " / "
                v += verdict(e["peak_rss_mb"], BUDGETS["xlsx_rss_mb"])
            else:
                budget = f"≤ {BUDGETS['csv_s_per_100k']} s / 100k"
                v = verdict(e["seconds_per_100k"], BUDGETS["csv_s_per_100k"])
            budget += f"; ≥ {BUDGETS['export_rows_per_s']:,} rows/s"
            budget += f"; < {BUDGETS['export_above_idle_mb']} MB above idle"
            v += " / " + verdict(e["rows_per_s"], BUDGETS["export_rows_per_s"], lower_is_better=False)
            v += " / " + verdict(e.get("above_idle_mb"), BUDGETS["export_above_idle_mb"])
            lines.append(
                f"| {kind} | {e['seconds']} | {e['rows']} | {e['rows_per_s']} | {e['seconds_per_100k']} | "
                f"{e.get('idle_rss_mb')} | {e['peak_rss_mb']} | {e.get('above_idle_mb')} | {budget} | {v} |"
            )
    lines += ["", f"### Admin (logged-in superuser){pg_note}", ""]
    lines += [
        "| page | p50 ms | p95 ms | SQL queries | budget | verdict |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for name, f in results.get("admin", {}).items():
        http = f.get("http", {})
        lines.append(
            f"| {name} `{f['path']}` | {http.get('p50_ms')} | {http.get('p95_ms')} | {f['queries']} | "
            f"p50 ≤ {BUDGETS['admin_p50_ms']} ms | {verdict(http.get('p50_ms'), BUDGETS['admin_p50_ms'])} |"
        )
    w = results.get("wrk")
    lines += ["", f"### Throughput: wrk on `{w.get('path') if w else ''}`{pg_note}", ""]
    if w and w.get("available"):
        lines += [
            "| command | requests/s | p50 ms | p99 ms | errors (socket + non-2xx) | budget | verdict |",
            "| --- | ---: | ---: | ---: | ---: | --- | --- |",
            f"| `{w['command']}` | {w.get('requests_per_s')} | {w.get('p50_ms')} | {w.get('p99_ms')} | "
            f"{w['errors']} ({w['socket_errors']} + {w['non_2xx']}) | "
            f"0 errors; p99 ≤ {BUDGETS['wrk_p99_ms']} ms | "
            f"{verdict(w['errors'], 0)} / {verdict(w.get('p99_ms'), BUDGETS['wrk_p99_ms'])} |",
        ]
    else:
        lines.append(f"not measured ({(w or {}).get('reason', 'skipped')})")
    lines += ["", "### Where a listing page's SQL time goes (in process, slowest queries)", ""]
    for name, f in results["listing"].items():
        floor = f["floor"]["by_statement_ms"]
        top = ", ".join(f"{k} {v}" for k, v in sorted(floor.items(), key=lambda kv: -kv[1])[:4])
        lines.append(
            f"- {name}: in-process {f['in_process_ms']} ms, of which SQL {f['sql_ms']} ms; "
            f"slowest query {f['slowest'][0]['ms'] if f['slowest'] else '—'} ms; floor's slowest: {top} (ms)"
        )
    return "\n".join(lines) + "\n"


def datasette_version() -> str:
    for line in (BENCH / "requirements.txt").read_text().splitlines():
        if line.lower().startswith("datasette=="):
            return line.split("==", 1)[1]
    return ""


def update_results_md(backend: str, section: str) -> None:
    begin, end = f"<!-- BEGIN {backend} -->", f"<!-- END {backend} -->"
    text = RESULTS_MD.read_text() if RESULTS_MD.exists() else ""
    block = f"{begin}\n{section}{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        if not text:
            text = (
                "# Benchmark results\n\nWritten by `bench/run.py` (see bench/README.md); each backend's "
                "section is replaced by its next run. Raw figures: `bench/out/results-<backend>.json`.\n\n"
            )
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS_MD.write_text(text)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["postgres", "sqlite"], required=True)
    parser.add_argument("--agreements", type=int, default=100_000)
    parser.add_argument(
        "--quick", action="store_true", help="in-process parts only: no gunicorn, Datasette, wrk"
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (sequential)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests before each page")
    parser.add_argument("--wrk-duration", type=int, default=30, help="seconds of wrk; 0 skips wrk")
    parser.add_argument("--skip-datasette", action="store_true")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the slowest queries to bench/out/")
    parser.add_argument("--profile", action="store_true", help="pyinstrument each listing page to bench/out/")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 1000 or not 0 <= args.warmup <= 100 or not 0 <= args.wrk_duration <= 600:
        parser.error("--requests 1..1000, --warmup 0..100, --wrk-duration 0..600")
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    results = run(args)
    suffix = "-quick" if args.quick else ""
    target = OUT / f"results-{args.backend}{suffix}.json"
    target.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    if args.quick:
        for name, f in results["listing"].items():
            print(
                f"{name}: {f['queries']} queries, in-process {f['in_process_ms']} ms, "
                f"floor p50 {f['floor']['p50_ms']} ms"
            )
        print(f"Datasette export: {results['datasette_export']}")
    else:
        section = markdown(results)
        update_results_md(args.backend, section)
        print(section)
    print(f"Raw figures: {target}")
    return results


if __name__ == "__main__":
    main()
