"""The Dockerfile's exact CMD serves /healthz (no Docker engine runs here, so run the command itself)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings


def dockerfile_cmd() -> list[str]:
    text = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    return json.loads(re.search(r"^CMD (\[.*\])$", text, re.MULTILINE).group(1))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_serves_healthz_with_the_dockerfile_command():
    command = dockerfile_cmd()
    assert command[0] == "gunicorn"
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "smoke-test-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    executable = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen([executable, *command[1:]], cwd=settings.BASE_DIR, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    assert response.status == 200
                    assert json.load(response) == {"status": "ok", "database": "ok"}
                    break
            except OSError:
                assert server.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=20)


def worker_pids(master: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def slow_client(port: int, path: str) -> socket.socket:
    """A client that asks for ``path`` and then reads almost nothing (a tiny receive buffer), so the
    server soon blocks writing to it, as to a download over a slow line."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    return sock


def read_to_end(sock: socket.socket) -> bytes:
    sock.settimeout(30)
    received = []
    while chunk := sock.recv(65536):
        received.append(chunk)
    sock.close()
    return b"".join(received)


def test_it_serves_pages_during_a_slow_download_and_a_cut_one_has_no_final_chunk(tmp_path):
    """The project's gunicorn.conf.py with one worker: a download the client reads slowly holds a
    thread, not the worker; HEAD is answered at once; and a download cut off (here the worker is
    killed, as a sync worker's timeout did) ends without the chunked encoding's last chunk, so the
    client reports an error (curl: exit 18) instead of keeping a short file that looks complete."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "EXPORTS_LOCK_DIR": str(tmp_path / "slots"),
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=settings.BASE_DIR, env=env, check=True, timeout=120)
    subprocess.run(  # a CSV of ~6 MB: more than the kernel's socket buffers (4 MB at most here)
        [*manage, "generate_demo_data", "--agreements", "6000", "--seed", "1", "--no-progress"],
        cwd=settings.BASE_DIR, env=env, check=True, timeout=300, capture_output=True,
    )  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    executable = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [executable, "registry.wsgi"],
        cwd=settings.BASE_DIR,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5):
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        with urllib.request.urlopen(f"{base}/agreements/export.csv", timeout=60) as response:
            full = response.read()
        assert len(full) > 5_000_000
        download = slow_client(port, "/agreements/export.csv")
        time.sleep(2)  # it has started and is blocked writing to the slow client
        started = time.monotonic()
        with urllib.request.urlopen(f"{base}/agreements/?region=KZ-31", timeout=10) as response:
            assert response.status == 200  # served by another thread of the same worker
        head = urllib.request.Request(f"{base}/agreements/export.csv", method="HEAD")
        with urllib.request.urlopen(head, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Disposition"].startswith("attachment")
            assert response.read() == b""
        assert time.monotonic() - started < 10
        (worker,) = worker_pids(server.pid)
        os.kill(worker, signal.SIGKILL)
        received = read_to_end(download)
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        assert b"transfer-encoding: chunked" in head.lower()
        assert 0 < len(body) < len(full)
        assert not body.endswith(b"\r\n0\r\n\r\n")  # no last chunk: the client knows it is cut off
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a worker still blocked on the slow client
            server.kill()
            server.wait(timeout=10)
