"""XLSX export: hyperlinks only for web addresses, at most Excel's limit per sheet, amounts grouped."""

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from agreements.public.downloads import xlsx
from agreements.tests.factories import make_agreement


def workbook(client, params=None):
    response = client.get(reverse("agreement_export", args=["xlsx"]), params or {})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(content)), content


def linked_cells(sheet) -> dict[str, str]:
    return {
        cell.coordinate: cell.hyperlink.target for row in sheet.iter_rows() for cell in row if cell.hyperlink
    }


@pytest.mark.parametrize(
    "source_url", ["@source", "javascript:alert(1)", "ftp://example.org/x", "https://exa mple.org/"]
)
@pytest.mark.django_db
def test_it_links_only_web_addresses(client, db, source_url):
    make_agreement(slug="a", source_url=source_url)
    book, _ = workbook(client)
    sheet = book.worksheets[0]
    assert list(linked_cells(sheet)) == ["A2"]  # the record's own page only
    assert sheet["N2"].value == source_url and sheet["N2"].data_type == "s"


@pytest.mark.django_db
def test_it_links_the_listing_on_the_filter_sheet(client, seeded):
    book, _ = workbook(client, {"region": "KZ-31"})
    links = linked_cells(book.worksheets[1])
    assert list(links.values()) == ["http://testserver/agreements/?region=KZ-31"]


@pytest.mark.django_db
def test_it_stops_linking_at_excels_limit_and_says_so(client, db, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_LINKS", 3)
    for n in range(4):
        make_agreement(slug=f"a-{n}", source_url=f"https://example.org/{n}")
    book, content = workbook(client)
    sheet = book.worksheets[0]
    assert len(linked_cells(sheet)) == 3
    assert (
        sum(1 for row in sheet.iter_rows(min_row=2) for cell in row if str(cell.value).startswith("http"))
        == 8
    )
    described = {row[0]: row[1] for row in book.worksheets[1].iter_rows(values_only=True)}
    assert "Excel держит не больше 3 ссылок на лист): 5" in described["Ссылки"]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        rels = archive.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    assert rels.count("<Relationship ") == 3 and 'TargetMode="External"' in rels


@pytest.mark.django_db
def test_it_says_nothing_about_links_under_the_limit(client, db):
    make_agreement(slug="a")
    book, _ = workbook(client)
    described = {row[0] for row in book.worksheets[1].iter_rows(values_only=True)}
    assert "Ссылки" not in described


@pytest.mark.django_db
def test_it_closes_the_spooled_links_when_a_download_stops(client, db, monkeypatch):
    make_agreement(slug="a")
    spools = []
    real = xlsx.Links.__init__

    def spying(self, sheet):
        real(self, sheet)
        spools.append(self.spool)

    monkeypatch.setattr(xlsx.Links, "__init__", spying)
    response = client.get(reverse("agreement_export", args=["xlsx"]))
    next(iter(response.streaming_content))
    response.close()
    assert spools and all(spool.closed for spool in spools)
