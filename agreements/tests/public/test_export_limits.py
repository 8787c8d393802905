"""Export limits: EXPORTS_PER_CLIENT at a time per client address, EXPORTS_TOTAL in all, across processes."""

import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from agreements.public.downloads import exports, throttle
from agreements.tests.factories import make_agreement

URL = reverse("agreement_export", args=["csv"])


class FakeStream:
    """In place of an export's stream: the limits are what is tested here, and a real stream keeps
    the test's one database connection busy (PostgreSQL streams one query at a time)."""

    def __init__(self, *args):
        self.chunks = iter([b"a,b\r\n", b"1,2\r\n"])

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.chunks)

    def close(self):
        pass


@pytest.fixture(autouse=True)
def limits(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "stream", FakeStream)
    settings.EXPORTS_LOCK_DIR = str(tmp_path / "slots")
    settings.EXPORTS_PER_CLIENT = 2
    settings.EXPORTS_TOTAL = 3
    settings.EXPORTS_RETRY_AFTER = 30
    # A response closed by the test (as the server closes it) sends request_finished, and
    # close_old_connections would then close the test's connection inside its transaction.
    monkeypatch.setattr(connection, "close_if_unusable_or_obsolete", lambda: None)
    return settings


def started(client, address="10.0.0.1", **extra):
    """An export whose response has started but whose download has not finished (it holds a slot)."""
    return client.get(URL, REMOTE_ADDR=address, **extra)


@pytest.mark.django_db
def test_it_refuses_a_third_export_from_one_client_with_a_429(client):
    make_agreement(slug="a")
    first, second = started(client), started(client)
    assert first.status_code == second.status_code == 200
    refused = started(client)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    assert refused["Content-Type"].startswith("text/plain")
    assert "Слишком много выгрузок" in refused.content.decode()
    assert started(client, "10.0.0.2").status_code == 200  # another client is not held up
    first.close()  # the download ended: its slot is free again
    again = started(client)
    assert again.status_code == 200
    for response in (second, again):
        response.close()


@pytest.mark.django_db
def test_it_caps_the_exports_of_all_clients_together(client):
    make_agreement(slug="a")
    running = [started(client, f"10.0.1.{n}") for n in range(3)]
    assert [r.status_code for r in running] == [200, 200, 200]
    assert started(client, "10.0.1.9").status_code == 429
    for response in running:
        response.close()
    assert started(client, "10.0.1.9").status_code == 200


@pytest.mark.django_db
def test_it_frees_the_slot_when_the_download_finishes_or_stops_early(client):
    make_agreement(slug="a")
    for _ in range(3):  # more than the client's two: each finished download gave its slot back
        response = started(client)
        assert response.status_code == 200
        b"".join(response.streaming_content)
        response.close()
    for _ in range(3):
        response = started(client)
        next(iter(response.streaming_content))
        response.close()  # the client went away mid-way
    assert started(client).status_code == 200


@pytest.mark.django_db
def test_it_shows_browsers_a_page_in_their_language(client):
    make_agreement(slug="a")
    held = [started(client), started(client)]
    page = started(client, HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert page.status_code == 429
    assert page["Content-Type"].startswith("text/html")
    assert "<h1>Слишком много выгрузок</h1>" in page.content.decode()
    english = client.get("/en" + URL, REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT="text/html")
    assert english.status_code == 429
    assert "Too many exports" in english.content.decode()
    for response in held:
        response.close()


@pytest.mark.django_db
def test_it_counts_the_exports_of_other_worker_processes(client, limits):
    make_agreement(slug="a")
    holder = textwrap.dedent(
        f"""
        import fcntl, os, sys
        files = [os.open(os.path.join({limits.EXPORTS_LOCK_DIR!r}, f"total-{{n}}"), os.O_RDWR | os.O_CREAT)
                 for n in range(3)]
        for fd in files:
            fcntl.flock(fd, fcntl.LOCK_EX)
        print("held", flush=True)
        sys.stdin.read()
        """
    )
    throttle.acquire("warm-up").release()  # creates the directory
    process = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline().strip() == "held"
        assert started(client).status_code == 429
    finally:
        process.kill()  # a worker killed mid-download: the kernel drops its locks
        process.wait(timeout=10)
    response = started(client)
    assert response.status_code == 200
    response.close()


@pytest.mark.django_db
def test_it_counts_the_proxys_client_header_when_configured(client, limits):
    make_agreement(slug="a")
    limits.EXPORTS_CLIENT_HEADER = "X-Forwarded-For"
    held = [started(client, "192.0.2.1", HTTP_X_FORWARDED_FOR="spoofed, 10.9.9.9") for _ in range(2)]
    assert started(client, "192.0.2.1", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429
    assert started(client, "192.0.2.1", HTTP_X_FORWARDED_FOR="10.9.9.8").status_code == 200
    for response in held:
        response.close()


@pytest.mark.django_db
def test_head_takes_no_slot(client):
    make_agreement(slug="a")
    held = [started(client), started(client)]
    assert client.head(URL, REMOTE_ADDR="10.0.0.1").status_code == 200
    for response in held:
        response.close()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EXPORTS_TOTAL": "0"}, "EXPORTS_PER_CLIENT and EXPORTS_TOTAL must be at least 1"),
        ({"EXPORTS_PER_CLIENT": "two"}, "EXPORTS_PER_CLIENT must be a whole number"),
    ],
)
def test_it_refuses_bad_limits_naming_the_variable(env, message):
    result = subprocess.run(
        [sys.executable, "-c", "import registry.settings"],
        cwd=settings.BASE_DIR, env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert message in result.stderr
