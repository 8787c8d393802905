"""Listing totals and facet counts, cached per filter and invalidated by any committed change.

Facet counts over 100,000 agreements cost hundreds of milliseconds however the SQL is shaped, and
the same few filters are asked for again and again (links shared, the home page's regions). The key
is the filter, the language and the data version: one row that database triggers bump inside every
transaction writing agreements, their links, parties, aliases, forums, figures, sources, status
steps or reference data (migration 0011). It is read with one query by primary key; since it lives
in the database, every worker on every host sees a commit at its next request, whatever wrote it
(the admin, an import, raw SQL, a bulk load).
"""

import functools
import hashlib
import json
from contextlib import contextmanager

from django.core.cache import caches
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.utils.translation import get_language

from agreements.public.dataversion import (
    data_version,
    is_behind,
    pinned_version,
    reset_behind,
    tracking_behind,
)
from agreements.public.listing import facets

TTL = 300  # seconds: entries of versions nobody asks for any more age out


def cached(name: str, params: dict, compute, alias: str = "default"):
    """``compute()``'s result for this filter, from the cache while nothing has changed."""
    payload = json.dumps([name, get_language(), data_version(), params], sort_keys=True, default=str)
    key = "agreements:" + hashlib.sha256(payload.encode()).hexdigest()
    store = caches[alias]
    value = store.get(key)
    if value is None:
        with tracking_behind():
            value = compute()
            if not is_behind():
                store.set(key, value, TTL)
    return value


def cached_by_content(name: str, content, compute, alias: str = "pages"):
    """``compute()``'s result for ``content`` — everything it is rendered from — whatever the data
    version: after an edit, a filter whose counts and labels it did not change reuses its rendered
    sidebar and charts instead of every worker rendering them again (bench/RESULTS.md, #17)."""
    payload = json.dumps([name, get_language(), content], sort_keys=True, default=str)
    key = "agreements:content:" + hashlib.sha256(payload.encode()).hexdigest()
    store = caches[alias]
    value = store.get(key)
    if value is None:
        value = compute()
        store.set(key, value, TTL)
    return value


@contextmanager
def pinned_data_version():
    """The version this request answers for. While the facet index of the newest version is being
    built, the index's own (previous) version: the request is then answered entirely as of that
    version — its cached counts and pages, its ETag — instead of computing every page afresh from
    an index older than the version it names (which left nothing cacheable, and the rebuild
    competing with every request for the CPU)."""
    with pinned_version(None):
        reset_behind()
        version = facets.builds.version_to_answer(data_version())
        with pinned_version(version):
            yield version


def etag_from_data_version(view):
    """Repeat visits get 304 Not Modified while nothing has changed.

    The ETag names the data version, the language, the URL and the day (export file names carry the
    date), so it changes exactly when the response could; only 200 responses carry one, and not
    one computed from a facet index older than the version it read (unpinned paths)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with pinned_data_version() as version:
            payload = "|".join([version, get_language(), request.get_full_path(), str(timezone.localdate())])
            etag = quote_etag(hashlib.sha256(payload.encode()).hexdigest()[:32])
            not_modified = get_conditional_response(request, etag=etag)
            if not_modified is not None:
                not_modified["ETag"] = etag
                return not_modified
            response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.has_header("ETag") and not is_behind():
            response["ETag"] = etag
        return response

    return wrapper
