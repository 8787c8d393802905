"""The Jinja2 environment for the listing's hot fragments (templates/jinja2/).

The public listing renders about 300 facet links and 50 result items per page; Django's template
language took 30 and 20–35 ms for them at 100,000 agreements, Jinja2 (compiled to Python) about a
tenth of that (bench/RESULTS.md, issue #17). Everything else stays in Django templates. The
fragments translate through Django's own catalogue (``gettext``/``ngettext``) and use the same
filters as the Django templates they replaced, so their markup and strings are unchanged.
"""

import functools
import unicodedata

from django.template import defaultfilters
from django.utils import translation
from jinja2 import Environment, StrictUndefined

from agreements.templatetags.names import marked


@functools.lru_cache(maxsize=4096)
def _date(value, format_string: str, language: str) -> str:
    return defaultfilters.date(value, format_string)


def date(value, format_string: str) -> str:
    """Django's ``date`` filter, remembered per date and language: it took 40–60 µs a call, and a
    page of agreements repeats few dates (a forum's)."""
    return _date(value, format_string, translation.get_language())


def truncatechars(value: str, length: int) -> str:
    """Django's ``truncatechars``; a text already short enough (most subjects) skips its Truncator."""
    text = unicodedata.normalize("NFC", value)
    return text if len(text) <= length else defaultfilters.truncatechars(value, length)


def environment(**options) -> Environment:
    options["undefined"] = StrictUndefined  # a misspelt variable is an error, not an empty string
    options.pop("autoescape", None)  # Django's backend passes True; never anything else here
    env = Environment(autoescape=True, **options)
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=True)
    env.filters.update({"date": date, "truncatechars": truncatechars, "marked": marked})
    return env
