"""Names in another language than the page's: under /kk/ a region or sector with no Kazakh name is
shown in Russian (models.localized), and ``{{ region.name|marked }}`` wraps it in
``<span lang="ru">``, so screen readers pronounce it as Russian and the fallback is visible in the
markup, never silent. A name in the page's language (and any plain string) is left as it is."""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

register = template.Library()


@register.filter
def is_fallback(name) -> bool:
    """The name (a models.Name) is not in the page's language."""
    lang = getattr(name, "lang", None)
    return lang is not None and lang != (get_language() or "")[:2]


@register.filter
def marked(name):
    if is_fallback(name):
        return format_html('<span lang="{}">{}</span>', name.lang, name)
    return name
