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
from agreements.public.facetindex.matches import Matches
from agreements.public.facetindex.words import WordIndexes
from agreements.search import query_words

MOST_IDS = 500_000  # over all kept parameters: ~40 MB of a worker at most

word_indexes = WordIndexes()


class Residuals:
    def __init__(self, most_ids: int = MOST_IDS):
        self.most_ids = most_ids
        self._entries: OrderedDict[str, tuple[str, Matches]] = OrderedDict()
        self._lock = threading.Lock()

    def matches(self, filterset, names: list[str]) -> Matches:
        """The agreements matching the named filters, by rank (0 without a search)."""
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

    def brought_up(self, found, version: str, filterset, names) -> Matches | None:
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
        if not changed:
            return kept
        return kept.without(changed) | query(filterset, names, only=changed)

    def keep(self, key: str, version: str, matches: Matches) -> None:
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


def query(filterset, names: list[str], only=None) -> Matches:
    if "q" in names and only is None:
        found = searched(filterset, names)
        if found is not None:
            return found
    queryset = filterset.queryset_only(names)
    if only is not None:
        queryset = queryset.filter(pk__in=only)
    if "q" in names:
        return Matches.of_ranks(queryset.values_list("pk", "search_rank").iterator(chunk_size=10_000))
    return Matches.unranked(queryset.values_list("pk", flat=True).iterator(chunk_size=10_000))


def searched(filterset, names: list[str]) -> Matches | None:
    """A search's matches from the word index (facetindex/words.py), the other filters the facet
    index does not hold (party, dates) applied in SQL; None when the word index cannot answer."""
    words = query_words(filterset.form.cleaned_data["q"])
    matches = word_indexes.matches(words) if words else None
    others = [name for name in names if name != "q"]
    if matches is None or not others or not matches:
        return matches
    return matches.narrowed(query(filterset, others).ids)
