"""Gunicorn settings, read from the environment (gunicorn loads this file from the working directory)."""

import multiprocessing
import os

bind = os.getenv("GUNICORN_BIND", f"0.0.0.0:{os.getenv('PORT', '8000')}")
workers = int(os.getenv("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
timeout = int(os.getenv("GUNICORN_TIMEOUT", "120"))  # a 100,000-row export streams for seconds
accesslog = "-"
errorlog = "-"
