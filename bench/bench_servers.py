"""Servers a benchmark starts (gunicorn with the app, Datasette) and wrk, the load generator."""

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from bench_common import BENCH, DATASETTE_VENV, HOST, ROOT, SECRET_KEY, free_port, http_get


class Server:
    """A subprocess serving HTTP on 127.0.0.1, stopped (by its own pid) on exit."""

    def __init__(self, command: list[str], env: dict, port: int, log: Path, health: str, cwd=ROOT):
        self.port, self.health = port, health
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_ready(self, timeout: float = 600) -> None:  # a worker builds its index before it answers
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log.name}")
            try:
                if http_get(self.base + self.health)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"server did not answer within {timeout} s; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()

    def __enter__(self):
        self.wait_ready()
        return self

    def __exit__(self, *exc):
        self.stop()


def app_env(url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        # Served over plain http on loopback: production's https redirect would answer every request 301.
        "SECURE_SSL_REDIRECT": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": HOST,
        "LOG_LEVEL": "WARNING",
    }


def gunicorn(url: str, workers: int, log: Path, extra_env: dict | None = None) -> Server:
    port = free_port()
    env = {**app_env(url), "GUNICORN_BIND": f"{HOST}:{port}", "WEB_CONCURRENCY": str(workers)}
    env.update(extra_env or {})
    executable = str(Path(sys.executable).with_name("gunicorn"))
    return Server([executable, "registry.wsgi"], env, port, log, "/healthz")


def datasette(db_path: Path, metadata: Path, log: Path) -> Server:
    port = free_port()
    executable = DATASETTE_VENV / "bin" / "datasette"
    command = [
        str(executable),
        "serve",
        "-i",
        str(db_path),
        "--host",
        HOST,
        "--port",
        str(port),
        "--metadata",
        str(metadata),
        # Let every facet finish, so both sides do the same work (the defaults would time them out).
        "--setting",
        "facet_time_limit_ms",
        "20000",
        "--setting",
        "sql_time_limit_ms",
        "60000",
    ]
    return Server(command, {**os.environ}, port, log, "/-/versions.json")


def ensure_datasette_venv(log=print) -> Path:
    executable = DATASETTE_VENV / "bin" / "datasette"
    if not executable.exists():
        log("Creating bench/out/venv-datasette from bench/requirements.txt…")
        subprocess.run([sys.executable, "-m", "venv", str(DATASETTE_VENV)], check=True, timeout=300)
        subprocess.run(
            [
                str(DATASETTE_VENV / "bin" / "pip"),
                "install",
                "--quiet",
                "-r",
                str(BENCH / "requirements.txt"),
            ],
            check=True,
            timeout=900,
        )
    return executable


def wrk(url: str, duration: int, threads: int = 2, connections: int = 16) -> dict:
    """wrk -t2 -c16 -dNs --latency: requests/s, p99 and errors (socket errors + non-2xx/3xx)."""
    if not shutil.which("wrk"):
        return {"available": False, "reason": "wrk not installed (apt-get install -y wrk)"}
    assert urllib.parse.urlsplit(url).hostname == HOST
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=duration + 120,
    )
    text = result.stdout
    parsed = parse_wrk(text)
    parsed["raw"] = text + result.stderr
    parsed["command"] = f"wrk -t{threads} -c{connections} -d{duration}s --latency"
    return parsed


def parse_wrk(text: str) -> dict:
    def to_ms(value: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    out = {"available": True}
    if match := re.search(r"Requests/sec:\s+([\d.]+)", text):
        out["requests_per_s"] = float(match.group(1))
    if match := re.search(r"^\s+99%\s+(\S+)", text, re.MULTILINE):
        out["p99_ms"] = round(to_ms(match.group(1)), 1)
    if match := re.search(r"^\s+50%\s+(\S+)", text, re.MULTILINE):
        out["p50_ms"] = round(to_ms(match.group(1)), 1)
    if match := re.search(r"(\d+) requests in", text):
        out["requests"] = int(match.group(1))
    socket_errors = 0
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        socket_errors = sum(int(g) for g in match.groups())
    non_2xx = int(match.group(1)) if (match := re.search(r"Non-2xx or 3xx responses: (\d+)", text)) else 0
    out["socket_errors"], out["non_2xx"] = socket_errors, non_2xx
    out["errors"] = socket_errors + non_2xx
    if not out.get("requests"):
        out["p99_ms"] = None  # nothing completed: no latency to report, and not a pass
    return out
