#!/usr/bin/env python
"""The overview (region map and charts, issue #15): page weight and what it costs the listing.

    .venv/bin/python bench/overview.py --database registry_face15 --agreements 100000
    .venv/bin/python bench/overview.py --database registry_face15 --agreements 100000 --write

The database must already hold the demo data (``DATABASE_URL=… manage.py generate_demo_data
--agreements N --seed 1 --replace``, then ``VACUUM (ANALYZE)``); this script only reads. In process
(Django's test client, DEBUG off), as bench/run.py measures the page: **cold** empties the
per-filter caches before each request (every facet counted, the overview drawn, the page
rendered; the facet index is kept), **warm** repeats the same URL. Each page is measured with the
overview and with it switched off (``fragments.listing_overview`` / ``fragments.home_overview`` returning
nothing), the two interleaved request by request so that the machine's load falls on both alike.
Page weight: the HTML as served, its inline SVG, the stylesheet and the script, raw and gzipped
(level 6, what a proxy or whitenoise's precompressed files give).
"""

import argparse
import gzip
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from api import setup, timed  # noqa: E402  (the API bench's Django setup and timing loop)
from bench_common import replace_section  # noqa: E402

BUDGET_COLD_MS, BUDGET_SEARCH_MS, BUDGET_QUERIES = 60, 100, 12  # bench/run.py's listing budgets
MAP_BUDGET_KB = 150
STATIC = {"css": ROOT / "static" / "css" / "site.css", "js": ROOT / "static" / "js" / "overview.js"}


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def weight(html: bytes, with_js: bool) -> dict:
    svg = b"".join(re.findall(rb"<svg.*?</svg>", html, re.S))
    region_map = b"".join(re.findall(rb'<figure class="region-map".*?</figure>', html, re.S))
    parts = {"html": html, "svg (inline, in the html)": svg, "map figure (in the html)": region_map}
    parts["css"] = STATIC["css"].read_bytes()
    if with_js:
        parts["js"] = STATIC["js"].read_bytes()
    sizes = {name: (len(data), gz(data)) for name, data in parts.items()}
    files = ("html", "css", "js") if with_js else ("html", "css")
    sizes["total (html + css + js)"] = (sum(sizes[f][0] for f in files), sum(sizes[f][1] for f in files))
    return sizes


def interleaved(client, path: str, cold: bool, repeats: int, switch) -> dict:
    """Median ms and queries with the overview and without it, requests alternating."""
    found = {"with": [], "without": []}
    queries = {}
    for _ in range(repeats):
        for variant in ("with", "without"):
            switch(variant == "with")
            runs, count, status = timed(client, path, cold=cold, repeats=1)
            assert status == 200, (path, status)
            found[variant] += runs
            queries[variant] = count
    switch(True)
    return {variant: (statistics.median(runs), queries[variant]) for variant, runs in found.items()}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agreements", type=int, default=100_000, help="what the database holds (checked)")
    parser.add_argument("--database", default="registry_face15")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--write", action="store_true", help="replace the overview section of bench/RESULTS.md"
    )
    return parser.parse_args()


def check_size(agreements: int) -> None:
    from agreements.models import Agreement

    total = Agreement.objects.count()
    if total != agreements:
        sys.exit(f"the database holds {total} agreements, not {agreements}")


def commonest_kz_region(index) -> str:
    return max(
        (code for code in index.bits["region"] if code.startswith("KZ-")),
        key=lambda code: len(index.bits["region"][code]),
    )


def overview_switch():
    """A function turning the overview on or off: off, the views draw nothing in its place."""
    from agreements.public.listing import fragments

    originals = {"listing_overview": fragments.listing_overview, "home_overview": fragments.home_overview}

    def switch(on: bool) -> None:
        fragments.listing_overview = originals["listing_overview"] if on else (lambda counts, filters: "")
        fragments.home_overview = originals["home_overview"] if on else (lambda: "")

    return switch


def page_paths(region: str) -> dict:
    return {
        "home": "/",
        "unfiltered": "/agreements/",
        "region": f"/agreements/?region={region}",
        "three filters": f"/agreements/?region={region}&sector=C&status=signed",
        "search": "/agreements/?q=удобрений",
        "deep page": f"/agreements/?region={region}&page=150",
    }


def measure_pages(client, paths: dict, repeats: int, switch) -> dict:
    timings = {}
    for name, path in paths.items():
        client.get(path)  # templates, reference codes
        timings[name] = {
            "cold": interleaved(client, path, True, repeats, switch),
            "warm": interleaved(client, path, False, repeats, switch),
        }
        cold, warm = timings[name]["cold"], timings[name]["warm"]
        print(
            f"{name:14} cold {cold['with'][0]:6.1f} ms (without overview {cold['without'][0]:6.1f})"
            f"  warm {warm['with'][0]:5.1f} ({warm['without'][0]:5.1f})"
            f"  queries {cold['with'][1]} ({cold['without'][1]})"
        )
    return timings


def page_weights(client, paths: dict, region: str) -> dict:
    from django.core.cache import caches

    for alias in ("default", "pages"):
        caches[alias].clear()  # the warm "without" runs cached pages without the overview
    weights = {
        "home `/`": weight(client.get("/").content, with_js=False),
        "listing `/agreements/`": weight(client.get("/agreements/").content, with_js=True),
        f"listing `?region={region}`": weight(client.get(paths["region"]).content, with_js=True),
    }
    for page, sizes in weights.items():
        print(
            page, {name: f"{raw / 1024:.1f}/{packed / 1024:.1f} KB" for name, (raw, packed) in sizes.items()}
        )
    return weights


def main() -> None:
    args = parse_args()
    setup(args.database)

    from django.test import Client

    from agreements.public.listing.facets import current_index

    check_size(args.agreements)
    index = current_index()
    region = commonest_kz_region(index)
    paths = page_paths(region)
    client = Client()
    timings = measure_pages(client, paths, args.repeats, overview_switch())
    weights = page_weights(client, paths, region)
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(load)
    if args.write:
        write(timings, paths, weights, args, index.size, load)


def write(timings, paths, weights, args, published, load) -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False, cwd=ROOT
    ).stdout.strip()
    lines = [
        f"## Overview: map and charts (`bench/overview.py`, PostgreSQL, {args.agreements:,} agreements of "
        f"which {published:,} published, in process, DEBUG off, {commit}, {time.strftime('%Y-%m-%d')})",
        "",
        f"Machine load during the run: `{load}` (2 cores shared with other sessions: absolute figures "
        "are inflated; the with/without pairs were interleaved request by request, so their difference "
        f"is the overview's cost). Medians of {args.repeats} requests per variant.",
        "",
        "| page | cold ms | cold ms without overview | warm ms | warm ms without "
        "| SQL queries cold (without) | budget | verdict |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for name, path in paths.items():
        cold, warm = timings[name]["cold"], timings[name]["warm"]
        budget = BUDGET_SEARCH_MS if "q=" in path else BUDGET_COLD_MS
        ok = cold["with"][0] <= budget and cold["with"][1] <= BUDGET_QUERIES
        verdict = "—" if name == "home" else ("met" if ok else "missed")
        budget_text = "—" if name == "home" else f"cold ≤ {budget} ms, ≤ {BUDGET_QUERIES} queries"
        lines.append(
            f"| {name} `{path}` | {cold['with'][0]:.1f} | {cold['without'][0]:.1f} "
            f"| {warm['with'][0]:.1f} | {warm['without'][0]:.1f} | {cold['with'][1]} ({cold['without'][1]}) "
            f"| {budget_text} | {verdict} |"
        )
    lines += [
        "",
        "Page weight (raw / gzip, KB; the SVG and the map figure are parts of the HTML, not extra "
        f"downloads; the map's budget is ≤ {MAP_BUDGET_KB} KB):",
        "",
        "| page | " + " | ".join(next(iter(weights.values())).keys()) + " | js |",
        "| --- |" + " ---: |" * (len(next(iter(weights.values()))) + 1),
    ]
    for page, sizes in weights.items():
        cells = [
            f"{raw / 1024:.1f} / {packed / 1024:.1f}" for name, (raw, packed) in sizes.items() if name != "js"
        ]
        js = sizes.get("js")
        cells.insert(len(cells), f"{js[0] / 1024:.2f} / {js[1] / 1024:.2f}" if js else "—")
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    replace_section("overview", "\n".join(lines))


if __name__ == "__main__":
    main()
