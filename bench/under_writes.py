#!/usr/bin/env python
"""Reads while staff write (issue #17): wrk on a mix of listing URLs, three runs side by side.

    .venv/bin/python bench/under_writes.py --database-url postgres://postgres@127.0.0.1:5432/registry_bench17

The database must hold demo data already (`manage.py generate_demo_data --agreements N`). One
gunicorn (WEB_CONCURRENCY workers, as in production) serves three wrk runs of the same length and
URL mix: no writes; one agreement saved with history every second (bench/write_load.py, which also
times how long until the edit shows in counts and pages); and a 1,000-row import started 5 s into the
run. Prints one JSON object and a Markdown table for bench/RESULTS.md, with `uptime` beside each
run (the machine is shared). Only 127.0.0.1 is loaded; every loop is bounded (wrk -d, timeouts).
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import OUT, ROOT, git_commit
from bench_servers import app_env, gunicorn, parse_wrk

# The listing as readers use it: unfiltered, one or two facets, a search, a deep page, another order.
PATHS = [
    "/agreements/",
    "/agreements/?region=KZ-79",
    "/agreements/?sector=C",
    "/agreements/?region=KZ-75&sector=C",
    "/agreements/?country=RU&kind=mou",
    "/agreements/?status=signed",
    "/agreements/?q=%D1%83%D0%B4%D0%BE%D0%B1%D1%80%D0%B5%D0%BD%D0%B8%D0%B9",
    "/agreements/?region=KZ-79&page=100",
    "/agreements/?sort=title&sector=C",
    "/en/agreements/?region=RU-MOW",
]

LUA = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip()


def wrk_mix(base: str, seconds: int, connections: int, script: Path) -> dict:
    assert urllib.parse.urlsplit(base).hostname == "127.0.0.1"
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    result = subprocess.run(
        [*command, "-s", str(script), base], capture_output=True, text=True, timeout=seconds + 120
    )
    parsed = parse_wrk(result.stdout)
    parsed["raw"] = result.stdout + result.stderr
    return parsed


def writer(url: str, *args) -> subprocess.Popen:
    env = app_env(url)
    return subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "write_load.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def run_phase(name: str, base: str, args, script: Path, url: str) -> dict:
    before = uptime()
    load = None
    if name == "edits":
        load = writer(url, "edits", base, str(args.seconds), "1")
    elif name == "import":
        # Started a few seconds in, so the run has reads before, during and after it.
        command = f"sleep 5 && exec {sys.executable} {ROOT / 'bench' / 'write_load.py'} import {base} 1000"
        load = subprocess.Popen(
            ["sh", "-c", command],
            cwd=ROOT,
            env=app_env(url),
            stdout=subprocess.PIPE,
            text=True,
        )
    result = wrk_mix(base, args.seconds, args.connections, script)
    if load is not None:
        out, _ = load.communicate(timeout=args.seconds + 300)
        result["writes"] = json.loads(out.strip().splitlines()[-1]) if out.strip() else None
    result["uptime_before"], result["uptime_after"] = before, uptime()
    return result


def markdown(results: dict) -> str:
    lines = [
        "| run | requests/s | p50 ms | p99 ms | errors | writes | visible after (p50 / max s) "
        "| load avg (before → after) |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for name, r in results["runs"].items():
        writes = r.get("writes") or {}
        visible = "—"
        if "saves" in writes:
            visible = f"{writes.get('visible_p50_s')} / {writes.get('visible_max_s')}"
            if writes.get("not_visible_within_10s"):
                visible += f" ({writes['not_visible_within_10s']} not within 10 s)"
        what = (
            f"{writes['saves']} saves"
            if "saves" in writes
            else (f"{writes['rows']} rows in {writes['import_s']} s" if writes else "none")
        )
        load = lambda text: text.rsplit("load average:", 1)[-1].strip()  # noqa: E731
        lines.append(
            f"| {name} | {r.get('requests_per_s')} | {r.get('p50_ms')} | {r.get('p99_ms')} "
            f"| {r.get('errors')} | {what} | {visible} "
            f"| {load(r['uptime_before'])} → {load(r['uptime_after'])} |"
        )
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--runs", default="none,edits,import")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the served app, e.g. SERVE_PAGES_WHILE_RENDERING=false or "
        "REDIS_URL=redis://127.0.0.1:6379/7 (repeatable); named in the results",
    )
    args = parser.parse_args(argv)
    if not all("=" in item for item in args.env):
        parser.error("--env takes NAME=VALUE")
    extra_env = dict(item.split("=", 1) for item in args.env)
    OUT.mkdir(parents=True, exist_ok=True)
    script = Path(tempfile.mkdtemp()) / "mix.lua"
    script.write_text(LUA % ", ".join(f'"{path}"' for path in PATHS))
    results = {
        "commit": git_commit(),
        "seconds": args.seconds,
        "connections": args.connections,
        "env": extra_env,
        "runs": {},
    }
    # DEBUG=0 serves static files from collectstatic's manifest: a stale one is a 500 on every page.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=app_env(args.database_url),
        check=True,
        timeout=300,
    )
    started = time.monotonic()
    with gunicorn(args.database_url, args.workers, OUT / "under-writes-gunicorn.log", extra_env) as server:
        results["worker_ready_s"] = round(time.monotonic() - started, 1)
        for path in PATHS:  # every worker's index built and these URLs seen once before timing
            subprocess.run(["curl", "-s", "-o", "/dev/null", server.base + path], timeout=120, check=False)
        for name in args.runs.split(","):
            results["runs"][name] = run_phase(name, server.base, args, script, args.database_url)
    label = "".join(f"-{name}={value}" for name, value in sorted(extra_env.items()))
    label = "".join(c if c.isalnum() or c in "=-_." else "_" for c in label)
    (OUT / f"under-writes{label}.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(f"settings: {extra_env or 'defaults'}")
    print(markdown(results))
    return results


if __name__ == "__main__":
    main()
