#!/usr/bin/env python
"""Slow clients against gunicorn: do rate-limited export downloads hold up the pages?

    .venv/bin/python bench/slow_clients.py                      # this checkout's gunicorn.conf.py
    .venv/bin/python bench/slow_clients.py --root /work/main    # another checkout (e.g. before a change)
    .venv/bin/python bench/slow_clients.py --env EXPORTS_PER_CLIENT=5 --env EXPORTS_TOTAL=5

Starts gunicorn on 127.0.0.1 with the served checkout's gunicorn.conf.py (its workers, worker class,
timeout) on a SQLite file of --agreements demo agreements (bench/out/slow_clients.sqlite3, made and
reused by this checkout's manage.py). Then runs --downloads ``curl --limit-rate`` downloads of
export.csv at once and, meanwhile, one listing request every --interval seconds for --duration
seconds (each with a --page-timeout), and reports: the listing's latencies and time-outs, and per
download curl's exit code (18: the transfer ended before the final chunk, so the client knows it is
incomplete), the HTTP status and the bytes received against a full-speed download. Loopback only;
every request and download has a time limit, so a run is bounded (about --duration + --max-time s).
curl 7.88's --limit-rate lets the first megabytes through at full speed (the speed column says what
it really was), and loopback's socket buffers hold a few MB more: hence 21 MB files at 400k.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
HOST = "127.0.0.1"
SECRET_KEY = "bench-only-secret-key-" + "k" * 40  # a throwaway key for a local benchmark


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def prepare_database(path: Path, agreements: int) -> str:
    url = f"sqlite:///{path}"
    env = {**os.environ, "DATABASE_URL": url}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, timeout=300, cwd=ROOT)
    counting = "from agreements.models import Agreement; print(Agreement.objects.count())"
    count = subprocess.run(
        [*manage, "shell", "-v0", "-c", counting],
        env=env, check=True, timeout=120, cwd=ROOT, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    if count != str(agreements):
        print(f"Generating {agreements} demo agreements (found {count})…", flush=True)
        subprocess.run(
            [*manage, "generate_demo_data", "--agreements", str(agreements), "--seed", "1", "--replace",
             "--no-progress"],
            env=env, check=True, timeout=900, cwd=ROOT,
        )  # fmt: skip
    return url


def curl(*args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["curl", "-sS", "--noproxy", "*", *args], capture_output=True, text=True, timeout=timeout + 10
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout gunicorn serves")
    parser.add_argument("--agreements", type=int, default=20000)
    parser.add_argument("--downloads", type=int, default=5)
    # Faster than the 100k so that a 21 MB file outlasts the loopback's socket buffers and the
    # shortened timeout in a bounded run, yet ends within --max-time when nothing kills it.
    parser.add_argument("--rate", default="400k", help="curl --limit-rate per download")
    parser.add_argument("--workers", type=int, default=5, help="WEB_CONCURRENCY")
    parser.add_argument("--timeout", type=int, default=20, help="GUNICORN_TIMEOUT (120 in production)")
    parser.add_argument("--duration", type=float, default=30, help="seconds of listing requests")
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--page-timeout", type=float, default=5)
    parser.add_argument("--max-time", type=float, default=120, help="curl --max-time per download")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for gunicorn, repeatable")
    return parser.parse_args()


def server_env(args: argparse.Namespace, url: str, port: int) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",  # plain http on loopback
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": HOST,
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"{HOST}:{port}",
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_TIMEOUT": str(args.timeout),
        "EXPORTS_LOCK_DIR": str(OUT / f"export-slots-{port}"),
        **dict(item.split("=", 1) for item in args.env),
    }


def collect_static(root: Path, env: dict) -> None:
    if not (root / "staticfiles" / "staticfiles.json").exists():  # DEBUG=0 serves the manifest's files
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=root, env=env, check=True, timeout=300,
        )  # fmt: skip


def start_gunicorn(root: Path, env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "registry.wsgi"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_until_up(server: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 60
    while curl("-o", "/dev/null", "-w", "%{http_code}", f"{base}/healthz", timeout=5).stdout != "200":
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("gunicorn did not start; see bench/out/slow_clients-gunicorn.log")
        time.sleep(0.3)


def full_speed(export: str) -> dict:
    """The export downloaded alone at full speed, and its HEAD: what the slow downloads compare with."""
    full = curl("-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}", export, timeout=120)
    full_status, full_size, full_time = full.stdout.split()
    head = curl("-I", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", export, timeout=120)
    head_status, head_time = head.stdout.split()
    return {
        "status": full_status,
        "size": full_size,
        "time": full_time,
        "head_status": head_status,
        "head_time": head_time,
    }


def warm(base: str) -> None:
    for page in range(1, 4):  # warm every worker's facet index and caches a little
        curl("-o", "/dev/null", f"{base}/agreements/?page={page}", timeout=30)


def start_downloads(args: argparse.Namespace, export: str, downloads: list) -> None:
    """Into ``downloads`` as each starts, so that the caller's cleanup finds every one."""
    for n in range(args.downloads):
        downloads.append(
            subprocess.Popen(
                [
                    "curl",
                    "-sS",
                    "--noproxy",
                    "*",
                    "--limit-rate",
                    args.rate,
                    "--max-time",
                    str(args.max_time),
                    "-o",
                    str(OUT / f"slow-{n}.csv"),
                    "-w",
                    "%{http_code} %{size_download} %{speed_download}",
                    export,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )


def request_listing(args: argparse.Namespace, base: str, started: float) -> tuple[list, int, dict]:
    """Listing pages every --interval until --duration has passed: latencies (ms), failures, statuses."""
    latencies, failures, statuses = [], 0, {}
    page = 0
    while time.monotonic() - started < args.duration:
        page += 1
        result = curl(
            "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "--max-time", str(args.page_timeout),
            f"{base}/agreements/?page={page % 20 + 1}", timeout=args.page_timeout,
        )  # fmt: skip
        code, seconds = ([*result.stdout.split(), "000", "0"])[:2]
        statuses[code] = statuses.get(code, 0) + 1
        if result.returncode == 0 and code == "200":
            latencies.append(float(seconds) * 1000)
        else:
            failures += 1
        time.sleep(args.interval)
    return latencies, failures, statuses


def finished_downloads(downloads: list, max_time: float) -> list[tuple]:
    results = []
    for process in downloads:
        stdout, stderr = process.communicate(timeout=max_time + 30)
        code, size, speed = ([*stdout.split(), "000", "0", "0"])[:3]
        error = (stderr.strip().splitlines() or [""])[-1]
        results.append((process.returncode, code, int(size), float(speed), error))
    return results


def stop(server: subprocess.Popen, downloads: list) -> None:
    for process in downloads:
        if process.poll() is None:
            process.kill()
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def measure(args: argparse.Namespace, server: subprocess.Popen, base: str, downloads: list) -> dict:
    wait_until_up(server, base)
    export = f"{base}/agreements/export.csv"
    baseline = full_speed(export)
    warm(base)
    started = time.monotonic()
    start_downloads(args, export, downloads)
    time.sleep(1)  # let the downloads take their workers/threads
    latencies, failures, statuses = request_listing(args, base, started)
    results = finished_downloads(downloads, args.max_time)
    return {
        "full": baseline,
        "latencies": latencies,
        "failures": failures,
        "statuses": statuses,
        "results": results,
        "elapsed": time.monotonic() - started,
    }


def report_listing(args: argparse.Namespace, latencies: list, failures: int, statuses: dict) -> None:
    total = len(latencies) + failures
    if latencies:
        print(f"- listing during {args.downloads} downloads at {args.rate}/s: {total} requests, "
              f"{failures} failed/timed out (>{args.page_timeout:g} s), statuses {statuses}; "
              f"p50 {statistics.median(latencies):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms, "
              f"max {max(latencies):.0f} ms")  # fmt: skip
    else:
        print(f"- listing during {args.downloads} downloads at {args.rate}/s: {total} requests, all "
              f"failed/timed out (>{args.page_timeout:g} s), statuses {statuses}")  # fmt: skip


def report(args: argparse.Namespace, measured: dict) -> None:
    full = measured["full"]
    config = ", ".join(args.env) or "defaults"
    print(f"## slow clients: {args.root} (gunicorn.conf.py; WEB_CONCURRENCY={args.workers}, "
          f"GUNICORN_TIMEOUT={args.timeout}; {config})")  # fmt: skip
    print(f"- data: {args.agreements} agreements; export.csv at full speed: HTTP {full['status']}, "
          f"{int(full['size']) / 1e6:.2f} MB in {float(full['time']):.2f} s; "
          f"HEAD: HTTP {full['head_status']} in {float(full['head_time']) * 1000:.0f} ms")  # fmt: skip
    report_listing(args, measured["latencies"], measured["failures"], measured["statuses"])
    print(f"- downloads (run took {measured['elapsed']:.0f} s):")
    for n, (exit_code, code, size, speed, error) in enumerate(measured["results"]):
        share = 100 * size / int(full["size"])
        print(
            f"  - #{n}: curl exit {exit_code}, HTTP {code}, {size / 1e6:.2f} MB ({share:.0f} %) at "
            f"{speed / 1e3:.0f} kB/s {error}".rstrip()
        )


def main() -> int:
    args = parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = prepare_database(OUT / "slow_clients.sqlite3", args.agreements)
    port = free_port()
    env = server_env(args, url, port)
    collect_static(args.root, env)
    downloads = []
    with open(OUT / "slow_clients-gunicorn.log", "w") as log:
        server = start_gunicorn(args.root, env, log)
        try:
            measured = measure(args, server, f"http://{HOST}:{port}", downloads)
        finally:
            stop(server, downloads)
    report(args, measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
