"""An agreement page's JSON-LD (schema.org) and its «Как цитировать» block."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements.models import Agreement, AgreementParty, Region
from agreements.tests.factories import make_agreement, make_party

pytestmark = pytest.mark.django_db
SLUG = "xiii-01-eurochem-karatau-fertilisers"


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def json_ld(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_it_describes_the_agreement_in_json_ld(client, seeded):
    agreement = Agreement.objects.get(slug=SLUG)
    data = json_ld(page(client, agreement.get_absolute_url()))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "CreativeWork"
    assert data["url"] == f"http://testserver/agreements/{SLUG}/"
    assert data["name"] == agreement.title
    assert data["description"] == agreement.subject
    assert data["dateModified"] == agreement.updated.isoformat()
    # The day as it was in Astana, as the page shows it, not the UTC day.
    assert data["datePublished"] == timezone.localdate(agreement.created).isoformat()
    assert data["genre"] == "меморандум о взаимопонимании"
    assert [place["identifier"] for place in data["spatialCoverage"]] == ["KZ-31"]
    assert data["spatialCoverage"][0]["containedInPlace"]["identifier"] == "KZ"
    assert [term["termCode"] for term in data["about"]] == ["08", "20"]
    creators = data["creator"]
    assert [c["name"] for c in creators] == [
        link.party.display_name for link in agreement.party_links.order_by("order")
    ]
    assert {c["address"]["addressCountry"] for c in creators} == {"KZ", "RU"}
    assert creators[0]["url"].startswith("http://testserver/parties/")
    assert data["isBasedOn"]["text"] == agreement.source_quote
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"


def test_json_ld_cannot_be_closed_by_a_record(client, seeded):
    title = 'Соглашение </script><script>alert("x")</script> & <!-- «ТОО»'
    agreement = make_agreement(title=title, subject="Предмет </SCRIPT>")
    html = page(client, agreement.get_absolute_url())
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["name"] == title
    assert "<script>alert" not in html


def test_it_shows_how_to_cite_the_record(client, seeded):
    agreement = Agreement.objects.get(slug=SLUG)
    html = page(client, agreement.get_absolute_url())
    modified = timezone.localdate(agreement.updated).isoformat()
    assert "Как цитировать" in html
    assert f'<a href="http://testserver/agreements/{SLUG}/">' in html
    assert f"Запись изменена {modified}. URL: http://testserver/agreements/{SLUG}/" in html
    assert f"@misc{{registry-{SLUG}," in html
    assert f"note = {{Запись изменена {modified}}}" in html
    assert "<details>" in html and '<pre class="citation-bibtex">' in html


def test_bibtex_escapes_what_latex_would_read(client, seeded):
    agreement = make_agreement(title="Соглашение {о 100%} & #1_a $ ~ ^ \\")
    html = page(client, agreement.get_absolute_url())
    bibtex = re.search(r'<pre class="citation-bibtex">(.*?)</pre>', html, re.S).group(1)
    assert (
        r"title = {{Соглашение \{о 100\%\} \&amp; \#1\_a \$ \textasciitilde{} \textasciicircum{} "
        r"\textbackslash{}}}" in bibtex
    )


def test_it_is_english_under_en(client, seeded):
    html = page(client, f"/en/agreements/{SLUG}/")
    assert "How to cite" in html
    assert "Record last modified" in html
    assert f"http://testserver/en/agreements/{SLUG}/" in html
    data = json_ld(html)
    assert data["url"] == f"http://testserver/en/agreements/{SLUG}/"
    assert data["spatialCoverage"][0]["name"] == "Zhambyl Region"


def test_it_adds_no_query_per_party_region_or_sector(client, seeded):
    agreement = make_agreement(regions=["KZ-31"], sectors=["20"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            page(client, agreement.get_absolute_url())
        return len(captured)

    few = queries()
    for order in range(2, 8):
        AgreementParty.objects.create(agreement=agreement, party=make_party(), order=order)
    agreement.regions.add(*Region.objects.filter(code__in=["KZ-55", "KZ-11"]))
    assert queries() == few


def test_a_draft_has_neither_page_nor_citation(client, seeded):
    draft = make_agreement(published=False)
    assert client.get(draft.get_absolute_url()).status_code == 404
