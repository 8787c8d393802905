#!/usr/bin/env python
"""The registry's benchmark: one command measures everything and writes bench/RESULTS.md.

    .venv/bin/python bench/run.py --backend postgres --agreements 100000
    .venv/bin/python bench/run.py --backend sqlite --agreements 100000
    .venv/bin/python bench/run.py --backend sqlite --agreements 200 --quick   # in-process parts only
    .venv/bin/python bench/run.py --backend postgres --agreements 100000 --under-writes  # + under_writes.py

See bench/README.md for what is measured, how, and the budgets. Every load goes to 127.0.0.1 only and
every loop is bounded (a fixed number of requests or a fixed wrk duration, each with a timeout).

This file runs the steps in order; each kind of measurement is a module of its own beside it
(bench_data, bench_inprocess, bench_floor, bench_datasette, bench_exports, bench_report), which
agreements/tests/test_bench.py imports to run the in-process parts against the test database.
Nothing here calls django.setup() at import time; run() configures the environment first.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

# The sibling modules, also when this file is loaded by path (agreements/tests/test_bench.py).
sys.path.insert(0, str(Path(__file__).resolve().parent))

import under_writes
from bench_common import (
    OUT,
    ROOT,
    children,
    git_commit,
    http_get,
    listing_path,
    machine,
    measure_http,
    replace_section,
    rss_mb,
)
from bench_data import (
    choose_params,
    database_settings,
    database_url,
    ensure_postgres_database,
    prepare_data,
    scenarios,
)
from bench_datasette import export_for_datasette, measure_datasette
from bench_exports import measure_exports
from bench_floor import raw_connection, run_floor, schema_tables
from bench_inprocess import (
    admin_session_cookie,
    facet_index_build,
    query_counts,
    write_explain,
    write_profiles,
)
from bench_report import markdown
from bench_servers import app_env, gunicorn, wrk
from bench_start import measure_start

# What the app's settings read from the environment, set as the gunicorn workers have it.
APP_ENVIRONMENT = ("DATABASE_URL", "DEBUG", "SECURE_SSL_REDIRECT", "SECRET_KEY", "ALLOWED_HOSTS", "LOG_LEVEL")


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


def setup_django(url: str) -> None:
    """This process as a gunicorn worker is (DEBUG=0, the bench database), static files collected."""
    env = app_env(url)
    # DEBUG=0 serves static files through the manifest: build it (ignored by git) as production does.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    os.environ.update({k: env[k] for k in APP_ENVIRONMENT})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def describe_run(args, log=print) -> dict:
    """The run's facts (machine, commit, data, database settings) and the parameters taken from the data."""
    from agreements.models import Agreement

    results = {
        "backend": args.backend,
        "agreements": args.agreements,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        **git_commit(),
        "quick": args.quick,
    }
    results["data"] = prepare_data(args.agreements, log=log)
    results["published"] = Agreement.objects.public().count()
    results["database"] = database_settings()
    results["params"] = choose_params()
    log(f"Scenario parameters: {results['params']}")
    return results


def admin_pages(params: dict) -> dict[str, str]:
    return {
        "changelist": "/admin/agreements/agreement/",
        "changelist_search": "/admin/agreements/agreement/?" + urllib.parse.urlencode({"q": params["q"]}),
    }


def measure_in_process(results: dict, args, url: str, export_path: Path, log=print) -> str:
    """Query counts, in-process times, the floor, the Datasette export, the admin pages; the admin's
    session cookie is returned for the served measurements."""
    log("In-process: query counts, raw SQL floor, Datasette export…")
    params = results["params"]
    quick = quick_measurements(
        url, params, repeats=3 if args.quick else 5, export_path=None if args.skip_datasette else export_path
    )
    results["listing"] = quick["listing"]
    results["facet_index"] = quick["facet_index"]
    results["datasette_export"] = quick.get("datasette_export")
    cookie, admin_client = admin_session_cookie()
    results["admin"] = query_counts(admin_pages(params), client=admin_client, repeats=1)
    return cookie


def measure_served(results: dict, args, url: str, cookie: str, log=print) -> None:
    """Through gunicorn (2 × cores + 1 workers): each listing and admin page, then wrk."""
    workers = 2 * (os.cpu_count() or 1) + 1
    results["workers"] = workers
    log(f"gunicorn with {workers} workers…")
    pages = scenarios(results["params"])
    with gunicorn(url, workers, OUT / f"gunicorn-{args.backend}.log") as server:
        for _ in range(2 * workers):  # every worker loads templates and the reference-code cache
            http_get(server.base + "/agreements/")
        for name, scenario in pages.items():
            figures = measure_http(server.base + listing_path(scenario), args.requests, args.warmup)
            results["listing"][name]["http"] = figures
            log(f"  {name}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")
        for name, path in admin_pages(results["params"]).items():
            figures = measure_http(server.base + path, args.requests, args.warmup, headers={"Cookie": cookie})
            results["admin"][name]["http"] = figures
            log(f"  admin {name}: p50 {figures['p50_ms']} ms")
        if args.wrk_duration:
            wrk_url = server.base + listing_path(pages["region"])
            log(f"  wrk {args.wrk_duration} s on {wrk_url}…")
            results["wrk"] = {**wrk(wrk_url, args.wrk_duration), "path": listing_path(pages["region"])}
        results["worker_rss_mb"] = [rss_mb(pid, "VmRSS") for pid in children(server.process.pid)]
        log(f"  workers' resident memory (MB): {results['worker_rss_mb']}")


def run(args) -> dict:
    log = print
    backend = args.backend
    url = args.database_url or database_url(backend, quick=args.quick)
    OUT.mkdir(parents=True, exist_ok=True)
    if backend == "postgres":
        ensure_postgres_database(url)
    setup_django(url)
    results = describe_run(args, log)
    export_path = OUT / f"datasette-{backend}{'-quick' if args.quick else ''}.db"
    cookie = measure_in_process(results, args, url, export_path, log)
    if args.explain:
        write_explain(backend, results)
    if args.profile:
        write_profiles(backend, scenarios(results["params"]))
    if args.quick:
        return results
    measure_served(results, args, url, cookie, log)
    if not args.skip_datasette:
        results["datasette"] = measure_datasette(
            export_path, results["params"], args.requests, args.warmup, OUT / f"datasette-{backend}.log", log
        )
    results["exports"] = measure_exports(url, OUT, log)
    log("Worker start…")
    results["start"] = measure_start(url, OUT, log)
    return results


def run_under_writes(args) -> dict:
    """bench/under_writes.py on this run's database, after everything else: it writes to the data."""
    print("Reads under writes (bench/under_writes.py)…")
    return under_writes.main(
        ["--database-url", args.database_url or database_url(args.backend, quick=args.quick)]
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["postgres", "sqlite"], required=True)
    parser.add_argument("--agreements", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        help="measure this database instead of the bench's own (e.g. a 1,000,000-row one generated "
        "once); it must hold --agreements demo agreements, or they are generated into it",
    )
    parser.add_argument(
        "--quick", action="store_true", help="in-process parts only: no gunicorn, Datasette, wrk"
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (sequential)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests before each page")
    parser.add_argument("--wrk-duration", type=int, default=30, help="seconds of wrk; 0 skips wrk")
    parser.add_argument("--skip-datasette", action="store_true")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the slowest queries to bench/out/")
    parser.add_argument("--profile", action="store_true", help="pyinstrument each listing page to bench/out/")
    parser.add_argument(
        "--under-writes",
        action="store_true",
        help="then bench/under_writes.py on the same database (wrk while staff edit and import; "
        "it writes to the data)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 1000 or not 0 <= args.warmup <= 100 or not 0 <= args.wrk_duration <= 600:
        parser.error("--requests 1..1000, --warmup 0..100, --wrk-duration 0..600")
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    results = run(args)
    if args.under_writes:
        results["under_writes"] = run_under_writes(args)
    suffix = "-quick" if args.quick else ""
    size = "" if args.agreements == 100_000 else f"-{args.agreements}"
    target = OUT / f"results-{args.backend}{size}{suffix}.json"
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
        # The 100,000-row runs own the backend's section; another size has a section of its own.
        replace_section(
            args.backend if args.agreements == 100_000 else f"{args.backend}-{args.agreements}", section
        )
        print(section)
    print(f"Raw figures: {target}")
    return results


if __name__ == "__main__":
    main()
