"""agreements/public/numbers.py: figures and amounts as readers write them, in each language."""

from decimal import Decimal

import pytest
from django.utils import translation

from agreements.public.numbers import format_amount, format_figure, format_number, format_quantity

NBSP = "\u00a0"


def plain(text: str) -> str:
    return text.replace(NBSP, " ")


@pytest.mark.parametrize(
    ("language", "value", "unit", "approximate", "expected"),
    [
        ("ru", "3000000000", "USD", True, "≈ 3 млрд долларов США"),
        ("en", "3000000000", "USD", True, "≈ USD 3 billion"),
        ("ru", "56", "documents", False, "56 документов"),
        ("en", "56", "documents", False, "56 documents"),
        ("ru", "6453", "companies", False, "6 453 компании"),
        ("en", "6453", "companies", False, "6,453 companies"),
        ("ru", "14570000000", "USD", False, "14,57 млрд долларов США"),
        ("en", "14570000000", "USD", False, "USD 14.57 billion"),
        ("ru", "1", "documents", False, "1 документ"),
        ("ru", "22", "documents", False, "22 документа"),
        ("ru", "11", "companies", False, "11 компаний"),
        ("en", "1", "companies", False, "1 company"),
        ("ru", "250000000", "RUB", False, "250 млн российских рублей"),
        ("ru", "7", "hectares", False, "7 hectares"),  # a unit with no plural forms: as stored
    ],
)
def test_it_writes_figures_as_readers_do(language, value, unit, approximate, expected):
    with translation.override(language):
        assert plain(format_figure(Decimal(value), unit, approximate=approximate)) == expected


def test_it_keeps_a_large_amount_whole_when_compacting_would_round_it():
    with translation.override("ru"):
        assert plain(format_number(Decimal("1234567890"))) == "1 234 567 890"
        assert plain(format_amount(Decimal("1"), "USD")) == "1 доллар США"


def test_it_writes_kazakh_numbers_with_babel_and_falls_back_for_unknown_languages():
    with translation.override("kk"):
        assert plain(format_amount(Decimal("3000000000"), "USD")) == "3 млрд АҚШ доллары"
    with translation.override("xx"):  # Babel does not know it: the site's default language
        assert plain(format_amount(Decimal("3000000000"), "USD")) == "3 млрд долларов США"
        assert plain(format_quantity(Decimal("56"), "documents")) == "56 документов"
