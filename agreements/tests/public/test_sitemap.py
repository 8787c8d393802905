"""/sitemap.xml (an index), its sections in every language, and /robots.txt."""

from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements.models import Agreement, Forum, Party, Region, Sector, Source
from agreements.public import sitemaps
from agreements.tests.factories import make_agreement
from agreements.tests.opendata_fixtures import DRAFT_TITLE, drafts  # noqa: F401 - a fixture

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
BASE = "http://testserver"
pytestmark = pytest.mark.django_db


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/xml"
    return ElementTree.fromstring(response.content)  # noqa: S314 - the site's own answer


def locations(client, section, page=None):
    root = xml(client, f"/sitemap-{section}.xml" + (f"?p={page}" if page else ""))
    return {url.find(f"{SM}loc").text: url for url in root.findall(f"{SM}url")}


def test_it_indexes_every_section(client, seeded):
    root = xml(client, "/sitemap.xml")
    listed = [entry.find(f"{SM}loc").text for entry in root.findall(f"{SM}sitemap")]
    assert listed == [f"{BASE}/sitemap-{section}.xml" for section in sitemaps.SITEMAPS]
    newest = Agreement.objects.public().order_by("-updated").first().updated
    agreements = root.findall(f"{SM}sitemap")[1]
    assert agreements.find(f"{SM}lastmod").text.startswith(newest.astimezone().strftime("%Y-%m-%dT%H:%M"))


def test_it_lists_every_published_agreement_in_every_language(client, seeded):
    urls = locations(client, "agreements")
    published = list(Agreement.objects.public())
    assert len(urls) == 3 * len(published) == 36
    for agreement in published:
        russian = urls[f"{BASE}/agreements/{agreement.slug}/"]
        assert f"{BASE}/en/agreements/{agreement.slug}/" in urls
        assert f"{BASE}/kk/agreements/{agreement.slug}/" in urls
        assert russian.find(f"{SM}lastmod").text == timezone.localdate(agreement.updated).isoformat()
        alternates = {link.get("hreflang"): link.get("href") for link in russian.findall(f"{XHTML}link")}
        assert alternates == {
            "ru": f"{BASE}/agreements/{agreement.slug}/",
            "en": f"{BASE}/en/agreements/{agreement.slug}/",
            "kk": f"{BASE}/kk/agreements/{agreement.slug}/",
            "x-default": f"{BASE}/agreements/{agreement.slug}/",
        }


def test_it_lists_public_parties_forums_and_sources(client, seeded):
    parties = locations(client, "parties")
    assert set(parties) == {
        f"{BASE}{prefix}/parties/{slug}/"
        for slug in Party.objects.public().values_list("slug", flat=True)
        for prefix in ("", "/en", "/kk")
    }
    forums = locations(client, "forums")
    assert len(forums) == 3 * Forum.objects.public().count() > 0
    sources = locations(client, "sources")
    assert len(sources) == 3 * Source.objects.public().count() > 0


def test_it_lists_regions_and_sectors_with_published_agreements(client, seeded):
    regions = locations(client, "regions")
    with_agreements = set(
        Region.objects.filter(agreements__is_published=True).values_list("code", flat=True).distinct()
    )
    assert f"{BASE}/regions/KZ-31/" in regions
    prefixes = ("", "/en", "/kk")
    assert set(regions) == {f"{BASE}{p}/regions/{code}/" for code in with_agreements for p in prefixes}
    empty = Region.objects.filter(agreements=None).first()
    assert f"{BASE}/regions/{empty.code}/" not in regions  # a page with an empty listing
    sectors = locations(client, "sectors")
    assert f"{BASE}/sectors/20/" in sectors
    assert f"{BASE}/sectors/C/" in sectors  # the section of division 20 lists it too
    assert f"{BASE}/sectors/A/" not in sectors or Sector.objects.get(code="A").agreements.exists()


def test_it_lists_the_home_page_and_the_listing(client, seeded):
    pages = locations(client, "pages")
    assert set(pages) == {f"{BASE}{p}/{path}" for p in ("", "/en", "/kk") for path in ("", "agreements/")}


@pytest.mark.usefixtures("drafts")
def test_it_never_lists_a_draft(client):
    everything = "".join(
        client.get(f"/sitemap-{section}.xml").content.decode() for section in sitemaps.SITEMAPS
    )
    assert "chernovik-tainoborsk" not in everything
    assert "sekretneyshaya" not in everything
    assert "forum-nevidimok" not in everything
    assert DRAFT_TITLE not in everything


def test_a_region_only_drafts_mention_is_not_listed(client, seeded):
    code = Region.objects.filter(agreements=None).first().code
    make_agreement(regions=[code], published=False)
    assert f"{BASE}/regions/{code}/" not in locations(client, "regions")
    make_agreement(regions=[code])
    assert f"{BASE}/regions/{code}/" in locations(client, "regions")


def test_it_pages_a_long_section_and_the_index_links_every_page(client, seeded, monkeypatch):
    monkeypatch.setattr(sitemaps.AgreementSitemap, "limit", 10)
    index = [entry.find(f"{SM}loc").text for entry in xml(client, "/sitemap.xml").findall(f"{SM}sitemap")]
    assert f"{BASE}/sitemap-agreements.xml?p=4" in index
    assert f"{BASE}/sitemap-agreements.xml?p=5" not in index
    pages = [locations(client, "agreements", page) for page in (1, 2, 3, 4)]
    assert [len(page) for page in pages] == [10, 10, 10, 6]
    assert len(set().union(*pages)) == 36
    assert client.get("/sitemap-agreements.xml?p=5").status_code == 404
    assert client.get("/sitemap-agreements.xml?p=x").status_code == 404


def test_an_unknown_section_is_a_404(client, seeded):
    assert client.get("/sitemap-drafts.xml").status_code == 404


@pytest.mark.parametrize("section", list(sitemaps.SITEMAPS))
def test_its_queries_do_not_grow_with_the_data(client, seeded, section):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/sitemap-{section}.xml")
        return len(captured)

    few = queries()
    for _ in range(20):
        make_agreement(regions=["KZ-31", "RU-MOS"], sectors=["20", "01"])
    assert queries() == few


def test_robots_txt_points_at_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert client.post("/robots.txt").status_code == 405
