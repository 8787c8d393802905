"""What REST_FRAMEWORK's settings name: kept apart from the views (base.py), which import rest_framework.views
(that module loads these classes from the settings while it is being imported)."""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.throttling import AnonRateThrottle

from agreements.public.downloads import throttle


class JsonOnly(BaseContentNegotiation):
    """JSON whatever Accept says: a browser's text/html gets the JSON too, never a 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class AnonymousThrottle(AnonRateThrottle):
    """API_THROTTLE_RATE requests per client address (the address exports are counted by); None: off."""

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def get_ident(self, request):
        return throttle.client_address(request)


def exception_handler(exc, context):
    """400s as {"errors": {"<parameter>": ["…"]}}; the others as DRF's {"detail": "…"}."""
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        detail = response.data if isinstance(response.data, dict) else {"query": response.data}
        response.data = {"errors": detail}
    return response
