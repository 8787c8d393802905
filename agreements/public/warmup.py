"""A worker's first answers before its first visitor: the facet index, the code and the templates.

A new worker's first listing took 1.3 s at 100,000 agreements even with its index built: importing
the views and what they use, compiling the URL patterns for reverse() and the templates. Under
load every worker did that on a visitor's request, and those requests were the slowest 1 %
(bench/RESULTS.md, #17). gunicorn.conf.py calls ``warm_up`` once per worker, before it accepts
requests; a database that is not ready only postpones the work to the first request.
"""

from django.conf import settings
from django.db import DatabaseError, connection
from django.test import Client

from agreements.public.listing.facets import current_index
from agreements.public.listing.residuals import word_indexes

PAGES = ("/", "/agreements/")


def warm_up(log) -> None:
    try:
        current_index()
        render_pages(log)
        word_indexes.start()  # built in the background: searches run in SQL meanwhile
    except DatabaseError as error:
        log.warning("Worker not warmed up: %s", error)
    finally:
        connection.close()  # the worker's requests open their own


def render_pages(log) -> None:
    """The home page and the listing, through the whole middleware stack, as a visitor gets them."""
    client = Client(HTTP_HOST=allowed_host(), raise_request_exception=False)
    for path in PAGES:
        response = client.get(path, secure=settings.SECURE_SSL_REDIRECT)
        if response.status_code != 200:
            log.info("Warm-up: %s answered %s", path, response.status_code)


def allowed_host() -> str:
    for host in settings.ALLOWED_HOSTS:
        host = host.lstrip(".")
        if host and "*" not in host:
            return host
    return "localhost"
