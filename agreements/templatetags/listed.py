"""``{% agreement_items agreements %}``: the listed agreements, rendered by the Jinja2 fragment
(templates/jinja2/public/_agreement_items.html; registry/jinja2.py says why)."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def agreement_items(agreements) -> SafeString:
    # Jinja2 escaped what it rendered (autoescape); Django's backend returns it as a plain str.
    return mark_safe(  # noqa: S308
        render_to_string("public/_agreement_items.html", {"agreements": agreements}, using="jinja2")
    )
