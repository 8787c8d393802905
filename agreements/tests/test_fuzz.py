"""Hostile requests to every public URL: no input may get a 5xx or come back unescaped in a page.

Hypothesis draws the path segments, the query string (known and unknown keys, repeated keys, NUL
bytes, broken percent-escapes, very long values, huge numbers, markup) and the method; each drawn
request is sent in Russian and under /en/, in-process through Django's test client. The examples are
split across the URL patterns so that every one is hit, about 10,000 requests in all.
"""

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MARKUP = ["<script>x</script>", '"><svg onload=alert(1)>', "'><img src=x onerror=alert(1)>"]
PARAMS = [
    "q",
    "region",
    "sector",
    "country",
    "party_country",
    "party",
    "forum",
    "kind",
    "status",
    "signed_from",
    "signed_to",
    "sort",
    "page",
    "p",  # a sitemap's page
]
VALID = [
    "KZ-31",
    "kz-31",
    "RU-SVE",
    "C",
    "20",
    "C21",
    "KZ",
    "RU",
    "eurochem",
    "eurasian-development-bank",
    "kz-ru-interregional-forum-xiii",
    "xiii-01-eurochem-karatau-fertilisers",
    "xiii-forum-announcement",
    "agreement",
    "mou",
    "announced",
    "signed",
    "2015-10-08",
    "2016-01-01",
    "relevance",
    "-signed",
    "title",
    "удобрения",
    "завод",
    "1",
    "2",
]
HOSTILE = [
    "",
    "\x00",
    "%00",
    "a%00b",
    "%",
    "%zz",
    "%C3%28",
    "%FF%FE",
    "%E2%82",
    "' OR 1=1 --",
    '"; DROP TABLE agreements_agreement; --',
    "9" * 400,
    "-" + "9" * 30,
    "1e309",
    "NaN",
    "0x10",
    "-1",
    "0",
    "9999-12-31",
    "0000-00-00",
    "2015-02-30",
    "..",
    "../../etc/passwd",
    "\\",
    "\u202e",
    "\ufeff",
    "𝕏",
    "я" * 300,
    "x" * 5000,
    "&&==&",
    "a b+c",
    *MARKUP,
]
METHODS = ["get"] * 6 + ["head", "options", "post"]
LANGUAGE_PREFIXES = ["", "/en", "/kk"]  # each drawn request is sent in every language
TOTAL_REQUESTS = 10_200  # about 60 s per database on a 2-core machine
# Each pattern's share of the examples: the listing parses every parameter, the exports stream
# whole files (small ones on the seed), set_language and healthz take almost nothing from the query.
WEIGHTS = {
    "agreement_list": 14,
    "agreement_export": 4,
    "home": 4,
    "agreement_detail": 3.5,
    "party_detail": 3.5,
    "region_detail": 3.5,
    "sector_detail": 3.5,
    "forum_detail": 3.5,
    "source_detail": 3.5,
    "set_language": 1,
    "healthz": 1,
    # The JSON API (Schemathesis checks it against its schema too, test_api_schema.py).
    "api_agreement_list": 2,
    "api_agreement_detail": 1,
    "api_party_list": 1,
    "api_party_detail": 1,
    "api_region_list": 1,
    "api_region_detail": 1,
    "api_sector_list": 1,
    "api_sector_detail": 1,
    "api_forum_list": 1,
    "api_forum_detail": 1,
    "api_schema": 1,
    "api_docs": 1,
    # Open data: the feed parses the listing's parameters; the CSVs stream whole files.
    "agreement_feed": 4,
    "sitemap_index": 1,
    "sitemap": 2,
    "robots_txt": 0.5,
    "datapackage": 0.5,
    "datapackage_csv": 2,
}


def route_template(route) -> str:
    """A route with each parameter replaced by SEGMENT: ``parties/\x01/``."""
    route = str(route)
    if route.startswith("^"):  # a regex route
        route = re.sub(r"\(\?P<\w+>[^)]*\)", SEGMENT, route)
        return route.lstrip("^").removesuffix("$").removesuffix(r"\Z").replace("\\", "")
    return re.sub(r"<[^>]+>", SEGMENT, route)


def public_patterns(patterns=None, prefix="", localized=False):
    """(name, route template, whether it lives under the language prefix) for every URL outside the admin."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            if isinstance(entry.pattern, LocalePrefixPattern):  # the prefix is added per language
                yield from public_patterns(entry.url_patterns, prefix, True)
            else:
                yield from public_patterns(
                    entry.url_patterns, prefix + route_template(entry.pattern), localized
                )
        elif isinstance(entry, URLPattern):
            yield entry.name, prefix + route_template(entry.pattern), localized


SEGMENT = "\x01"  # stands for a path parameter in a route template
PATTERNS = {name: (template, localized) for name, template, localized in public_patterns()}


def encoded(text: str, raw: bool) -> str:
    """Percent-encoded, or as typed (so broken escapes and raw Unicode reach the server too)."""
    return text if raw else quote(text, safe="")


values = st.one_of(
    st.sampled_from(VALID),
    st.sampled_from(HOSTILE),
    st.text(max_size=30),
    st.builds(lambda a, m, b: a + m + b, st.text(max_size=5), st.sampled_from(MARKUP), st.text(max_size=5)),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
keys = st.one_of(
    st.sampled_from(PARAMS),
    st.sampled_from(["utm_source", "", "q[]", "region\x00", "%00", "__proto__", "PAGE", "Region"]),
    st.text(max_size=10),
)
pairs = st.lists(st.tuples(keys, values, st.booleans()), max_size=8)


# The export's extension is mostly a real one, so the exports themselves are fuzzed, not just their 404.
extensions = st.one_of(
    st.sampled_from(["csv", "json", "xlsx"]), st.sampled_from(["csv", "json", "xlsx"]), values
)


# The same for the sitemap's sections and the open-data files.
SEGMENTS = {
    "agreement_export": extensions,
    "sitemap": st.one_of(st.sampled_from(["pages", "agreements", "parties", "regions", "sectors"]), values),
    "datapackage_csv": st.one_of(
        st.sampled_from(["agreements", "parties", "forum_figures", "regions"]), values
    ),
}


@st.composite
def requests(draw, template: str, segment=values):
    segments = [draw(segment) for _ in range(template.count(SEGMENT))]
    raw_segments = draw(st.booleans())
    path = template
    for segment in segments:
        path = path.replace(SEGMENT, encoded(segment, raw_segments), 1)
    chosen = draw(pairs)
    if draw(st.integers(0, 19)) == 0:  # now and then, one parameter many times over
        chosen = chosen + [(draw(st.sampled_from(PARAMS)), draw(values), False)] * draw(st.integers(40, 120))
    query = "&".join(f"{encoded(k, raw)}={encoded(v, raw)}" for k, v, raw in chosen)
    texts = segments + [text for key, value, _ in chosen for text in (key, value)]
    return draw(st.sampled_from(METHODS)), path, query, texts


def body_of(response) -> bytes:
    if not response.streaming:
        return response.content
    # An export streams a whole file: a failure midway raises here, so every chunk is read.
    return b"".join(response.streaming_content)


def check(client: Client, method: str, url: str, query: str, texts: list[str]) -> None:
    full = f"{url}?{query}" if query else url
    response = getattr(client, method)(full)
    assert response.status_code < 500, (method, full, response.status_code)
    body = body_of(response)
    if response.get("Content-Type", "").startswith("text/html"):
        page = body.decode("utf-8", "replace")
        for marker in MARKUP:
            if any(marker in text for text in texts):
                assert marker not in page, (method, full, marker)


def planned(name: str) -> tuple[int, list[str]]:
    """How many examples a pattern gets, and the language prefixes each is sent under."""
    localized = PATTERNS[name][1]
    prefixes = LANGUAGE_PREFIXES if localized else [""]
    return round(TOTAL_REQUESTS * WEIGHTS[name] / sum(WEIGHTS.values()) / len(prefixes)), prefixes


def test_it_plans_ten_thousand_requests_over_every_public_url():
    assert set(PATTERNS) == set(WEIGHTS), "a new public URL needs a share of the fuzzing"
    assert sum(examples * len(prefixes) for examples, prefixes in map(planned, WEIGHTS)) >= 10_000


@pytest.mark.parametrize("name", sorted(WEIGHTS))
@pytest.mark.django_db
def test_it_never_answers_a_hostile_request_with_a_5xx_or_raw_markup(seeded, name):
    template = PATTERNS[name][0]
    examples, prefixes = planned(name)
    client = Client()  # an exception behind a 500 is raised, so Hypothesis shows its traceback
    sent = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,  # no example files in the work tree
        # Hostile data is large and slow on purpose (5,000-character values repeated 100 times).
        suppress_health_check=list(HealthCheck),
    )
    @given(requests(template, SEGMENTS.get(name, values)))
    def send(request):
        method, path, query, texts = request
        for prefix in prefixes:
            check(client, method, f"{prefix}/{path}", query, texts)
            sent.append(1)

    send()
    assert len(sent) >= examples * len(prefixes)
