"""The filters the facet index does not hold — a search, a party, dates — run in SQL, their matches
kept per parameters and brought up to date from the change log instead of asked again.

A search's matches with their ranks were the slowest part of rendering a page again after an edit
(~100 ms of ~300 at 100,000 agreements; bench/RESULTS.md, #17): every save is a new data version, and
every search page was matched afresh. A rank depends only on its own agreement and the query, so the
matches of version V are those of an earlier version, minus the agreements the change log names
since, plus those of them that match now: one query over a few ids. Only what the log cannot cover
(reference data, a bulk statement, a pruned stretch: indexchanges.changes_since() says None) is
matched again in full. Kept in each process, bounded by the number of ids held.
"""

import json
import threading
from collections import OrderedDict

from agreements.public.dataversion import data_version
from agreements.public.facetindex.changes import changes_since, version_number

MOST_IDS = 500_000  # over all kept parameters: ~40 MB of a worker at most


class Residuals:
    def __init__(self, most_ids: int = MOST_IDS):
        self.most_ids = most_ids
        self._entries: OrderedDict[str, tuple[str, dict[int, float]]] = OrderedDict()
        self._lock = threading.Lock()

    def matches(self, filterset, names: list[str]) -> dict[int, float]:
        """Agreement id → rank (0 without a search) of the agreements matching the named filters."""
        version = data_version()
        if "+" in version:  # this connection's own writes, which no other connection sees yet
            return query(filterset, names)
        key = json.dumps([filterset.form.cleaned_data[name] for name in names] + names, default=str)
        with self._lock:
            found = self._entries.get(key)
        matches = self.brought_up(found, version, filterset, names) if found else None
        if matches is None:
            matches = query(filterset, names)
        if found is None or version_number(found[0]) <= version_number(version):
            self.keep(key, version, matches)
        return matches

    def brought_up(self, found, version: str, filterset, names) -> dict[int, float] | None:
        kept_version, kept = found
        if kept_version == version:
            return kept
        # Not older (the same number under another nonce is a restored or replaced database):
        # matched again.
        if version_number(kept_version) >= version_number(version):
            return None
        changed = changes_since(version_number(kept_version), version_number(version))
        if changed is None:
            return None
        fresh = query(filterset, names, only=changed) if changed else {}
        return {pk: rank for pk, rank in kept.items() if pk not in changed} | fresh

    def keep(self, key: str, version: str, matches: dict[int, float]) -> None:
        with self._lock:
            self._entries[key] = (version, matches)
            self._entries.move_to_end(key)
            held = sum(len(m) for _v, m in self._entries.values())
            while held > self.most_ids and len(self._entries) > 1:
                _key, (_v, dropped) = self._entries.popitem(last=False)
                held -= len(dropped)

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()


def query(filterset, names: list[str], only=None) -> dict[int, float]:
    queryset = filterset.queryset_only(names)
    if only is not None:
        queryset = queryset.filter(pk__in=only)
    if "q" in names:
        return dict(queryset.values_list("pk", "search_rank"))
    return dict.fromkeys(queryset.values_list("pk", flat=True).iterator(chunk_size=10_000), 0)
