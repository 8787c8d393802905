"""A download's chunks as the server sends them: the query run and its first row read before the
response starts, the request's language kept, and the rows' query closed with the download."""

from collections.abc import Iterator

from django.utils import translation


def fetching(records: Iterator[tuple]) -> Iterator[tuple]:
    """The rows, the query already run and its first row read: a search or a database that fails
    does so here, before the response has started, as a 400 or a 503 rather than a cut-off file."""
    return Fetched(iter(records))


class Fetched:
    """An iterator whose first item is read at once; closing it closes the source (an unstarted
    generator's close would not, leaving the query's cursor open)."""

    def __init__(self, source: Iterator):
        self.source = source
        self.first = [next(source, None)]
        if self.first[0] is None:
            self.first.clear()

    def __iter__(self):
        return self

    def __next__(self):
        if self.first:
            return self.first.pop()
        return next(self.source)

    def close(self) -> None:
        close = getattr(self.source, "close", None)
        if close is not None:
            close()


class Stream:
    """An export's chunks in the request's language (they are consumed after the view and its
    middleware have returned, when the thread's language is no longer the request's). Closing it,
    as the server does when the download ends or the client goes away, closes the writer and the
    rows' query too: a writer generator that never started would not pass its close() on."""

    def __init__(self, chunks: Iterator, records: Fetched, language: str):
        self.chunks, self.records, self.language = chunks, records, language

    def __iter__(self):
        return self

    def __next__(self):
        with translation.override(self.language):
            return next(self.chunks)

    def close(self) -> None:
        try:
            self.chunks.close()
        finally:
            self.records.close()
