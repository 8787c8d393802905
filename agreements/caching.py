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

from django.core.cache import caches
from django.db import connection
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


def data_version() -> str:
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
