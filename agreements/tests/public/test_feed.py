"""The Atom feed of newly published agreements: /agreements/feed.atom with the listing's filters."""

from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement, Region
from agreements.tests.factories import make_agreement
from agreements.tests.opendata_fixtures import DRAFT_TITLE, drafts  # noqa: F401 - a fixture

ATOM = "{http://www.w3.org/2005/Atom}"
pytestmark = pytest.mark.django_db


def feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ElementTree.fromstring(response.content)  # noqa: S314 - the site's own answer


def entries(root):
    return root.findall(f"{ATOM}entry")


def test_it_lists_published_agreements_newest_first(client, seeded):
    root = feed(client, "/agreements/feed.atom")
    published = list(Agreement.objects.public().order_by("-created", "-pk"))
    found = entries(root)
    assert len(found) == len(published) == 12
    first, newest = found[0], published[0]
    assert first.find(f"{ATOM}title").text == newest.title
    assert first.find(f"{ATOM}link").get("href") == f"http://testserver/agreements/{newest.slug}/"
    assert first.find(f"{ATOM}summary").text == newest.subject
    assert first.find(f"{ATOM}updated").text == newest.updated.isoformat()
    assert first.find(f"{ATOM}published").text == newest.created.isoformat()
    terms = [category.get("term") for category in first.findall(f"{ATOM}category")]
    assert terms[0] == newest.get_kind_display()
    assert terms[1:] == [region.name_ru for region in newest.regions.all()]
    assert root.find(f"{ATOM}title").text == "Новые соглашения — Реестр соглашений Казахстан–Россия"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/agreements/feed.atom"


def test_it_follows_a_region(client, seeded):
    root = feed(client, "/agreements/feed.atom?region=KZ-31")
    expected = set(Agreement.objects.public().filter(regions__code="KZ-31").values_list("title", flat=True))
    assert expected
    assert {entry.find(f"{ATOM}title").text for entry in entries(root)} == expected
    assert root.find(f"{ATOM}title").text == "Новые соглашения — регион: Жамбылская область"
    assert (
        root.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://testserver/agreements/?region=KZ-31"
    )
    assert root.find(f"{ATOM}link[@rel='self']").get("href").endswith("/agreements/feed.atom?region=KZ-31")


def test_it_follows_a_sector_and_combines_filters(client, seeded):
    root = feed(client, "/agreements/feed.atom?sector=20&kind=mou&sort=title")
    expected = set(
        Agreement.objects.public().filter(sectors__code="20", kind="mou").values_list("title", flat=True)
    )
    assert expected
    assert {entry.find(f"{ATOM}title").text for entry in entries(root)} == expected
    title = root.find(f"{ATOM}title").text
    assert "отрасль: 20 " in title
    assert "вид документа: меморандум о взаимопонимании" in title
    assert "sort" not in root.find(f"{ATOM}link[@rel='self']").get("href")


@pytest.mark.parametrize(
    "query",
    ["region=XX-99", "sector=ZZ", "kind=treaty", "signed_from=yesterday", "party=nobody", "region=KZ-31%00"],
)
def test_it_refuses_bad_parameters_in_plain_text(client, seeded, query):
    response = client.get(f"/agreements/feed.atom?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith("Запрос не понят:")


def test_it_speaks_english_under_en(client, seeded):
    root = feed(client, "/en/agreements/feed.atom?region=KZ-31")
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert root.find(f"{ATOM}title").text == "New agreements — region: Zhambyl Region"
    link = entries(root)[0].find(f"{ATOM}link").get("href")
    assert link.startswith("http://testserver/en/agreements/")
    refused = client.get("/en/agreements/feed.atom?region=XX-99")
    assert refused.status_code == 400
    assert refused.content.decode().startswith("Request not understood:")


@pytest.mark.usefixtures("drafts")
def test_it_never_shows_a_draft(client):
    body = client.get("/agreements/feed.atom?region=KZ-31").content.decode()
    assert DRAFT_TITLE not in body
    assert "Секретнейшая" not in body
    # A party or forum known only from drafts is unknown, as on the listing.
    assert client.get("/agreements/feed.atom?party=sekretneyshaya").status_code == 400
    assert client.get("/agreements/feed.atom?forum=forum-nevidimok").status_code == 400


def test_it_keeps_the_newest_fifty_in_constant_queries(client, seeded):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            feed(client, "/agreements/feed.atom?region=KZ-31")
        return len(captured)

    queries()  # fills the cache of reference codes
    few = queries()
    for _ in range(55):
        make_agreement(regions=["KZ-31", "KZ-55"])
    queries()  # the writes changed the data version, under which reference codes are cached
    many = queries()
    assert many == few
    root = feed(client, "/agreements/feed.atom?region=KZ-31")
    assert len(entries(root)) == 50


def test_it_escapes_markup_in_a_summary(client, seeded):
    make_agreement(title="Соглашение <b>жирное</b>", subject="Предмет <script>alert(1)</script>")
    body = client.get("/agreements/feed.atom").content.decode()
    assert "<script>" not in body
    root = ElementTree.fromstring(body)  # noqa: S314 - the site's own answer
    entry = entries(root)[0]
    assert entry.find(f"{ATOM}title").text == "Соглашение <b>жирное</b>"
    # type="html": the text escaped once more, so a reader shows the characters, not markup.
    assert entry.find(f"{ATOM}summary").text == "Предмет &lt;script&gt;alert(1)&lt;/script&gt;"


def test_it_is_linked_from_the_listing_with_the_same_filter(client, seeded):
    body = client.get("/agreements/?region=KZ-31").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in body
    assert 'href="/agreements/feed.atom?region=KZ-31"' in body
    assert "Лента Atom" in body
    english = client.get("/en/agreements/?sector=20").content.decode()
    assert 'href="/en/agreements/feed.atom?sector=20"' in english
    assert "Atom feed" in english
    assert Region.objects.filter(code="KZ-31").exists()


def test_a_search_with_control_characters_still_makes_valid_xml(client, seeded):
    root = feed(client, "/agreements/feed.atom?q=%01удобрения%0b")
    assert root.find(f"{ATOM}title").text == "Новые соглашения — поиск: «удобрения»"
