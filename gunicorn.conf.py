"""Gunicorn settings, read from the environment (gunicorn loads this file from the working directory)."""

import multiprocessing
import os

bind = os.getenv("GUNICORN_BIND", f"0.0.0.0:{os.getenv('PORT', '8000')}")
workers = int(os.getenv("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
# Threads: a download to a slow client holds one thread, not a whole worker, so the pages keep being
# served (bench/slow_clients.py); the exports themselves are capped by EXPORTS_TOTAL (settings).
worker_class = os.getenv("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.getenv("GUNICORN_THREADS", "8"))  # more than 1 makes even "sync" gthread
# With threads this is the worker's heartbeat, which its main loop beats whatever the threads do: a
# long download is no longer killed half-way (a sync worker is, as it cannot beat while it streams).
timeout = int(os.getenv("GUNICORN_TIMEOUT", "120"))
# Seconds an idle client connection is kept open. A kept-alive connection stays with the worker that
# accepted it, so a few busy clients can crowd one worker while others idle; 0 closes each connection
# after its response and every request goes to whichever worker accepts first (behind a proxy, as in
# production, the proxy keeps its own connections to clients).
keepalive = int(os.getenv("GUNICORN_KEEPALIVE", "0"))
accesslog = "-"
errorlog = "-"


def post_worker_init(worker):
    """Build the facet index and render the first pages before the worker's first request rather than
    during it (agreements/warmup.py); a database that is not ready only postpones it to that request."""
    from agreements.public.warmup import warm_up

    warm_up(worker.log)
