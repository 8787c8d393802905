"""When the facet index is built or updated: built once at worker start, then kept current.

After a committed change, the next request updates its process's index from the agreements the
change log names (facetindex/changes.py): a few milliseconds for an edit, so an edit shows at the next
request and no request waits for a full build. Only what an update cannot cover — reference data,
a bulk load, thousands of changes, a log pruned past the index — needs a full build (1–3 s at
100,000 agreements, about 3 s at 1,000,000 on 2 cores): it runs in a background thread (one at a time
per process), and requests are answered as of the previous index's version meanwhile
(caching.pinned_data_version: its cached counts and pages, its ETag). Paths that do not pin a
version are answered from the previous index too, and dataversion.mark_behind() keeps those answers
out of the caches. A full build also runs in the background once updates have placed many
agreements out of the listing's order (facetindex/index.py), while the updated index keeps answering.

Only a process with no index yet, or a connection inside a transaction that wrote (its writes are
invisible to the builder's connection and not yet in the log: tests, an admin view after its
save), builds inline.
"""

import ctypes
import ctypes.util
import logging
import threading
import time
from dataclasses import dataclass

from django.db import DatabaseError, connection, connections

from agreements.public import dataversion
from agreements.public.background import BackgroundJob
from agreements.public.facetindex import changes as indexchanges
from agreements.public.facetindex import snapshots as indexsnapshots
from agreements.public.facetindex.changes import version_number

log = logging.getLogger(__name__)

# Agreements placed out of order (after the others) before a full build puts them in order:
# pages touching them come from SQL meanwhile (a deep page of a region took 130 ms instead of 3 at
# 100,000 agreements, after an import had added 900). A full build starts once there are this many,
# or once the first of them has waited REORDER_AFTER seconds: one build a minute at most while staff
# keep adding, and none at all while they only edit.
MOST_ADDED = 1000
REORDER_AFTER = 60


def _malloc_trim():
    library = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(library), "malloc_trim", None) if library else None
    return (lambda: trim(0)) if trim else (lambda: None)  # glibc has it; musl, macOS do not


# A full build's millions of transient ints and the database's result buffers are freed, but glibc
# keeps the pages for later: at 1,000,000 agreements a worker stayed 186 MB after its build, 109 MB
# once they were given back (bench/RESULTS.md, #17).
return_freed_memory = _malloc_trim()


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
        self._lock = threading.Lock()  # one full build at a time
        self._updating = threading.Lock()  # replacing ``built``: held for an update, never a build
        self._background = BackgroundJob("facet-index", self._build_in_background)
        # Set while a full build runs because an update could not cover a change: requests do not
        # read the change log again meanwhile, they are answered as of the previous index.
        self._needs_full = False

    def current(self):
        version = dataversion.data_version()
        built = self.refreshed(version)
        if built.version != version:
            dataversion.mark_behind()
        return built.index

    def version_to_answer(self, version: str) -> str:
        """``version``, or the built index's version while the next index is built in the
        background (caching.pinned_data_version answers the whole request as of it)."""
        if self.built is None or not self.background or self.inline(version):
            return version
        return self.refreshed(version).version

    def inline(self, version: str) -> bool:
        return "+" in version or connection.in_atomic_block  # its own writes: built inline

    def refreshed(self, version: str) -> Built:
        """The index to answer ``version`` with: as it is, updated, built inline, or (while a full
        build runs in the background) the previous one."""
        built = self.built
        if built is not None and built.version == version:
            self.reorder_if_due(built)
            return built
        if built is None or not self.background or self.inline(version) or "+" in built.version:
            return self.build_now(version)
        if self._needs_full and self.building():
            return built
        updated = self.update_now(version)
        if updated is None:
            self._needs_full = True
            self.start_background_build()
            return self.built
        self.reorder_if_due(updated)
        return updated

    def reorder_if_due(self, built: Built) -> None:
        added = built.index.added
        due = added > MOST_ADDED or (added and time.time() - built.index.built_at > REORDER_AFTER)
        if due and self.background and not self.building():
            self.start_background_build()

    def update_now(self, version: str) -> Built | None:
        """The index brought to ``version`` from the change log, or None when it needs a full build."""
        with self._updating:
            built = self.built
            if built.version == version or version_number(version) < version_number(built.version):
                return built  # another request updated it meanwhile, to this version or a newer one
            if version_number(version) == version_number(built.version):
                return None  # the same number under another nonce: a restored or replaced database
            started = time.monotonic()
            changed = indexchanges.changes_since(version_number(built.version), version_number(version))
            if changed is None:
                return None
            index = built.index.updated(changed) if changed else built.index
            self.built = Built(version, index, time.monotonic() - started)
            return self.built

    def build_now(self, version: str, again: bool = False) -> Built:
        with self._lock:
            built = self.built
            if built is not None and built.version == version and not again:
                return built  # another thread built it meanwhile
            fresh = self.shared_or_built(version, again)
            with self._updating:
                self.built = self.caught_up(fresh, self.built)
            return_freed_memory()  # the build's, and the replaced index's
            return self.built

    def shared_or_built(self, version: str, again: bool) -> Built:
        """Built here, or loaded from the snapshot another worker of this host built meanwhile
        (facetindex/snapshots.py): one full build per host."""
        started = time.monotonic()
        if self.inline(version):  # its own writes: only this connection sees them
            return Built(version, self.build(), time.monotonic() - started)
        with indexsnapshots.build_lock():
            loaded = self.from_snapshot(version, again)
            if loaded is not None:
                return loaded
            fresh = Built(version, self.build(), time.monotonic() - started)
            indexsnapshots.save(fresh.version, fresh.index)
            return fresh

    def from_snapshot(self, version: str, again: bool) -> Built | None:
        """The snapshot brought to ``version`` from the change log, or None when it cannot be (or,
        with ``again``, when it too holds agreements out of order)."""
        found = indexsnapshots.load()
        if found is None or "+" in found[0]:
            return None
        snapshot, index = found
        started = time.monotonic()
        if version_number(snapshot) >= version_number(version):
            # newer than the version read: answered as of its own (requests mark themselves behind)
            usable = snapshot == version or version_number(snapshot) > version_number(version)
            return Built(snapshot, index, 0.0) if usable and not (again and index.added) else None
        changed = indexchanges.changes_since(version_number(snapshot), version_number(version))
        if changed is None:
            return None
        index = index.updated(changed) if changed else index
        if again and index.added:
            return None
        return Built(version, index, time.monotonic() - started)

    def caught_up(self, fresh: Built, meanwhile: Built | None) -> Built:
        """``fresh``, or, when requests updated the previous index past its version during the
        build, ``fresh`` updated to that version."""
        if meanwhile is None or "+" in fresh.version or "+" in meanwhile.version:
            return fresh
        if version_number(meanwhile.version) <= version_number(fresh.version):
            return fresh
        changed = indexchanges.changes_since(version_number(fresh.version), version_number(meanwhile.version))
        if changed is None:
            return fresh  # the next request starts another build
        return Built(meanwhile.version, fresh.index.updated(changed), fresh.seconds)

    def building(self) -> bool:
        return self._background.running()

    def start_background_build(self) -> None:
        self._background.start()

    def _build_in_background(self) -> None:
        try:
            # The version is read before the rows: a commit in between is then at most counted twice
            # (its rows in this build, its log rows in the next update), never missed.
            version = dataversion.data_version()
            self.build_now(version, again=True)  # also when updates reached it: they are out of order
            indexchanges.prune(version_number(version))
        except DatabaseError as error:
            log.warning("Facet index not rebuilt: %s", error)
        finally:
            self._needs_full = False
            connections.close_all()  # this thread's own connection

    def wait(self, timeout: float = 120) -> None:
        """Until the background build under way (if any) is done: tests and benchmarks."""
        self._background.wait(timeout)

    def forget(self) -> None:
        self.wait()
        with self._lock, self._updating:
            self.built = None

    def discard_snapshot(self) -> None:
        """The shared snapshot too (a restore replaced the database under it)."""
        indexsnapshots.discard()
