"""The agreements a search (or a party or date filter) matches, grouped by rank: a bitmap of ids per
rank, as the word index finds them (facetindex/words.py) and as SQL's rows are grouped.

A dict of id → rank cost more than finding the matches: 223,024 matches of a common query at
1,000,000 agreements took 110 ms to put in a dict and 160 ms to rank again by a heap, where the
bitmaps give the first page's ids rank by rank in id order, which is the listing's relevance order
(``-search_rank, pk``; bench/RESULTS.md, #17).
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator

from pyroaring import FrozenBitMap

EMPTY = FrozenBitMap()


class Matches:
    __slots__ = ("_ids", "by_rank")

    def __init__(self, by_rank: dict[int, FrozenBitMap]):
        self.by_rank = {rank: bits for rank, bits in by_rank.items() if bits}
        self._ids = None

    @classmethod
    def of_ranks(cls, pairs: Iterable[tuple[int, int]]) -> "Matches":
        """From SQL's (id, rank) rows."""
        grouped = defaultdict(list)
        for pk, rank in pairs:
            grouped[rank].append(pk)
        return cls({rank: FrozenBitMap(ids) for rank, ids in grouped.items()})

    @classmethod
    def unranked(cls, ids: Iterable[int]) -> "Matches":
        return cls({0: FrozenBitMap(ids)})

    @property
    def ids(self) -> FrozenBitMap:
        if self._ids is None:
            self._ids = EMPTY.union(*self.by_rank.values())
        return self._ids

    def __len__(self) -> int:
        return len(self.ids)

    def __bool__(self) -> bool:
        return bool(self.by_rank)

    def __eq__(self, other) -> bool:
        return isinstance(other, Matches) and self.by_rank == other.by_rank

    def as_dict(self) -> dict[int, int]:
        return {pk: rank for rank, bits in self.by_rank.items() for pk in bits}

    def without(self, ids: Iterable[int]) -> "Matches":
        gone = FrozenBitMap(ids)
        return Matches({rank: bits - gone for rank, bits in self.by_rank.items()})

    def narrowed(self, allowed: FrozenBitMap) -> "Matches":
        return Matches({rank: bits & allowed for rank, bits in self.by_rank.items()})

    def __or__(self, other: "Matches") -> "Matches":
        merged = dict(self.by_rank)
        for rank, bits in other.by_rank.items():
            merged[rank] = merged[rank] | bits if rank in merged else bits
        return Matches(merged)

    def in_relevance_order(self) -> Iterator[FrozenBitMap]:
        """The bitmaps, the highest rank first; ids in each come lowest first."""
        for rank in sorted(self.by_rank, reverse=True):
            yield self.by_rank[rank]
