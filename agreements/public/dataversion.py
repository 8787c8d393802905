"""The data version: what every cache key and ETag of the public site names.

One row that database triggers bump inside every transaction writing registry or reference data
(migration 0011), read with one query by primary key (backend.read_data_version). A request pins
the version it answers for; a computation done from a facet index older than that version marks
itself *behind*, and is then neither cached under the version nor sent with an ETag naming it.
"""

import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

from agreements import backend

# A request answered under an ETag reads the version once and keeps it: the page it renders is the
# version its ETag names, and the caches ask no second query.
_pinned = threading.local()


# The last version read outside a transaction, and when: a request read it with a query of its own,
# one round trip to the database per page however warm its caches (14 % of the workers' samples
# under wrk, bench/RESULTS.md, #17). Shared by the process's threads for DATA_VERSION_REUSE_MS.
_last_read: tuple[float, str] = (-1e9, "")


def data_version() -> str:
    global _last_read
    pinned = getattr(_pinned, "version", None)
    if pinned is not None:
        return pinned
    reuse = settings.DATA_VERSION_REUSE_MS / 1000 if not connection.in_atomic_block else 0
    read_at, last = _last_read
    if reuse and time.monotonic() - read_at < reuse:
        return last
    now = time.monotonic()
    version, nonce, statements, write_token = backend.read_data_version()
    if write_token:  # '' once set and rolled back to a savepoint
        return f"{version}.{nonce}+{write_token}.{statements}"
    if reuse:
        _last_read = (now, f"{version}.{nonce}")
    return f"{version}.{nonce}"


def forget_data_version() -> None:
    """Read it afresh next time (tests; a restore, which replaces the database)."""
    global _last_read
    _last_read = (-1e9, "")


# Set while a request is answered from the previous facet index (a newer one is being built in
# the background, listing/facets.current_index): what it computes is older than the data version
# it read, so it is neither cached under that version nor sent with an ETag naming it.
_behind = threading.local()


def mark_behind() -> None:
    _behind.flag = True


def is_behind() -> bool:
    return getattr(_behind, "flag", False)


@contextmanager
def tracking_behind():
    """Within: whether anything computed was older than the data version (``is_behind()``)."""
    outer = is_behind()
    _behind.flag = False
    try:
        yield
    finally:
        _behind.flag = outer or _behind.flag


@contextmanager
def pinned_version(version: str):
    """This thread answers for ``version``: a page rendered in the background for a request
    (agreements/public/listing/pagecache.py) is the version that request read."""
    _pinned.version = version
    try:
        yield
    finally:
        _pinned.version = None


def reset_behind() -> None:
    _behind.flag = False
