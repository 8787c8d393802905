"""The word index: which published agreements have each word of a search, without reading them.

At 1,000,000 agreements a search for a word that 63,707 of them have spent 260 ms visiting the heap
pages its GIN index pointed to: a GIN index has no index-only scans, and a narrower side table was
no quicker (bench/RESULTS.md, #17). Here each lexeme of the stored vectors has a compressed bitmap
(pyroaring) of the agreements having it anywhere, and one of those having it in the title (weight
A): a search is an intersection of bitmaps, and its relevance — how many of its words the title has,
which ``backend.title_rank`` computes the same way in SQL — is a few more.

Built once per process in the background (at 1,000,000 agreements it reads every vector: seconds
of the database's time, so never on a visitor's request); searches run in SQL until it is ready,
whenever it cannot be brought to the data version, and inside a transaction that wrote (tests, an
admin view), as before. After a committed change it is brought up to date from the change log
(facetindex/changes.py) like the facet index: the changed agreements' words are read into an
overlay, and their ids are set aside in the bitmaps. Once the overlay holds MOST_OVERLAID
agreements, a full build runs in the background while the overlaid index keeps answering.

PostgreSQL only (backend.has_word_index): SQLite's FTS5 index already answers from itself.
"""

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, connections
from pyroaring import BitMap, FrozenBitMap

from agreements import backend
from agreements.models import Agreement
from agreements.public import dataversion
from agreements.public.background import BackgroundJob
from agreements.public.facetindex import changes as indexchanges
from agreements.public.facetindex import matches as matches_module
from agreements.public.facetindex import snapshots as indexsnapshots
from agreements.public.facetindex.builds import return_freed_memory
from agreements.public.facetindex.changes import version_number
from agreements.public.facetindex.matches import Matches

log = logging.getLogger(__name__)

EMPTY = FrozenBitMap()
SNAPSHOTS = indexsnapshots.Kind("word-index", indexsnapshots.layout_of(__file__, matches_module.__file__))
# Agreements changed since the full build, matched one by one from their words: above this many a
# full build runs in the background (the overlay costs a loop over it per search).
MOST_OVERLAID = 2000
# Seconds before a failed build is started again.
RETRY_AFTER = 60


def packed(ids: list[int]) -> bytes:
    bits = BitMap(ids)
    bits.run_optimize()
    return bits.serialize()


def unpacked(postings: dict[str, bytes], lexeme: str) -> FrozenBitMap:
    found = postings.get(lexeme)
    return EMPTY if found is None else FrozenBitMap.deserialize(found)


class WordIndex:
    """Lexeme → bitmap of the published agreements' ids that have it, anywhere and in the title.

    The bitmaps are kept serialized and read back for a search's few words: 30,539 lexemes at
    1,000,000 agreements held 582,379 roaring containers, each its own allocation, 100 MB of a
    worker for 36 MB of postings; as bytes they are 42 MB, and reading one back is a copy."""

    def __init__(self, anywhere: dict, title: dict, overlay: dict | None = None, set_aside=EMPTY):
        self.anywhere: dict[str, bytes] = anywhere
        self.title: dict[str, bytes] = title
        # Changed since the build: id → (its lexemes, its title's), and every changed id, which
        # the bitmaps no longer speak for (an unpublished agreement is set aside, not overlaid).
        self.overlay: dict[int, tuple[frozenset, frozenset]] = overlay or {}
        self.set_aside: FrozenBitMap = set_aside
        self.built_at = time.time()

    @classmethod
    def build(cls) -> "WordIndex":
        anywhere, title = {}, {}
        for lexeme, ids, title_ids in backend.word_postings(Agreement.objects.public()):
            anywhere[lexeme] = packed(ids)
            if title_ids:
                title[lexeme] = packed(title_ids)
        return cls(anywhere, title)

    def updated(self, changed: set[int]) -> "WordIndex":
        """A copy with the changed agreements' words as the database has them now; this one is
        untouched (requests may be searching with it)."""
        overlay = {pk: words for pk, words in self.overlay.items() if pk not in changed}
        now = Agreement.objects.public().filter(pk__in=changed)
        for pk, lexemes, title_lexemes in backend.words_of(now):
            # No vector (a row written past the app, by a shell or a raw insert): no words, as in SQL.
            overlay[pk] = (frozenset(lexemes or ()), frozenset(title_lexemes or ()))
        new = WordIndex(self.anywhere, self.title, overlay, self.set_aside | FrozenBitMap(changed))
        new.built_at = self.built_at
        return new

    def matches(self, words: list[list[str]]) -> Matches:
        """The agreements having all the lexemes of all the words (``plainto_tsquery``'s AND),
        ranked by how many of the words their titles have; ``words`` holds each word's lexemes."""
        wanted = {lexeme for lexemes in words for lexeme in lexemes}
        if not wanted:  # only stop words: PostgreSQL matches nothing either
            return Matches({})
        found = FrozenBitMap.intersection(*(unpacked(self.anywhere, lexeme) for lexeme in wanted))
        if self.set_aside:
            found = found - self.set_aside
        # at_least[k]: the matches whose titles have k of the words or more.
        at_least = [found]
        for lexemes in words:
            in_title = self.in_title(found, lexemes)
            at_least = [
                at_least[0],
                *(at_least[k] | (at_least[k - 1] & in_title) for k in range(1, len(at_least))),
                at_least[-1] & in_title,
            ]
        by_rank = {k: at_least[k] - at_least[k + 1] for k in range(len(at_least) - 1)}
        by_rank[len(at_least) - 1] = at_least[-1]
        return Matches(by_rank) | self.overlaid(wanted, words)

    def in_title(self, found: FrozenBitMap, lexemes: list[str]) -> FrozenBitMap:
        """Those of ``found`` whose titles have the word (all its lexemes; a stop word: none)."""
        if not lexemes:
            return EMPTY
        return found.intersection(*(unpacked(self.title, lexeme) for lexeme in lexemes))

    def overlaid(self, wanted: set[str], words: list[list[str]]) -> Matches:
        ranked = defaultdict(list)
        for pk, (lexemes, title_lexemes) in self.overlay.items():
            if wanted <= lexemes:
                ranked[sum(1 for each in words if each and title_lexemes.issuperset(each))].append(pk)
        return Matches({rank: FrozenBitMap(ids) for rank, ids in ranked.items()})


@dataclass(frozen=True)
class Built:
    version: str
    index: WordIndex


class WordIndexes:
    """This process's word index: built in the background, then kept at the data version."""

    def __init__(self):
        self.built: Built | None = None
        self._updating = threading.Lock()  # replacing ``built`` after an update
        self._background = BackgroundJob("word-index", self._build_in_background)
        # Set while a full build runs because the change log cannot reach the data version:
        # searches go to SQL meanwhile instead of each reading the log again.
        self._needs_full = False
        self._failed_at = -RETRY_AFTER  # a failed build is not started again at once by every search

    def matches(self, query_words: list[str]) -> Matches | None:
        """The agreements matching the words, ranked, or None when SQL is to answer: on
        SQLite, before the first build, inside a transaction, or when no update can reach the
        data version (a full build is then started)."""
        if not self.enabled() or connection.in_atomic_block:
            return None
        version = dataversion.data_version()
        if "+" in version:  # this connection's own writes, which the index cannot have
            return None
        index = self.at(version)
        if index is None:
            return None
        return index.matches(backend.query_lexemes(query_words))

    def at(self, version: str) -> WordIndex | None:
        built = self.built
        if built is None:
            self.start_background_build()
            return None
        if built.version != version:
            if version_number(version) < version_number(built.version):
                return None  # a reading older than the index (a version pinned by the request): SQL
            built = self.update_now(version)
            if built is None:
                return None
        if len(built.index.overlay) > MOST_OVERLAID or len(built.index.set_aside) > 2 * MOST_OVERLAID:
            self.start_background_build()
        return built.index

    def update_now(self, version: str) -> Built | None:
        """The index brought to ``version`` from the change log, or None when SQL is to answer: the
        version read is older than the index (another request updated it meanwhile), or only a full
        build can reach it (one is then started)."""
        if self._needs_full and self.building():
            return None
        with self._updating:
            built = self.built
            if built.version == version:
                return built  # another request updated it meanwhile
            if version_number(version) < version_number(built.version):
                return None
            changed = None  # the same number under another nonce: a replaced database
            if version_number(version) > version_number(built.version):
                changed = indexchanges.changes_since(version_number(built.version), version_number(version))
            if changed is None:
                self._needs_full = True
                self.start_background_build()
                return None
            self.built = Built(version, built.index.updated(changed) if changed else built.index)
            return self.built

    def start(self) -> None:
        """A worker's start: its first build, in the background."""
        if self.enabled() and self.built is None:
            self.start_background_build()

    @staticmethod
    def enabled() -> bool:
        return settings.SEARCH_WORD_INDEX and backend.has_word_index()

    def building(self) -> bool:
        return self._background.running()

    def start_background_build(self) -> None:
        if time.monotonic() - self._failed_at >= RETRY_AFTER:
            self._background.start()

    def _build_in_background(self) -> None:
        try:
            # The version is read before the rows: a commit in between is then at most read twice
            # (its rows in this build, its log rows in the next update), never missed.
            version = dataversion.data_version()
            started = time.monotonic()
            with indexsnapshots.build_lock(SNAPSHOTS):
                built = self.from_snapshot(version)
                if built is None:
                    built = Built(version, WordIndex.build())
                    indexsnapshots.save(built.version, built.index, SNAPSHOTS)
            self.install(built)
            return_freed_memory()  # the build's lists of ids: 37 MB of a worker at 1,000,000
            log.info(
                "Word index ready in %.1f s: %d words", time.monotonic() - started, len(built.index.anywhere)
            )
        except DatabaseError as error:
            self._failed_at = time.monotonic()
            log.warning("Word index not built: %s", error)
        except Exception:
            # Searches go on in SQL whatever failed; the next build is tried after RETRY_AFTER
            # seconds, not by every search at once.
            self._failed_at = time.monotonic()
            log.exception("Word index not built")
        finally:
            self._needs_full = False
            connections.close_all()  # this thread's own connection

    def install(self, fresh: Built) -> None:
        """``fresh`` in place of the index, brought first to the version searches updated that one
        to during the build: under steady edits the previous index is always a little ahead, and a
        fresh build left out for that would never replace the overlay it was started to clear."""
        with self._updating:
            current = self.built
            if current is not None and version_number(current.version) > version_number(fresh.version):
                changed = indexchanges.changes_since(
                    version_number(fresh.version), version_number(current.version)
                )
                if changed is None:
                    return  # the change log no longer reaches: the current index stays, overlaid
                fresh = Built(current.version, fresh.index.updated(changed) if changed else fresh.index)
            self.built = fresh

    def from_snapshot(self, version: str) -> Built | None:
        """The index another worker of this host built and saved (facetindex/snapshots.py), brought
        to ``version``; None when there is none, it is of a replaced database (restore.py discards
        it too), or it is no better than the index this process is replacing (too many changes
        since)."""
        found = indexsnapshots.load(SNAPSHOTS)
        if found is None or "+" in found[0]:
            return None
        snapshot, index = found
        if version_number(snapshot) == version_number(version):
            return Built(snapshot, index) if snapshot == version else None  # else a replaced database
        if version_number(snapshot) > version_number(version):
            return Built(snapshot, index)
        changed = indexchanges.changes_since(version_number(snapshot), version_number(version))
        if changed is None or len(changed) > MOST_OVERLAID:
            return None
        return Built(version, index.updated(changed) if changed else index)

    def discard_snapshot(self) -> None:
        """The shared snapshot too (a restore replaced the database under it)."""
        indexsnapshots.discard(SNAPSHOTS)

    def wait(self, timeout: float = 300) -> None:
        """Until the background build under way (if any) is done: tests and benchmarks."""
        self._background.wait(timeout)

    def forget(self) -> None:
        self.wait()
        with self._updating:
            self.built = None
        self._needs_full = False
        self._failed_at = -RETRY_AFTER
