"""Listing URLs from the active filters: facet toggles and removable chips here; the page, sort and
download links in the template, by Django's {% querystring %} tag from ``query_dict()``."""

from urllib.parse import urlencode

from django.http import QueryDict

from agreements.public.filters import AgreementFilter

# Every parameter the listing takes, in the FilterSet's order: a filter added there is carried by
# every link without being listed again here.
PARAM_ORDER = tuple(AgreementFilter.base_filters)


def encode(params: dict) -> str:
    pairs = []
    for name in PARAM_ORDER:
        value = params.get(name)
        if isinstance(value, list | tuple):
            pairs += [(name, item) for item in value]
        elif value not in (None, ""):
            pairs.append((name, value))
    return f"?{urlencode(pairs)}" if pairs else "?"


def toggled(params: dict, name: str, value: str) -> str:
    """The query with ``value`` added to ``name`` if absent, removed if present (page reset)."""
    current = list(params.get(name, []))
    current = [v for v in current if v != value] if value in current else [*current, value]
    return encode({**params, name: current})


def without(params: dict, name: str, value=None) -> str:
    if value is None or not isinstance(params.get(name), list | tuple):
        return encode({k: v for k, v in params.items() if k != name})
    return toggled(params, name, value)


def query_dict(params: dict) -> QueryDict:
    """The active filters as a QueryDict in PARAM_ORDER: what the listing's links start from
    (Django's {% querystring %} tag adds a page, a sort or a separator to it)."""
    return QueryDict(encode(params)[1:])


def page_numbers(page) -> list[dict | None]:
    """The first and last pages, the current one and two on each side; None stands for a gap."""
    paginator = page.paginator
    return [
        None if number == paginator.ELLIPSIS else {"number": number, "current": number == page.number}
        for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
