"""The budgets, and the Markdown report of one run's figures against them (a backend's section of
bench/RESULTS.md)."""

from bench_common import SEED
from bench_datasette import datasette_version

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


# Issue #17's budgets at 1,000,000 agreements (PostgreSQL, 2 cores).
MILLION_BUDGETS = {
    "cold_ms": 100,  # a filter nobody asked for yet, every facet counted, the page rendered
    "warm_ms": 10,  # the same page again, as served
    "search_cold_ms": 150,
    "deep_cold_ms": 100,
    "xlsx_rows_per_s": 30_000,
    "xlsx_above_idle_mb": 200,
    "worker_rss_mb": 300,
    "ready_s": 10,
}


def verdict(value, budget, lower_is_better: bool = True) -> str:
    if value is None:
        return "n/a"
    return "met" if (value <= budget if lower_is_better else value >= budget) else "**missed**"


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def markdown(results: dict) -> str:
    pg_note = "" if results["backend"] == "postgres" else " (PostgreSQL budgets, shown for reference)"
    lines = [
        *header(results),
        *listing_table(results, pg_note),
        *facet_index(results),
        *datasette_table(results, pg_note),
        *exports_table(results, pg_note),
        *admin_table(results, pg_note),
        *wrk_table(results, pg_note),
        *workers_table(results),
        *million_table(results),
        *sql_time(results),
    ]
    return "\n".join(lines) + "\n"


def header(results: dict) -> list[str]:
    backend, m = results["backend"], results["machine"]
    return [
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
    ]


def listing_table(results: dict, pg_note: str) -> list[str]:
    lines = [
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
    return lines


def facet_index(results: dict) -> list[str]:
    index = results.get("facet_index")
    if not index:
        return []
    return [
        "",
        f"Facet index (in-memory bitsets, rebuilt in each worker after a data change and at worker "
        f"start): {index['seconds']} s to build for {index['agreements']:,} published agreements, "
        f"{index['bitsets']} bitsets, {index['pickled_mb']} MB.",
        *word_index(index.get("words")),
    ]


def word_index(words: dict | None) -> list[str]:
    if not words:
        return []
    return [
        "",
        f"Word index (the search's postings, PostgreSQL; built once per host in the background and "
        f"shared through the snapshot, searches in SQL meanwhile): {words['seconds']} s to build, "
        f"{words['words']:,} words, {words['mb']} MB.",
    ]


# Datasette view → our page it is compared with, and the budget of ours / Datasette's (None: none).
DATASETTE_COMPARISONS = [
    ("any_region", "region", "datasette_any_region_ratio"),
    ("any_region_suggest", "region", None),
    ("first_region", "region", "datasette_first_region_ratio"),
    ("search", "search", None),
]


def datasette_table(results: dict, pg_note: str) -> list[str]:
    lines = ["", f"### Against Datasette {datasette_version()} (same machine, same run){pg_note}", ""]
    ds = results.get("datasette")
    if not ds:
        return [*lines, "not measured (--skip-datasette)"]
    lines += [
        "| Datasette view | p50 ms | p95 ms | rows | ours | ours served p50 | ours cold "
        "| served / Datasette | cold / Datasette | budget | verdict (served / cold) |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    served = {k: v.get("http", {}).get("p50_ms") for k, v in results["listing"].items()}
    colds = {k: v["in_process_ms"] for k, v in results["listing"].items()}
    for view, page, budget_name in DATASETTE_COMPARISONS:
        d, budget = ds[view], BUDGETS[budget_name] if budget_name else None
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
    return lines


def exports_table(results: dict, pg_note: str) -> list[str]:
    lines = ["", f"### Exports of all published rows{pg_note}", ""]
    exports = results.get("exports", {})
    if not exports:
        return lines
    lines += [
        "| export | seconds | rows | rows/s | s per 100,000 rows | worker idle RSS MB "
        "| worker peak RSS MB | peak above idle MB | budget | verdict |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    return lines + [export_row(kind, exports.get(kind, {})) for kind in ("xlsx", "csv")]


def export_row(kind: str, e: dict) -> str:
    if not e.get("available"):
        return f"| {kind} | not available ({e.get('reason', 'not measured')}) | | | | | | | | |"
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
    return (
        f"| {kind} | {e['seconds']} | {e['rows']} | {e['rows_per_s']} | {e['seconds_per_100k']} | "
        f"{e.get('idle_rss_mb')} | {e['peak_rss_mb']} | {e.get('above_idle_mb')} | {budget} | {v} |"
    )


def admin_table(results: dict, pg_note: str) -> list[str]:
    lines = [
        "",
        f"### Admin (logged-in superuser){pg_note}",
        "",
        "| page | p50 ms | p95 ms | SQL queries | budget | verdict |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for name, f in results.get("admin", {}).items():
        http = f.get("http", {})
        lines.append(
            f"| {name} `{f['path']}` | {http.get('p50_ms')} | {http.get('p95_ms')} | {f['queries']} | "
            f"p50 ≤ {BUDGETS['admin_p50_ms']} ms | {verdict(http.get('p50_ms'), BUDGETS['admin_p50_ms'])} |"
        )
    return lines


def wrk_table(results: dict, pg_note: str) -> list[str]:
    w = results.get("wrk")
    lines = ["", f"### Throughput: wrk on `{w.get('path') if w else ''}`{pg_note}", ""]
    if not (w and w.get("available")):
        return [*lines, f"not measured ({(w or {}).get('reason', 'skipped')})"]
    return [
        *lines,
        "| command | requests/s | p50 ms | p99 ms | errors (socket + non-2xx) | budget | verdict |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
        f"| `{w['command']}` | {w.get('requests_per_s')} | {w.get('p50_ms')} | {w.get('p99_ms')} | "
        f"{w['errors']} ({w['socket_errors']} + {w['non_2xx']}) | "
        f"0 errors; p99 ≤ {BUDGETS['wrk_p99_ms']} ms | "
        f"{verdict(w['errors'], 0)} / {verdict(w.get('p99_ms'), BUDGETS['wrk_p99_ms'])} |",
    ]


def sql_time(results: dict) -> list[str]:
    lines = ["", "### Where a listing page's SQL time goes (in process, slowest queries)", ""]
    for name, f in results["listing"].items():
        floor = f["floor"]["by_statement_ms"]
        top = ", ".join(f"{k} {v}" for k, v in sorted(floor.items(), key=lambda kv: -kv[1])[:4])
        lines.append(
            f"- {name}: in-process {f['in_process_ms']} ms, of which SQL {f['sql_ms']} ms; "
            f"slowest query {f['slowest'][0]['ms'] if f['slowest'] else '—'} ms; floor's slowest: {top} (ms)"
        )
    return lines


def workers_table(results: dict) -> list[str]:
    """#17's budgets for a worker: ready within 10 s of its start, at most 300 MB resident."""
    start, rss = results.get("start"), results.get("worker_rss_mb")
    if not start and not rss:
        return []
    lines = ["", "### Workers", ""]
    if rss:
        lines.append(
            f"- resident memory after the served measurements: {', '.join(map(str, rss))} MB "
            f"(budget ≤ 300 MB each: {verdict(max(r or 0 for r in rss), 300)})"
        )
    for name, figures in (start or {}).items():
        lines.append(
            f"- a one-worker gunicorn, index {name.replace('_', ' ')}: ready after {figures['ready_s']} s "
            f"(budget ≤ 10 s: {verdict(figures['ready_s'], 10)}), "
            f"first listing {figures['first_listing_ms']} ms, "
            f"worker {figures['worker_rss_mb']} MB resident"
        )
    return lines


def million_table(results: dict) -> list[str]:
    """Issue #17's budgets, for a run at 1,000,000 agreements or more."""
    if results["agreements"] < 1_000_000:
        return []
    b, listing = MILLION_BUDGETS, results["listing"]
    plain = {name: f for name, f in listing.items() if name not in ("search", "deep_page")}
    worst_cold = max(f["in_process_ms"] for f in plain.values())
    worst_warm = max((f.get("http", {}).get("p50_ms") or 0) for f in listing.values()) or None
    xlsx = results.get("exports", {}).get("xlsx", {})
    start = results.get("start", {})
    rss = [r for r in results.get("worker_rss_mb") or [] if r] + [
        f.get("worker_rss_mb") or 0 for f in start.values()
    ]
    rows = [
        ("cold listing, all facets (slowest of the plain filters)", worst_cold, b["cold_ms"], True),
        ("warm listing, as served (slowest p50)", worst_warm, b["warm_ms"], True),
        ("Russian search + facets, cold", listing["search"]["in_process_ms"], b["search_cold_ms"], True),
        ("deep page, cold", listing["deep_page"]["in_process_ms"], b["deep_cold_ms"], True),
        ("XLSX export, rows/s", xlsx.get("rows_per_s"), b["xlsx_rows_per_s"], False),
        ("XLSX export, MB above the idle worker", xlsx.get("above_idle_mb"), b["xlsx_above_idle_mb"], True),
        ("worker resident memory, MB (largest)", max(rss) if rss else None, b["worker_rss_mb"], True),
        (
            "worker ready, s (index from the snapshot)",
            start.get("from_snapshot", {}).get("ready_s"),
            b["ready_s"],
            True,
        ),
        (
            "worker ready, s (index from the database)",
            start.get("from_database", {}).get("ready_s"),
            b["ready_s"],
            True,
        ),
    ]
    lines = [
        "",
        "### Issue #17's budgets at this size",
        "",
        "| measure | figure | budget | verdict |",
        "| --- | ---: | ---: | --- |",
    ]
    for label, value, budget, lower in rows:
        sign = "≤" if lower else "≥"
        lines.append(f"| {label} | {value} | {sign} {budget:,} | {verdict(value, budget, lower)} |")
    return lines
