"""The exports of all published rows (XLSX, CSV), each downloaded from a fresh one-worker gunicorn:
time, rows in the file, and the worker's memory."""

import csv
from pathlib import Path

from bench_common import children, http_get, rss_mb
from bench_servers import gunicorn


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


def measure_exports(url: str, log_dir: Path, log=print) -> dict[str, dict]:
    results = {}
    for kind in ("xlsx", "csv"):
        log(f"Export {kind}…")
        results[kind] = measure_export(url, kind, log_dir)
        log(f"  {results[kind]}")
    return results
