"""At most EXPORTS_PER_CLIENT full exports at a time per client address and EXPORTS_TOTAL in all.

A slot is an exclusive flock(2) on one of a few files in EXPORTS_LOCK_DIR, a directory every gunicorn
worker on the host shares. Counters in the process do not see the other workers; Django's cache here
is per process too (LocMemCache), and a shared counter (cache incr, a table) stays taken when a worker
is killed mid-download. The kernel drops a flock when its file is closed, also when the process dies,
so a slot can never leak; and flock, unlike fcntl record locks, excludes two threads of one process.
"""

import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

# Per-client slots are files named by a hash of the address, in this many buckets: the directory
# stays small whatever the number of clients; two clients in one bucket share its slots.
CLIENT_BUCKETS = 1024


class Slot:
    def __init__(self, files: list[int]):
        self.files = files

    def release(self) -> None:
        while self.files:
            os.close(self.files.pop())  # closing drops the lock


def _take_one(directory: str, prefix: str, count: int) -> int | None:
    """An open, exclusively locked descriptor of the first free ``prefix-N`` file, N < count."""
    for n in range(count):
        fd = os.open(os.path.join(directory, f"{prefix}-{n}"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return fd
    return None


def acquire(client: str) -> Slot | None:
    """A slot for one export from ``client``, or None when it or everyone has too many running."""
    directory = settings.EXPORTS_LOCK_DIR
    os.makedirs(directory, mode=0o700, exist_ok=True)
    bucket = int.from_bytes(hashlib.sha256(client.encode()).digest()[:8], "big") % CLIENT_BUCKETS
    slot = Slot([])
    limits = ((f"client{bucket}", settings.EXPORTS_PER_CLIENT), ("total", settings.EXPORTS_TOTAL))
    for prefix, count in limits:
        fd = _take_one(directory, prefix, count)
        if fd is None:
            slot.release()
            return None
        slot.files.append(fd)
    return slot


def client_address(request) -> str:
    """REMOTE_ADDR, or the last address of EXPORTS_CLIENT_HEADER (the one the proxy in front added)."""
    if settings.EXPORTS_CLIENT_HEADER:
        forwarded = request.headers.get(settings.EXPORTS_CLIENT_HEADER, "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


class Held:
    """The chunks of a response, holding the slot until the server closes it: when the stream ends,
    fails or the client goes away (a generator's finally would not run if it was never started)."""

    def __init__(self, slot: Slot, chunks: Iterator):
        self.slot, self.chunks = slot, chunks

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.chunks)

    def close(self) -> None:
        try:
            close = getattr(self.chunks, "close", None)
            if close is not None:
                close()
        finally:
            self.slot.release()


class Refused(Exception):
    """A download refused before its first byte: what to tell the client, the status, Retry-After."""

    def __init__(self, message: str, status: int, retry_after: int | None = None):
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after


def stream_in_slot(request, open_stream: Callable[[], Iterator]) -> Held:
    """``open_stream()``'s chunks, holding one of the client's export slots until the server closes
    them. Raises Refused when the client or everyone has too many downloads (429) or the database is
    down (503); anything else ``open_stream`` raises frees the slot and goes on up."""
    slot = acquire(client_address(request))
    retry_after = settings.EXPORTS_RETRY_AFTER
    if slot is None:
        message = _("Слишком много выгрузок одновременно. Повторите через %(seconds)s с.")
        raise Refused(message % {"seconds": retry_after}, 429, retry_after)
    try:
        chunks = open_stream()
    except (OperationalError, InterfaceError):
        slot.release()
        message = _("База данных сейчас недоступна. Повторите через %(seconds)s с.")
        raise Refused(message % {"seconds": retry_after}, 503, retry_after) from None
    except BaseException:
        slot.release()
        raise
    return Held(slot, chunks)
