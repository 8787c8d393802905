"""The facet index shared by a host's workers through a file: built by one, loaded by the others.

A full build took seconds at 100,000 agreements and up to a minute at 1,000,000 (about 3 s now,
bench/RESULTS.md #17); every gunicorn worker building its own at start, and again after each
change only a full build covers, multiplied that by the workers. Now a full build takes a file
lock first: the worker holding it builds and writes the snapshot (its version and the index,
pickled), the others wait for the lock and load it (a fraction of a second), then bring it to the
current version from the change log like any update. A restarted worker loads the last snapshot
and is ready at once.

The word index (facetindex/words.py), a search's postings, is shared the same way under a name of
its own (``WORDS``): a build reads every agreement's words, about 30 s at 1,000,000.

The files sit in FACET_INDEX_SNAPSHOTS (settings; empty: off), named after the database and the
code of the index (a new release never loads an older layout). It is the application's own cache:
the directory must be writable by the application's user only, as pickles are code.
"""

import contextlib
import fcntl
import hashlib
import logging
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.db import connection

from agreements.public.facetindex import index as facetindex

log = logging.getLogger(__name__)

# Seconds after which a temporary file no process finished writing is removed.
ABANDONED_AFTER = 3600


class Kind(NamedTuple):
    name: str
    layout: str  # a digest of the code that defines what is pickled


def layout_of(*files: str) -> str:
    return hashlib.sha256(b"".join(Path(file).read_bytes() for file in files)).hexdigest()[:12]


FACETS = Kind("facet-index", layout_of(facetindex.__file__))
LAYOUT = FACETS.layout


def snapshot_path(kind: Kind = FACETS) -> Path | None:
    directory = getattr(settings, "FACET_INDEX_SNAPSHOTS", "")
    if not directory:
        return None
    database = connection.settings_dict
    identity = "|".join(str(database.get(key, "")) for key in ("ENGINE", "NAME", "HOST", "PORT"))
    name = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return Path(directory) / f"{kind.name}-{name}-{kind.layout}.pickle"


@contextlib.contextmanager
def build_lock(kind: Kind = FACETS):
    """Held while this process builds (or waits for another's build): one full build per host."""
    path = snapshot_path(kind)
    if path is None:
        yield
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = open(path.with_suffix(".lock"), "a+b")  # noqa: SIM115 (held across the yield)
    except OSError as error:
        log.warning("%s snapshots off: %s", kind.name, error)
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load(kind: Kind = FACETS) -> tuple[str, object] | None:
    """The snapshot's (version, index), or None."""
    path = snapshot_path(kind)
    if path is None or not path.exists():
        return None
    try:
        with path.open("rb") as file:
            version, index = pickle.load(file)  # noqa: S301 (written by this application, see above)
    except Exception as error:  # unpickling can raise almost anything; the build that follows replaces it
        log.warning("%s snapshot not loaded: %s", kind.name, error)
        return None
    return version, index


def save(version: str, index, kind: Kind = FACETS) -> None:
    path = snapshot_path(kind)
    if path is None:
        return
    file = None
    remove_abandoned(path.parent, kind)
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{kind.name}-", delete=False) as file:
            pickle.dump((version, index), file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, path)  # readers see the old file or the new one, never half of one
    except OSError as error:
        log.warning("%s snapshot not written: %s", kind.name, error)
        if file is not None:
            Path(file.name).unlink(missing_ok=True)


def remove_abandoned(directory: Path, kind: Kind) -> None:
    """Half-written files of workers killed while writing (42 MB each for the word index at
    1,000,000). Only old ones: a process of another database may be writing its own meanwhile."""
    too_old = time.time() - ABANDONED_AFTER
    for leftover in directory.glob(f".{kind.name}-*"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < too_old:
                leftover.unlink()


def discard(kind: Kind = FACETS) -> None:
    """Remove the snapshot (a restore replaced the database under it): after the build under way on
    this host, if any, which would otherwise write one of the replaced database just after."""
    path = snapshot_path(kind)
    if path is not None:
        with build_lock(kind):
            path.unlink(missing_ok=True)
