"""Matches grouped by rank (agreements/public/facetindex/matches.py), and the first page of a search
taken from them in the listing's relevance order (rank, then id)."""

import pytest
from pyroaring import FrozenBitMap

from agreements.public.facetindex.index import Positions
from agreements.public.facetindex.matches import Matches
from agreements.public.listing import facets


def test_it_groups_sql_rows_by_rank():
    matches = Matches.of_ranks([(5, 1), (3, 0), (9, 1), (4, 2)])
    assert matches.as_dict() == {5: 1, 3: 0, 9: 1, 4: 2}
    assert list(matches.ids) == [3, 4, 5, 9] and len(matches) == 4
    assert [list(bits) for bits in matches.in_relevance_order()] == [[4], [5, 9], [3]]


def test_it_replaces_changed_ids_and_narrows():
    kept = Matches.of_ranks([(1, 0), (2, 1), (3, 1)])
    fresh = Matches.of_ranks([(2, 0), (7, 1)])
    assert (kept.without({2, 3}) | fresh).as_dict() == {1: 0, 2: 0, 7: 1}
    assert kept.narrowed(FrozenBitMap([2, 9])).as_dict() == {2: 1}
    assert not Matches({}) and not kept.narrowed(FrozenBitMap())
    assert Matches.unranked([4, 2]).as_dict() == {2: 0, 4: 0}


class _Index:
    def __init__(self, pks):
        self.position = Positions(pks)


def test_it_takes_the_head_rank_by_rank_in_id_order_among_the_filtered(monkeypatch):
    index = _Index([8, 6, 4, 2, 1, 3, 5, 7])  # positions in the listing's default order
    matches = Matches.of_ranks([(1, 0), (2, 2), (3, 1), (5, 2), (7, 0), (8, 1), (99, 3)])
    everything = FrozenBitMap(range(8))
    assert facets.ranked_head(index, matches, everything) == [2, 5, 3, 8, 1, 7]  # 99: unpublished
    without_5_and_1 = everything - FrozenBitMap([index.position[5], index.position[1]])
    assert facets.ranked_head(index, matches, without_5_and_1) == [2, 3, 8, 7]
    monkeypatch.setattr(facets, "RANKED_HEAD", 3)
    monkeypatch.setattr(facets, "HEAD_RUN", 1)
    assert facets.ranked_head(index, matches, everything) == [2, 5, 3]


@pytest.mark.parametrize("run", [1, 3, 4096])
def test_it_takes_a_deeper_page_in_the_same_order(monkeypatch, run):
    monkeypatch.setattr(facets, "HEAD_RUN", run)
    index = _Index([8, 6, 4, 2, 1, 3, 5, 7])
    matches = Matches.of_ranks([(1, 0), (2, 2), (3, 1), (5, 2), (7, 0), (8, 1), (99, 3)])
    everything = FrozenBitMap(range(8))
    assert facets.ranked_slice(index, matches, everything, 2, 4) == [3, 8]
    assert facets.ranked_slice(index, matches, everything, 4, 10) == [1, 7]  # the last, short page
    assert facets.ranked_slice(index, matches, everything, 6, 8) == []


@pytest.mark.parametrize("ids", [[], [4]])
def test_it_looks_up_few_ids(ids):
    assert Positions([4, 2]).among(ids, FrozenBitMap([0, 1])) == ids
