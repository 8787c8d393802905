"""The data version: what every cache key and ETag of the public site names.

One row that database triggers bump inside every transaction writing registry or reference data
(migration 0011), read with one query by primary key (backend.read_data_version). A request pins
the version it answers for; a computation done from a facet index older than that version marks
itself *behind*, and is then neither cached under the version nor sent with an ETag naming it.
"""

import threading
from contextlib import contextmanager

from agreements import backend

# A request answered under an ETag reads the version once and keeps it: the page it renders is the
# version its ETag names, and the caches ask no second query.
_pinned = threading.local()


def data_version() -> str:
    pinned = getattr(_pinned, "version", None)
    if pinned is not None:
        return pinned
    version, nonce, statements, write_token = backend.read_data_version()
    if write_token:  # '' once set and rolled back to a savepoint
        return f"{version}.{nonce}+{write_token}.{statements}"
    return f"{version}.{nonce}"


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
