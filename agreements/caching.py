"""Listing totals and facet counts, cached per filter and invalidated by any recorded change.

Facet counts over 100,000 agreements cost hundreds of milliseconds however the SQL is shaped, and
the same few filters are asked for again and again (links shared, the home page's regions). The key
is the filter, the language and a data version: the newest audit-trail id of agreements, parties,
aliases, party links, forums and status steps (one query, answered from the primary keys). Every
edit through the admin or an import writes history, so it changes the version at once, in every
worker; bulk loads that bypass history (demo data) are covered by the expiry.
"""

import functools
import hashlib
import json
import threading
from contextlib import contextmanager

from django.core.cache import caches
from django.db import connection
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.utils.translation import get_language

from .models import Agreement, AgreementParty, Forum, Party, PartyAlias, StatusChange

TTL = 300  # seconds
# Party names and aliases are searched, so their edits change results too.
VERSIONED = (Agreement, AgreementParty, Forum, Party, PartyAlias, StatusChange)


@functools.cache
def version_query() -> str:
    # simple-history builds a manager class on every ``Model.history`` access: do it once.
    tables = [model.history.model._meta.db_table for model in VERSIONED]
    # Table names come from model metadata, never from input.
    return "SELECT " + ", ".join(f"(SELECT MAX(history_id) FROM {table})" for table in tables)  # noqa: S608


# A request answered under an ETag reads the version once and keeps it: the page it renders is the
# version its ETag names, and the caches below ask no second query.
_pinned = threading.local()


def data_version() -> str:
    pinned = getattr(_pinned, "version", None)
    if pinned is not None:
        return pinned
    with connection.cursor() as cursor:
        cursor.execute(version_query())
        return ":".join(str(value or 0) for value in cursor.fetchone())


def cached(name: str, params: dict, compute, alias: str = "default"):
    """``compute()``'s result for this filter, from the cache while nothing has changed."""
    payload = json.dumps([name, get_language(), data_version(), params], sort_keys=True, default=str)
    key = "agreements:" + hashlib.sha256(payload.encode()).hexdigest()
    store = caches[alias]
    value = store.get(key)
    if value is None:
        value = compute()
        store.set(key, value, TTL)
    return value


@contextmanager
def pinned_data_version():
    _pinned.version = None
    _pinned.version = data_version()
    try:
        yield _pinned.version
    finally:
        _pinned.version = None


def etag_from_data_version(view):
    """Repeat visits get 304 Not Modified while nothing has changed.

    The ETag names the data version, the language, the URL and the day (export file names carry the
    date), so it changes exactly when the response could; only 200 responses carry one."""

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
        if response.status_code == 200 and not response.has_header("ETag"):
            response["ETag"] = etag
        return response

    return wrapper
