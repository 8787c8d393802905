"""What every benchmark script shares: paths, the loopback host, timing statistics, HTTP GETs to
127.0.0.1 and facts about the machine and the checkout."""

import math
import os
import platform
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


BENCH = ROOT / "bench"


OUT = BENCH / "out"


RESULTS_MD = BENCH / "RESULTS.md"


DATASETTE_VENV = OUT / "venv-datasette"


PG_SERVER = "postgres://postgres@127.0.0.1:5432"


PG_DATABASE = "registry_bench"


SQLITE_FILE = OUT / "bench.sqlite3"


HOST = "127.0.0.1"


SECRET_KEY = "bench-only-secret-key-" + "k" * 40  # a throwaway key for a local benchmark


PER_PAGE = 50


HTTP_TIMEOUT = 120  # seconds, per request


SEED = 1


# A word of the generated titles («…минеральных удобрений…»), in the form the titles use, so that
# Datasette's unstemmed FTS finds it too; our search also finds «удобрения», «удобрениями».
SEARCH_WORD = "удобрений"


def percentile(values, p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(seconds: list[float]) -> dict:
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 1),
        "p95_ms": round(percentile(seconds, 95) * 1000, 1),
        "min_ms": round(min(seconds) * 1000, 1),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def listing_path(params: dict) -> str:
    return "/agreements/" + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")


def http_get(url: str, headers: dict | None = None, sink=None) -> tuple[int, int, float]:
    """(status, bytes, seconds) of one GET to 127.0.0.1; the body is read to the end (or into ``sink``)."""
    assert urllib.parse.urlsplit(url).hostname == HOST, "benchmarks only load 127.0.0.1"
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            status, size = response.status, 0
            while chunk := response.read(1 << 16):
                size += len(chunk)
                if sink is not None:
                    sink.write(chunk)
    except urllib.error.HTTPError as error:
        status, size = error.code, len(error.read())
    return status, size, time.perf_counter() - started


def measure_http(url: str, requests: int, warmup: int, headers: dict | None = None) -> dict:
    """Sequential GETs: ``warmup`` discarded, then ``requests`` timed; every response must be 200."""
    for _ in range(warmup):
        http_get(url, headers)
    seconds, sizes = [], set()
    for _ in range(requests):
        status, size, elapsed = http_get(url, headers)
        if status != 200:
            raise RuntimeError(f"GET {url} answered {status}")
        seconds.append(elapsed)
        sizes.add(size)
    return {**summary(seconds), "bytes": max(sizes)}


def machine() -> dict:
    info = {"cores": os.cpu_count(), "python": platform.python_version(), "cpu": platform.machine()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return info


def git_commit() -> dict:
    def git(*args):
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)
        return result.stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty": bool(git("status", "--porcelain"))}


def rss_mb(pid: int, field: str = "VmHWM") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


RESULTS_TITLE = (
    "# Benchmark results\n\nWritten by `bench/run.py` (see bench/README.md); each backend's "
    "section is replaced by its next run. Raw figures: `bench/out/results-<backend>.json`.\n\n"
)


def replace_section(marker: str, section: str, path: Path = RESULTS_MD) -> None:
    """Put ``section`` between the ``<!-- BEGIN marker -->`` and ``<!-- END marker -->`` lines of
    RESULTS.md, keeping the rest of the file: each script owns its section and rewrites only that.
    A section not there yet is appended (to a new file, after a title)."""
    begin, end = f"<!-- BEGIN {marker} -->", f"<!-- END {marker} -->"
    block = f"{begin}\n{section.removesuffix(chr(10))}\n{end}"
    text = path.read_text("utf-8") if path.exists() else ""
    if begin in text and end in text[text.index(begin) :]:
        start = text.index(begin)
        text = text[:start] + block + text[text.index(end, start) + len(end) :]
    else:
        text = (text or RESULTS_TITLE).rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, "utf-8")
