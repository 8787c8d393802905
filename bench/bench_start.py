"""A worker's start: seconds from launching gunicorn until its worker answers, with the facet index
built from the database and then restored from the snapshot the first start left (what every later
worker on the host does), and the worker's resident memory once it answers."""

import shutil
import time
from pathlib import Path

from bench_common import children, http_get, rss_mb
from bench_servers import gunicorn

READY_TIMEOUT = 600  # seconds: a 1,000,000-row build from the database is the slow case


def measure_start(url: str, log_dir: Path, log=print) -> dict:
    snapshots = log_dir / "facet-index-snapshots"
    shutil.rmtree(snapshots, ignore_errors=True)
    results = {}
    for name in ("from_database", "from_snapshot"):
        results[name] = start_once(url, log_dir / f"gunicorn-start-{name}.log", snapshots)
        log(f"  worker start, index {name.replace('_', ' ')}: {results[name]}")
    return results


def start_once(url: str, log: Path, snapshots: Path) -> dict:
    """gunicorn.conf.py warms each worker up (index, first pages) before it accepts a request, so
    the first answer to /healthz is the moment it is ready for visitors."""
    started = time.monotonic()
    server = gunicorn(url, 1, log, {"FACET_INDEX_SNAPSHOTS": str(snapshots)})
    try:
        server.wait_ready(timeout=READY_TIMEOUT)
        ready = time.monotonic() - started
        workers = children(server.process.pid)
        status, _size, listing = http_get(server.base + "/agreements/")
        return {
            "ready_s": round(ready, 1),
            "first_listing_ms": round(listing * 1000, 1),
            "status": status,
            "worker_rss_mb": max((rss_mb(pid, "VmRSS") or 0) for pid in workers) if workers else None,
        }
    finally:
        server.stop()
