"""When the facet index is built: once at worker start, then in the background after each change.

A full build reads every published agreement and link (1–4 s at 100,000 agreements, tens of seconds
at 1,000,000). Before, the first request after any change waited for it in every worker, so with
staff saving every few seconds readers waited again and again. Now a request that finds the index
older than the data version starts one build in a background thread (one at a time per process:
changes during a build are picked up by the next) and is answered as of the previous index's
version meanwhile (caching.pinned_data_version: its cached counts and pages, its ETag), so the
caches keep answering and the build gets the CPU. Paths that do not pin a version are answered
from the previous index too, and caching.mark_behind() keeps those answers out of the caches. Only a
process with no index yet, or a connection inside a transaction that wrote (its writes are
invisible to the builder's connection: tests, an admin view after its save), builds inline.
"""

import logging
import threading
import time
from dataclasses import dataclass

from django.db import DatabaseError, connection, connections

from . import caching

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Built:
    version: str
    index: object
    seconds: float


class IndexBuilds:
    def __init__(self, build):
        self.build = build  # () -> index, reading the database through the current connection
        self.built: Built | None = None
        self.background = True  # tests of the inline behaviour turn it off
        self._lock = threading.Lock()  # one build at a time
        # Guards starting the background thread only: held for a moment, never during a build (a
        # request checking whether a build runs must not wait for it).
        self._starting = threading.Lock()
        self._thread: threading.Thread | None = None

    def current(self):
        version = caching.data_version()
        built = self.built
        if built is not None and built.version == version:
            return built.index
        if built is None or not self.background or connection.in_atomic_block:
            return self.build_now(version).index
        self.start_background_build()
        caching.mark_behind()
        return built.index

    def version_to_answer(self, version: str) -> str:
        """``version``, or the built index's version while the next index is built in the
        background (caching.pinned_data_version answers the whole request as of it)."""
        built = self.built
        if built is None or built.version == version or not self.background:
            return version
        if "+" in version or connection.in_atomic_block:  # its own writes: built inline
            return version
        self.start_background_build()
        return built.version

    def build_now(self, version: str) -> Built:
        with self._lock:
            built = self.built
            if built is not None and built.version == version:
                return built  # another thread built it meanwhile
            started = time.monotonic()
            index = self.build()
            self.built = Built(version, index, time.monotonic() - started)
            return self.built

    def start_background_build(self) -> None:
        with self._starting:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._build_in_background, name="facet-index", daemon=True)
            self._thread.start()

    def _build_in_background(self) -> None:
        try:
            # The version is read before the rows: a commit in between is then at most counted twice
            # (its rows in this build, its version in the next), never missed.
            self.build_now(caching.data_version())
        except DatabaseError as error:
            log.warning("Facet index not rebuilt: %s", error)
        finally:
            connections.close_all()  # this thread's own connection

    def wait(self, timeout: float = 120) -> None:
        """Until the background build under way (if any) is done: tests and benchmarks."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def forget(self) -> None:
        self.wait()
        with self._lock:
            self.built = None
