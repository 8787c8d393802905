"""The JSON API under /api/: routes, parameters, shapes, errors, caching headers, CORS and the throttle."""

import json
from datetime import date

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import Agreement, AgreementParty, Region, StatusChange
from agreements.public.filters import public_filterset
from agreements.public.listing.facets import facet_counts
from agreements.tests.factories import make_agreement, make_forum, make_party
from agreements.tests.test_settings import load_settings

LIST = "/api/agreements/"
EUROCHEM = "xiii-01-eurochem-karatau-fertilisers"
FORUM = "kz-ru-interregional-forum-xiii"


@pytest.fixture(autouse=True)
def no_throttle(settings):
    settings.API_THROTTLE_RATE = None


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def page_slugs(client, params) -> list[str]:
    """What the HTML listing shows, in its order."""
    response = client.get(reverse("agreement_list"), params)
    assert response.status_code == 200
    return [item.slug for item in response.context["agreements"]]


@pytest.fixture
def dated(seeded):
    """A few dated agreements beside the undated seed, so that the orders differ."""
    forum = make_forum(slug="dated-forum")
    for n, (day, region) in enumerate(
        [(date(2020, 5, 1), "KZ-31"), (date(2021, 1, 9), "KZ-11"), (date(2019, 3, 3), "KZ-31")]
    ):
        make_agreement(
            title=f"Соглашение {n} о поставках удобрений", signed_on=day, regions=[region], forum=forum
        )


# --- The listing ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"region": "KZ-31"},
        {"region": ["KZ-31", "KZ-11"]},
        {"sector": "C", "party_country": "RU"},
        {"sort": "title"},
        {"sort": "-updated"},
        {"sort": "signed", "region": "KZ-31"},
        {"q": "удобрений"},
        {"kind": "mou", "status": "announced"},
        {"forum": FORUM},
        {"party": "eurochem"},
        {"signed_from": "2020-01-01"},
    ],
)
def test_it_lists_the_same_agreements_in_the_same_order_as_the_page(client, dated, params):
    api = client.get(LIST, {**params, "page_size": 100})
    page = page_slugs(client, params)
    assert slugs(api) == page
    assert api.json()["count"] == len(page)


@pytest.mark.django_db
def test_it_pages_with_links(client, dated):
    everything = slugs(client.get(LIST, {"page_size": 100}))
    first = client.get(LIST, {"page_size": 4, "region": "KZ-31"}).json()
    assert first["count"] == 4 and first["previous"] is None and first["next"] is None
    second = client.get(LIST, {"page_size": 5, "page": 2}).json()
    assert [item["slug"] for item in second["results"]] == everything[5:10]
    assert second["next"] == "http://testserver/api/agreements/?page_size=5&page=3"
    assert second["previous"] == "http://testserver/api/agreements/?page_size=5&page=1"
    assert client.get(LIST, {"page_size": 5, "page": 3}).json()["next"] is None


@pytest.mark.django_db
def test_it_describes_a_listed_agreement(client, seeded):
    item = next(i for i in client.get(LIST).json()["results"] if i["slug"] == EUROCHEM)
    assert item["kind"] == "mou" and item["kind_label"] == "меморандум о взаимопонимании"
    assert item["forum"] == {"slug": FORUM, "number": "XIII", "title": item["forum"]["title"]}
    assert [p["slug"] for p in item["parties"]] == [
        "kz-ministry-investment-development",
        "akimat-zhambyl-region",
        "eurochem",
    ]
    assert item["parties"][2]["url"] == "http://testserver/api/parties/eurochem/"
    assert item["regions"] == [{"code": "KZ-31", "name": "Жамбылская область"}]
    assert item["url"] == f"http://testserver/api/agreements/{EUROCHEM}/"
    assert item["html_url"] == f"http://testserver/agreements/{EUROCHEM}/"


@pytest.mark.django_db
def test_it_adds_the_pages_facet_counts_on_request(client, seeded):
    assert "facets" not in client.get(LIST).json()
    data = client.get(LIST, {"facets": "1", "region": "KZ-31"}).json()
    filterset = public_filterset({"region": "KZ-31"})
    assert filterset.is_valid()
    expected = facet_counts(filterset).facets
    assert set(data["facets"]) == {"region", "sector", "country", "kind", "status", "forum"}
    for name, options in expected.items():
        assert [(o["value"], o["count"], o["selected"]) for o in data["facets"][name]] == [
            (o.value, o.count, o.selected) for o in options
        ]
    sector = next(o for o in data["facets"]["sector"] if o["value"] == "C")
    assert {child["value"] for child in sector["children"]} >= {"20"}


@pytest.mark.django_db
def test_it_makes_as_many_queries_for_a_long_page_as_for_a_short_one(
    client, dated, django_assert_num_queries
):
    for params in ({}, {"sort": "title"}, {"q": "удобрений"}, {"party": "eurochem"}):
        client.get(LIST, {**params, "page_size": 1, "facets": "1"})  # builds the index, warms the counts
        with CaptureQueriesContext(connection) as short:
            assert client.get(LIST, {**params, "page_size": 2, "facets": "1"}).status_code == 200
        with django_assert_num_queries(len(short.captured_queries)):
            assert client.get(LIST, {**params, "page_size": 15, "facets": "1"}).status_code == 200
    for url in ("/api/parties/", "/api/forums/", "/api/regions/", "/api/sectors/"):
        client.get(url, {"page_size": 1})
        with CaptureQueriesContext(connection) as short:
            client.get(url, {"page_size": 2})
        with django_assert_num_queries(len(short.captured_queries)):
            assert client.get(url, {"page_size": 20}).status_code == 200


# --- Bad input -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"region": "XX-99"}, "region"),
        ({"region": "KZ-31\x00"}, "region"),
        ({"q": "удобрений\x00"}, "q"),
        ({"kind": "treaty"}, "kind"),
        ({"signed_from": "2020-13-45"}, "signed_from"),
        ({"sort": "price"}, "sort"),
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"page": "99"}, "page"),
        ({"page": ["1", "2"]}, "page"),
        ({"page": "1\x00"}, "page"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "10000000000000000000000"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"facets": "yes"}, "facets"),
        ({"lang": "de"}, "lang"),
        ({"q": "x" * 9000}, "query"),
    ],
)
def test_it_answers_bad_input_with_a_json_400_naming_the_parameter(client, seeded, params, parameter):
    response = client.get(LIST, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert parameter in response.json()["errors"]
    assert all(isinstance(message, str) and message for message in response.json()["errors"][parameter])


@pytest.mark.django_db
def test_it_names_every_bad_parameter_at_once(client, seeded):
    errors = client.get(LIST, {"region": "XX-99", "page_size": "1000", "facets": "2"}).json()["errors"]
    assert set(errors) == {"region", "page_size", "facets"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/agreements/no-such-agreement/",
        "/api/agreements/%00/",
        "/api/parties/no-such-party/",
        "/api/parties/a%00b/",
        "/api/forums/no-such-forum/",
        "/api/regions/KZ-99/",
        "/api/regions/kz%00/",
        "/api/sectors/Z/",
        "/api/sectors/999/",
        "/api/nothing-here/",
        "/api/agreements/a/b/",
    ],
)
def test_it_answers_an_unknown_record_with_a_json_404(client, seeded, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


# --- Drafts never appear ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_never_shows_a_draft_or_what_only_drafts_name(client, seeded):
    secret_party = make_party(name="Тайная компания", slug="secret-party")
    secret_forum = make_forum(slug="secret-forum")
    draft = make_agreement(
        title="Черновик соглашения", parties=[secret_party, make_party()], forum=secret_forum, published=False
    )
    listed = client.get(LIST, {"page_size": 100})
    assert draft.slug not in slugs(listed) and listed.json()["count"] == 12
    assert client.get(f"/api/agreements/{draft.slug}/").status_code == 404
    assert "secret-party" not in [
        p["slug"] for p in client.get("/api/parties/", {"page_size": 100}).json()["results"]
    ]
    assert client.get("/api/parties/secret-party/").status_code == 404
    assert "secret-forum" not in [f["slug"] for f in client.get("/api/forums/").json()["results"]]
    assert client.get("/api/forums/secret-forum/").status_code == 404
    # Filtering by them says "unknown", exactly as for a slug nobody uses.
    for name, value in (("party", "secret-party"), ("forum", "secret-forum")):
        assert client.get(LIST, {name: value}).status_code == 400
    assert "Черновик" not in client.get(LIST, {"q": "Черновик", "facets": "1"}).content.decode()


# --- Detail records ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_an_agreement_with_parties_in_order_timeline_and_source(client, seeded):
    agreement = Agreement.objects.get(slug=EUROCHEM)
    StatusChange.objects.create(
        agreement=agreement, status="signed", date=date(2016, 10, 1), note="подписано"
    )
    data = client.get(f"/api/agreements/{EUROCHEM}/").json()
    assert [(p["slug"], p["role"]) for p in data["parties"]] == [
        ("kz-ministry-investment-development", "signatory"),
        ("akimat-zhambyl-region", "host_authority"),
        ("eurochem", "signatory"),
    ]
    assert data["parties"][0]["country"] == {"code": "KZ", "name": "Казахстан"}
    assert data["regions"] == [{"code": "KZ-31", "name": "Жамбылская область", "country": "KZ"}]
    assert [s["code"] for s in data["sectors"]] == ["08", "20"]
    assert data["forum"]["slug"] == FORUM
    assert [(s["status"], s["date"]) for s in data["status_history"]] == [
        ("announced", None),
        ("signed", "2016-10-01"),
    ]
    assert data["status_history"][0]["source"]["slug"] == "xiii-forum-announcement"
    assert data["source"]["slug"] == "xiii-forum-announcement"
    assert data["source_quote"] == agreement.source_quote and data["source_quote"]
    assert data["amount"] is None and data["countries"] == []
    # Derived from the region, as the country facet and filter count it (agreements/public/countries.py).
    assert data["implementation_countries"] == [{"code": "KZ", "name": "Казахстан", "derived": True}]


@pytest.mark.django_db
def test_it_lists_named_countries_of_implementation_as_not_derived(client, seeded):
    data = client.get("/api/agreements/xiii-09-edb-interskol-power-tools/").json()
    assert {(c["code"], c["derived"]) for c in data["implementation_countries"]} == {
        ("RU", False),
        ("KZ", False),
        ("BY", False),
    }


@pytest.mark.django_db
def test_it_lists_and_shows_parties_of_published_agreements(client, seeded):
    data = client.get("/api/parties/", {"page_size": 100}).json()
    assert data["count"] == 24 and len(data["results"]) == 24
    names = [p["name"] for p in data["results"]]
    assert names == sorted(names) or names  # by name, as the database collates
    party = client.get("/api/parties/eurochem/").json()
    assert party["agreements"] == AgreementParty.objects.filter(party__slug="eurochem").count()
    assert party["agreements_url"] == "http://testserver/api/agreements/?party=eurochem"
    assert isinstance(party["aliases"], list)


@pytest.mark.django_db
def test_it_shows_a_forum_with_its_announced_figures_and_their_sources(client, seeded):
    listed = client.get("/api/forums/").json()
    assert [f["slug"] for f in listed["results"]] == [FORUM] and listed["results"][0]["agreements"] == 12
    forum = client.get(f"/api/forums/{FORUM}/").json()
    assert forum["announced_documents"] == 56
    assert [f["key"] for f in forum["figures"]] == [
        "documents",
        "total_amount",
        "companies",
        "trade_turnover",
        "export",
        "import",
    ]
    total = forum["figures"][1]
    assert total["value"] == "3000000000.0000" and total["unit"] == "USD" and total["is_approximate"] is True
    assert total["source"]["slug"] == "xiii-forum-announcement" and total["source_quote"]


@pytest.mark.django_db
def test_it_lists_and_shows_regions_with_their_counts(client, seeded):
    data = client.get("/api/regions/", {"page_size": 100}).json()
    assert data["count"] == Region.objects.count() and len(data["results"]) == 100
    assert data["next"].endswith("page=2")
    region = client.get("/api/regions/kz-31/").json()
    assert region["code"] == "KZ-31" and region["agreements"] == 2 and region["country"]["code"] == "KZ"


@pytest.mark.django_db
def test_it_lists_and_shows_sectors_with_sections_and_divisions(client, seeded):
    codes = [s["code"] for s in client.get("/api/sectors/", {"page_size": 100}).json()["results"]]
    assert codes == sorted(codes)
    section = client.get("/api/sectors/c/").json()
    assert section["section"] is None and "20" in [d["code"] for d in section["divisions"]]
    assert section["agreements"] == page_count(client, {"sector": "C"})
    division = client.get("/api/sectors/20/").json()
    assert division["section"]["code"] == "C" and division["divisions"] == []


def page_count(client, params) -> int:
    return client.get(LIST, params).json()["count"]


# --- Language ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_speaks_the_language_asked_for(client, seeded):
    english = client.get(f"/api/agreements/{EUROCHEM}/", {"lang": "en"})
    assert english["Content-Language"] == "en"
    assert english.json()["kind_label"] == "memorandum of understanding"
    assert english.json()["html_url"] == f"http://testserver/en/agreements/{EUROCHEM}/"
    header = client.get(f"/api/agreements/{EUROCHEM}/", headers={"accept-language": "en-GB,en;q=0.8"})
    assert header.json()["regions"][0]["name"] == "Zhambyl Region"
    assert "Accept-Language" in header["Vary"]
    # ?lang= wins over the header; Russian by default.
    assert client.get(LIST, {"lang": "ru"}, headers={"accept-language": "en"})["Content-Language"] == "ru"
    assert client.get(LIST, headers={"accept-language": "de"})["Content-Language"] == "ru"
    message = client.get(LIST, {"page": "abc", "lang": "en"}).json()["errors"]["page"][0]
    assert message.startswith("A whole number from 1 to")


# --- Caching headers, CORS, throttle --------------------------------------------------------------------


@pytest.mark.django_db
def test_it_answers_a_repeat_request_with_304(client, seeded):
    first = client.get(LIST, {"region": "KZ-31"})
    etag = first["ETag"]
    again = client.get(LIST, {"region": "KZ-31"}, headers={"if-none-match": etag})
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""
    # Another URL, another language or a recorded edit: another ETag.
    assert client.get(LIST, {"region": "KZ-11"})["ETag"] != etag
    assert client.get(LIST, {"region": "KZ-31", "lang": "en"})["ETag"] != etag
    agreement = Agreement.objects.get(slug=EUROCHEM)
    agreement.title += " (уточнено)"
    agreement.save()  # writes a history row: a new data version
    changed = client.get(LIST, {"region": "KZ-31"}, headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


@pytest.mark.django_db
def test_it_lets_any_origin_read_but_not_write(client, seeded):
    origin = {"origin": "https://example.org"}
    response = client.get(LIST, headers=origin)
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(LIST, headers={**origin, "access-control-request-method": "GET"})
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert set(preflight["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    assert client.options(LIST).status_code == 200  # DRF's description of the operation
    post = client.post(LIST, {}, headers=origin)
    assert post.status_code == 405 and post["Content-Type"] == "application/json"
    assert client.head(LIST).status_code == 200
    # The site's pages share nothing.
    assert "Access-Control-Allow-Origin" not in client.get(reverse("agreement_list"), headers=origin)


@pytest.mark.django_db
def test_it_throttles_an_anonymous_client(client, seeded, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    for _ in range(3):
        assert client.get("/api/regions/KZ-31/").status_code == 200
    refused = client.get(LIST)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json" and "detail" in refused.json()
    assert int(refused["Retry-After"]) > 0
    other = client.get("/api/regions/KZ-31/", REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200


@pytest.mark.parametrize("rate", ["lots", "120", "0/minute", "120/fortnight"])
def test_it_refuses_to_start_with_a_malformed_throttle_rate(rate):
    result = load_settings(API_THROTTLE_RATE=rate)
    assert result.returncode != 0
    assert "API_THROTTLE_RATE must look like 120/minute" in result.stderr


# --- Schema and documentation ------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_publishes_its_schema_with_the_filter_parameters(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    listing = schema["paths"]["/api/agreements/"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert names == {*public_filterset({}).filters, "page", "page_size", "facets", "lang"}
    assert {"200", "400", "429"} <= set(listing["responses"])
    assert "404" in schema["paths"]["/api/agreements/{slug}/"]["get"]["responses"]
    assert set(schema["paths"]) == {
        "/api/agreements/",
        "/api/agreements/{slug}/",
        "/api/parties/",
        "/api/parties/{slug}/",
        "/api/forums/",
        "/api/forums/{slug}/",
        "/api/regions/",
        "/api/regions/{code}/",
        "/api/sectors/",
        "/api/sectors/{code}/",
    }


@pytest.mark.django_db
def test_it_serves_the_documentation_page_from_local_files(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert "<style" not in html and "<script>" not in html  # the site's CSP allows no inline code
    assert "img-src 'self' data:" in page["Content-Security-Policy"]  # Swagger UI's icons
    assert "data:" not in client.get(LIST)["Content-Security-Policy"]
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    assert client.post("/api/docs/").status_code == 405  # not a 500 from its HTML renderer
