"""Building listing URLs from the active filters: facet toggles, removable chips, pages, exports."""

from urllib.parse import urlencode

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


def with_page(params: dict, page: int) -> str:
    query = encode(params)
    return f"{query}&page={page}" if query != "?" else f"?page={page}"


def page_links(params: dict, page) -> list[dict | None]:
    """The first and last pages, the current one and two on each side; None stands for a gap."""
    links = []
    paginator = page.paginator
    for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == paginator.ELLIPSIS:
            links.append(None)
        else:
            url = with_page(params, number) if number > 1 else encode(params)
            links.append({"number": number, "url": url, "current": number == page.number})
    return links
