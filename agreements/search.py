"""Russian full-text search over agreements, on PostgreSQL and on SQLite.

Each agreement stores ``search_text``: its title, subject, and its parties' names and aliases.
PostgreSQL searches it with ``to_tsvector('russian', …)`` under a GIN index (migration 0002).
SQLite has no Russian stemmer, so ``search_stems`` holds the same words reduced by the Snowball
Russian stemmer — the algorithm PostgreSQL's ``russian`` configuration uses — and a query word,
stemmed the same way, is matched as a word prefix through an FTS5 index of the stems (migration
0012, kept in step by triggers). «удобрения» and «удобрений» both become «удобрен».
"""

import re
from collections.abc import Iterable

import snowballstemmer
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, IntegerField, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex

SEARCH_CONFIG = "russian"
MAX_QUERY_WORDS = 12
_WORD = re.compile(r"\w+", re.UNICODE)
_stemmer = snowballstemmer.stemmer("russian")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("ё", "е"))


def stems(text: str) -> list[str]:
    return _stemmer.stemWords(words(text))


def agreement_search_text(agreement, parties: Iterable) -> str:
    """The text a reader's query is matched against. ``parties`` have their aliases prefetched."""
    parts = [agreement.title, agreement.subject]
    for party in parties:
        parts += [party.name, party.short_name, party.legal_form]
        parts += [alias.name for alias in party.aliases.all()]
    return "\n".join(part for part in parts if part)


# Leading quotes and dashes do not count in the title order: «Казнекс» files under К.
_SORT_PREFIX = re.compile(r"^\W+")


def title_sort_key(title: str) -> str:
    """The title as the listing sorts it: case-folded (Cyrillic too, which SQLite's LOWER() leaves
    alone), ё as е, leading punctuation dropped. Stored, so both databases sort alike by an index."""
    return _SORT_PREFIX.sub("", " ".join(title.split()).casefold().replace("ё", "е"))[:500]


def fill_search_fields(agreement, parties: Iterable) -> None:
    agreement.title_key = title_sort_key(agreement.title)
    agreement.search_text = agreement_search_text(agreement, parties)
    # Padded with spaces so a query stem can be matched at a word start: " удобрен".
    agreement.search_stems = " " + " ".join(stems(agreement.search_text)) + " "


def refresh_search_fields(agreements: QuerySet) -> int:
    """Recompute the stored search fields (and the title's sort key) of these agreements; call after
    their texts or parties change."""
    from .models import Agreement

    batch = []
    count = 0
    queryset = agreements.prefetch_related("party_links__party__aliases").order_by("pk")
    for agreement in queryset.iterator(chunk_size=500):
        fill_search_fields(agreement, [link.party for link in agreement.party_links.all()])
        batch.append(agreement)
        if len(batch) >= 500:
            count += save_search_fields(Agreement, batch)
            batch = []
    if batch:
        count += save_search_fields(Agreement, batch)
    return count


def save_search_fields(model, agreements: list) -> int:
    count = model.objects.bulk_update(agreements, ["title_key", "search_text", "search_stems"])
    fill_search_vectors(model.objects.filter(pk__in=[a.pk for a in agreements]))
    return count


def weighted_vector():
    """Title weighs more than subject and party names when results are ranked."""
    return SearchVector("title", config=SEARCH_CONFIG, weight="A") + SearchVector(
        "search_text", config=SEARCH_CONFIG, weight="D"
    )


def fill_search_vectors(agreements: QuerySet) -> None:
    """PostgreSQL: store the tsvector computed from the stored search text (one UPDATE)."""
    if is_postgresql():
        agreements.update(search_vector=weighted_vector())


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def apply_search(queryset: QuerySet, query: str) -> QuerySet:
    """Filter ``queryset`` to agreements matching ``query`` and annotate ``search_rank`` (higher first)."""
    query_words = words(query)[:MAX_QUERY_WORDS]
    if not query_words:
        # Only punctuation: nothing can match, but the caller may still sort by relevance.
        return queryset.none().annotate(search_rank=Value(0, output_field=IntegerField()))
    if is_postgresql():
        ts_query = SearchQuery(" ".join(query_words), config=SEARCH_CONFIG, search_type="plain")
        # The stored vector carries the GIN index (match) and the weights (rank): nothing is recomputed.
        return queryset.filter(search_vector=ts_query).annotate(
            search_rank=SearchRank(F("search_vector"), ts_query)
        )
    query_stems = _stemmer.stemWords(query_words)
    # Each stem a token prefix, all of them required: what " stem" matched in the padded stems.
    match = " AND ".join('"' + stem.replace('"', '""') + '"*' for stem in query_stems)
    matches = RawSQL("SELECT rowid FROM agreements_search WHERE agreements_search MATCH %s", [match])
    queryset = queryset.filter(pk__in=matches)
    rank = Value(0, output_field=IntegerField())
    for stem in query_stems:
        # Earlier in the document (the title comes first) ranks higher: negate the position.
        rank = rank - StrIndex(F("search_stems"), Value(f" {stem}"))
    return queryset.annotate(search_rank=rank)
