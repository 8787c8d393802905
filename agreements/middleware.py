"""What visitors see when the site protects itself: the database is down, or a login is locked out."""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views import defaults

log = logging.getLogger(__name__)

# Seconds a client (or a proxy) is asked to wait before trying again.
RETRY_AFTER = 30


def service_unavailable():
    """A plain page: rendered without the request, so no context processor touches the database."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with Retry-After, not a 500 with a traceback:
    the outage is temporary and says nothing about the page the visitor asked for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        log.error("database unavailable for %s %s: %s", request.method, request.path, exception)
        return service_unavailable()


def server_error(request):
    """handler500: a database error raised outside a view (a middleware saving the session, say)
    misses process_exception above; it still gets the 503, any other error the plain 500 page."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return service_unavailable()
    return defaults.server_error(request)


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE): says, in Russian and English, when to retry.
    Every refused attempt starts the cool-off again, so "now + cool-off" is the honest answer."""
    cool_off = settings.AXES_COOLOFF_TIME
    retry_at = timezone.localtime(timezone.now() + cool_off)
    context = {
        "minutes": int(cool_off.total_seconds() // 60),
        "retry_at": retry_at,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    response = HttpResponse(render_to_string("admin/lockout.html", context, request=request), status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    add_never_cache_headers(response)
    return response
