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
from django.db.models import IntegerField, QuerySet, Value

from agreements import backend
from agreements.backend import fill_search_vectors, weighted_vector  # noqa: F401  (migrations import it from here)

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
    from agreements.models import Agreement

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
    backend.fill_search_vectors(model.objects.filter(pk__in=[a.pk for a in agreements]))
    return count


def query_words(query: str) -> list[str]:
    """The words of a reader's query that are searched for."""
    return words(query or "")[:MAX_QUERY_WORDS]


def apply_search(queryset: QuerySet, query: str) -> QuerySet:
    """Filter ``queryset`` to agreements matching ``query`` and annotate ``search_rank`` (higher first)."""
    searched = query_words(query)
    if not searched:
        # Only punctuation: nothing can match, but the caller may still sort by relevance.
        return queryset.none().annotate(search_rank=Value(0, output_field=IntegerField()))
    return backend.match_words(queryset, searched, _stemmer.stemWords(searched))
