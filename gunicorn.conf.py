"""Gunicorn settings, read from the environment (gunicorn loads this file from the working directory)."""

import multiprocessing
import os

bind = os.getenv("GUNICORN_BIND", f"0.0.0.0:{os.getenv('PORT', '8000')}")
workers = int(os.getenv("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
timeout = int(os.getenv("GUNICORN_TIMEOUT", "120"))  # a 100,000-row export streams for seconds
accesslog = "-"
errorlog = "-"


def post_worker_init(worker):
    """Build the facet index before the worker's first request rather than during it (about a second
    at 100,000 agreements); a database that is not ready only postpones it to that request."""
    from agreements.facets import build_index_early

    build_index_early(worker.log)
