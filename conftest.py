"""Fixtures shared by the whole suite."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.utils import translation

from agreements.public.listing.facets import forget_index

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Flags for Debian's Chromium on a machine with no network beyond loopback (see DEVELOPERS.md).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in Russian: a request under /en/ leaves English active in the thread,
    and reverse() in the next test would otherwise build /en/ URLs."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def no_index_snapshots(settings):
    """Each test's database is its own: no facet index shared through a file between tests
    (test_index_snapshots.py turns it on in a directory of its own)."""
    settings.FACET_INDEX_SNAPSHOTS = ""


@pytest.fixture(autouse=True)
def searches_in_sql(settings):
    """No word index built in a background thread behind a test's back; test_word_index.py turns it on."""
    settings.SEARCH_WORD_INDEX = False


@pytest.fixture(autouse=True)
def data_version_read_each_time(settings):
    """A test's commit shows at its next request; test_data_version_reuse.py tests the reuse a worker
    does in production."""
    from agreements.public.dataversion import forget_data_version

    settings.DATA_VERSION_REUSE_MS = 0
    forget_data_version()


@pytest.fixture(autouse=True)
def pages_rendered_in_the_request(settings):
    """A test sees its change on the next page at once; test_page_cache.py tests the background
    rendering that production does instead."""
    settings.SERVE_PAGES_WHILE_RENDERING = False


@pytest.fixture(autouse=True)
def own_export_slots(settings, tmp_path_factory):
    """Export slots are flock()ed files shared by every process on the host: a suite running beside
    another one (the other database in CI, a developer's second checkout) must not take its slots."""
    settings.EXPORTS_LOCK_DIR = str(tmp_path_factory.getbasetemp() / "export-slots")


@pytest.fixture(autouse=True)
def empty_cache():
    """Rolled-back tests can reuse history ids, and transactional tests reload reference data under
    new primary keys: nothing cached may outlive its test."""
    for alias in ("default", "reference", "pages"):
        caches[alias].clear()
    forget_index()


@pytest.fixture
def seeded(db):
    """The XIII forum seed, loaded as `make run` loads it."""
    call_command("load_seed", verbosity=0)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium: Playwright's own browser download does not work on these machines."""
    if not CHROMIUM.exists():
        message = (
            f"{CHROMIUM} not found: install it with `apt-get install -y --no-install-recommends chromium`"
        )
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(f"browser tests skipped: {message}")
    # Playwright's sync API runs an event loop in the test thread, where Django then refuses DB access;
    # set for the rest of the session because the database is flushed after the browser has closed.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture
def live_registry(transactional_db, live_server, browser_type_launch_args):
    """A live server with reference data (flushed by earlier transactional tests) and the seed."""
    call_command("load_reference_data", verbosity=0)
    call_command("load_seed", verbosity=0)
    return live_server
