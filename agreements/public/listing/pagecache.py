"""A listing page's rendering, cached per data version, answered from the previous version's while
the new one is rendered.

Every committed change (an admin save, an imported row) is a new data version, and every cached
page names its version: with staff saving once a second, each page was rendered afresh about once a
second in every worker, and the readers who asked at that moment waited for it — the slowest 1 %
of requests took over 2 s under wrk while an agreement was saved every second (bench/RESULTS.md,
#17). Now the first reader of a page after a change gets the page as it was (without an ETag: it
does not show the version the request read) and starts one rendering of the new version in a
thread; every worker sharing the cache waits for that one rendering instead of making its own.
A change is on the page as soon as it is rendered, a fraction of a second later.

Off by default (``SERVE_PAGES_WHILE_RENDERING``): measured without a shared cache it was no
better (every worker still renders every page after each edit; issue #17's note); with Redis it is
not measured yet. Off renders in the request, as before.
"""

import hashlib
import json
import logging
import queue
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.urls import get_script_prefix, set_script_prefix
from django.utils import translation

from agreements.public.background import BackgroundJob
from agreements.public.dataversion import (
    data_version,
    is_behind,
    mark_behind,
    pinned_version,
    tracking_behind,
)
from agreements.public.listing.caching import TTL

log = logging.getLogger(__name__)

# Long enough for a slow rendering on a loaded host; a worker killed mid-rendering frees the page
# after this many seconds (the lock is a cache entry, not held by the process).
RENDER_LOCK_SECONDS = 30

# One rendering thread per process, fed by a queue: after an edit every URL readers ask for needs a
# new rendering, and a thread each (ten at once, sharing the GIL with the request threads) made each
# take 0.5–3 s instead of ~50 ms (bench/RESULTS.md, #17). Readers are answered meanwhile anyway.
_queue: queue.Queue = queue.Queue()

# A process asks the shared cache for a page's rendering lock once per page and version (again
# after ASK_AGAIN_AFTER seconds, should the rendering it waits for have failed): every reader of a
# page not yet rendered asked, a round trip to Redis each, until the rendering was in — 12 % of the
# workers' samples under one edit a second (bench/RESULTS.md, #17).
ASK_AGAIN_AFTER = 2.0
_asked: dict[str, float] = {}
_asking = threading.Lock()


def first_to_ask(page_key: str) -> bool:
    now = time.monotonic()
    with _asking:
        if now - _asked.get(page_key, -ASK_AGAIN_AFTER) < ASK_AGAIN_AFTER:
            return False
        if len(_asked) >= 10_000:  # page keys name versions: the old ones are never asked again
            _asked.clear()
        _asked[page_key] = now
        return True


@dataclass
class Lookup:
    """A page looked up at this request's data version: ``page`` if it was cached, else made by
    ``rendered()`` — or, while its new rendering is being made, its previous one."""

    version: str
    store: object
    page_key: str
    latest_key: str
    page: str | None
    latest: tuple[str, str] | None

    def answers_previous(self) -> bool:
        """Whether this request is answered with the page's previous rendering (its new one made
        in the background): the view need not parse the parameters first, as they were valid then."""
        behind = self.latest is not None and self.latest[0] != self.version
        return self.page is None and settings.SERVE_PAGES_WHILE_RENDERING and behind

    def rendered(self, render) -> str:
        """The page; ``render()`` makes it, or returns None when the URL no longer stands (its
        previous rendering is then forgotten: the next request answers for it)."""
        if self.page is not None:
            return self.page
        if self.answers_previous():
            if first_to_ask(self.page_key) and self.store.add(
                lock_key(self.page_key), 1, RENDER_LOCK_SECONDS
            ):
                render_in_background(render, self.version, self.store, self.page_key, self.latest_key)
            mark_behind()  # older than the version read: no ETag, nothing cached under it
            return self.latest[1]
        with tracking_behind():
            page = render()
            if not is_behind():
                self.store.set_many({self.page_key: page, self.latest_key: (self.version, page)}, TTL)
        return page


def lookup(name: str, params: dict, alias: str = "pages") -> Lookup:
    """One round trip to the cache for the page and its newest rendering; a view looks before it
    validates its parameters (a page cached under a URL was valid at that version)."""
    version = data_version()
    store = caches[alias]
    page_key, latest_key = key(name, params, version), key(name, params)
    found = store.get_many([page_key, latest_key])
    return Lookup(version, store, page_key, latest_key, found.get(page_key), found.get(latest_key))


def cached_page(name: str, params: dict, render, alias: str = "pages") -> str:
    """``render()``'s page for ``params`` at this request's data version."""
    return lookup(name, params, alias).rendered(render)


def key(name: str, params: dict, version: str | None = None) -> str:
    payload = json.dumps([name, translation.get_language(), version, params], sort_keys=True, default=str)
    kind = "latest:" if version is None else ""  # the newest rendering, whatever its version
    return f"agreements:page:{kind}" + hashlib.sha256(payload.encode()).hexdigest()


def lock_key(page_key: str) -> str:
    return page_key + ":rendering"


def render_in_background(render, version: str, store, page_key: str, latest_key: str) -> None:
    """Queue one rendering of the page as the request would have made it: same language, URL prefix
    and data version; the rendering thread has a database connection of its own."""
    job = (render, version, store, page_key, latest_key, translation.get_language(), get_script_prefix())
    _queue.put(job)
    rendering.start()


def render_queued() -> None:
    while True:
        job = _queue.get()
        try:
            render_one(*job)
        finally:
            for connection in connections.all(initialized_only=True):
                connection.close()
            _queue.task_done()


rendering = BackgroundJob("render-pages", render_queued)


def render_one(render, version, store, page_key, latest_key, language, prefix) -> None:
    set_script_prefix(prefix)
    try:
        if data_version() != version:
            return  # a later change came while this waited: readers now ask for that version
        with translation.override(language), pinned_version(version), tracking_behind():
            page = render()
            if page is None:
                store.delete(latest_key)
            elif not is_behind():
                store.set_many({page_key: page, latest_key: (version, page)}, TTL)
    except Exception:
        log.exception("Rendering %s in the background failed; the next request renders it", page_key)
        with _asking:
            _asked.pop(page_key, None)  # this process's next reader asks for the lock again
    finally:
        store.delete(lock_key(page_key))


def wait_for_renderings(timeout: float = 30) -> None:
    """Until every rendering queued in this process has been made (tests, the warm-up)."""
    done = threading.Thread(target=_queue.join, daemon=True)
    done.start()
    done.join(timeout)
