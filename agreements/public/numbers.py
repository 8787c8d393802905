"""Numbers as a reader writes them, in the active language: «≈ 3 млрд долларов США», «56 документов»,
«6 453 компании»; in English «≈ USD 3 billion», «56 documents», «6,453 companies».

Babel (CLDR) knows each language's digit grouping, its compact forms («млрд», «billion», Kazakh
«млрд») and currency names with their plural forms; counted units (documents, companies) take
their plural forms from the translation catalogues (ngettext). A language Babel does not know falls
back to the site's default language, so any active language gets a readable number.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_compact_decimal, format_decimal, get_currency_name
from django.conf import settings
from django.utils.translation import get_language, ngettext

APPROXIMATELY = "≈\u00a0"
CURRENCY_CODE = re.compile(r"[A-Z]{3}")
# Millions and more are written compactly, when that loses nothing: 14 570 000 000 is «14,57 млрд»,
# but 1 234 567 890 stays whole rather than becoming «1,23 млрд».
COMPACT_FROM = 10**6
COMPACT_DIGITS = 2


@dataclass(frozen=True)
class Style:
    """How a language writes a large amount of money."""

    compact: str = "short"  # CLDR's compact form: «3 млрд» (a word) in Russian and Kazakh
    code_first: bool = False  # «3 млрд долларов США»: the number, then the currency's name


# English's short form is a symbol («3B»), and its financial style puts the ISO code first.
STYLES = {"en": Style(compact="long", code_first=True)}


def babel_locale(language: str | None = None) -> str:
    """The active language as a Babel locale; the site's default when Babel does not know it."""
    language = language or get_language() or settings.LANGUAGE_CODE
    try:
        return str(Locale.parse(language, sep="-"))
    except (UnknownLocaleError, ValueError):
        return settings.LANGUAGE_CODE


def style(locale: str) -> Style:
    return STYLES.get(locale.split("_")[0], Style())


def compactable(value: Decimal) -> bool:
    """A million or more, and exact at two decimals of its thousands-power («14,57 млрд»)."""
    if value < COMPACT_FROM:
        return False
    power = 10 ** (3 * ((len(str(int(value))) - 1) // 3))
    return (value * 10**COMPACT_DIGITS) % power == 0


def format_number(value, language: str | None = None) -> str:
    """«6 453», «6,453»; «14,57 млрд», «14.57 billion» from a million up, when exact."""
    value = Decimal(value)
    locale = babel_locale(language)
    if compactable(value):
        return format_compact_decimal(
            value, format_type=style(locale).compact, locale=locale, fraction_digits=COMPACT_DIGITS
        )
    return format_decimal(value.normalize(), locale=locale)


def format_amount(value, currency: str, *, approximate: bool = False, language: str | None = None) -> str:
    """«≈ 3 млрд долларов США», «≈ USD 3 billion», «1 750 000 тенге»."""
    value = Decimal(value)
    locale = babel_locale(language)
    number = format_number(value, locale)
    if style(locale).code_first:
        text = f"{currency}\u00a0{number}"
    else:
        # After «млрд» or «млн» the currency is in the plural's «many» form («долларов»), as after 5.
        count = 5 if compactable(value) else value
        text = f"{number}\u00a0{get_currency_name(currency, count=count, locale=locale)}"
    return APPROXIMATELY + text if approximate else text


def counted(count: int, unit: str) -> str | None:
    """The unit's plural form for ``count``, with ``%(count)s`` where the number goes."""
    if unit == "documents":
        return ngettext("%(count)s документ", "%(count)s документов", count)
    if unit == "companies":
        return ngettext("%(count)s компания", "%(count)s компаний", count)
    return None


def format_quantity(value, unit: str, *, approximate: bool = False, language: str | None = None) -> str:
    """«56 документов», «6 453 компании», «56 documents»; an unknown unit is written as stored."""
    value = Decimal(value)
    number = format_number(value, language)
    pattern = counted(int(value), unit)
    text = pattern % {"count": number} if pattern else f"{number}\u00a0{unit}"
    return APPROXIMATELY + text if approximate else text


def format_figure(value, unit: str, *, approximate: bool = False, language: str | None = None) -> str:
    """A forum figure: money when its unit is an ISO 4217 code, else a count of its unit."""
    if CURRENCY_CODE.fullmatch(unit):
        return format_amount(value, unit, approximate=approximate, language=language)
    return format_quantity(value, unit, approximate=approximate, language=language)
