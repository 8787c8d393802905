"""Template filters over agreements/public/numbers.py: forum figures and agreement amounts, localized."""

from django import template

from agreements.public import numbers

register = template.Library()


@register.filter
def figure_value(figure) -> str:
    """``{{ figure|figure_value }}``: «≈ 3 млрд долларов США», «56 документов»."""
    return numbers.format_figure(figure.value, figure.unit, approximate=figure.is_approximate)


@register.filter
def amount(value, currency: str) -> str:
    """``{{ agreement.amount|amount:agreement.currency }}``: «1,75 млрд казахских тенге»."""
    return numbers.format_amount(value, currency)
