"""A per-process memory cache bounded by the bytes it holds, not by its number of entries.

Django's LocMemCache caps entries: a cached listing page is about 120 KB, a facet result holds a
bitset of the matching agreements (12 KB at 100,000 agreements, 125 KB at 1,000,000), so a cap of
2,000 entries meant anything from a few MB to a quarter of a GB per worker. LocMemCache already
stores each value pickled, so its size is known exactly; the least recently used entries go first.
"""

from django.core.cache.backends.locmem import LocMemCache

# Bytes held, per cache name (LocMemCache keeps its stores per name, shared by its instances).
_sizes: dict[str, dict[str, int]] = {}


class SizedLocMemCache(LocMemCache):
    """OPTIONS: ``MAX_BYTES`` (the pickled values' total); MAX_ENTRIES still applies, set it high."""

    def __init__(self, name, params):
        super().__init__(name, params)
        options = params.get("OPTIONS", {})
        self.max_bytes = int(options.get("MAX_BYTES", 64 * 1024 * 1024))
        self._sizes = _sizes.setdefault(name, {})

    @property
    def bytes_held(self) -> int:
        with self._lock:
            return sum(self._sizes.values())

    def _set(self, key, value, timeout=None):
        self._delete(key)
        if len(value) > self.max_bytes:
            return  # would evict everything else and still not fit
        held = sum(self._sizes.values()) + len(value)
        while self._cache and (held > self.max_bytes or len(self._cache) >= self._max_entries):
            oldest, _value = self._cache.popitem()  # the least recently used is last
            del self._expire_info[oldest]
            held -= self._sizes.pop(oldest, 0)
        self._cache[key] = value
        self._cache.move_to_end(key, last=False)
        self._expire_info[key] = self.get_backend_timeout(timeout)
        self._sizes[key] = len(value)

    def _delete(self, key):
        self._sizes.pop(key, None)
        return super()._delete(key)

    def incr(self, key, delta=1, version=None):
        raise NotImplementedError("not used here: its size would not be tracked")

    def clear(self):
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._sizes.clear()
