"""Public exports: exactly the filtered list, every page, published only, in XLSX, CSV and JSON."""

import csv
import io
import json
import tracemalloc
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from agreements.models import Agreement, AgreementParty, Region
from agreements.public.downloads import exports
from agreements.public.filters import public_filterset
from agreements.tests.factories import make_agreement, make_party

LIST = reverse("agreement_list")


def export(client, extension, params=None, prefix=""):
    response = client.get(prefix + reverse("agreement_export", args=[extension]), params or {})
    assert response.status_code == 200, response.content[:300]
    return response, b"".join(response.streaming_content)


def xlsx_rows(content: bytes, sheet=0):
    workbook = load_workbook(io.BytesIO(content))
    return workbook, list(workbook.worksheets[sheet].iter_rows(values_only=True))


def csv_rows(content: bytes):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "params",
    [{}, {"region": "KZ-31"}, {"sector": "C"}, {"q": "завод"}, {"party_country": "RU", "kind": "mou"}],
)
@pytest.mark.django_db
def test_it_exports_exactly_the_rows_the_listing_counts(client, seeded, params):
    listed = client.get(LIST, params).context["page"].paginator.count
    _, content = export(client, "xlsx", params)
    assert len(xlsx_rows(content)[1]) - 1 == listed
    _, content = export(client, "csv", params)
    assert len(csv_rows(content)) - 1 == listed
    _, content = export(client, "json", params)
    assert len(json.loads(content)["results"]) == listed


@pytest.mark.django_db
def test_it_exports_every_page_not_just_the_first(client, db):
    parties = [make_party(), make_party(country="RU")]
    for n in range(60):
        make_agreement(slug=f"p-{n}", parties=parties)
    _, content = export(client, "csv")
    assert len(csv_rows(content)) == 61


@pytest.mark.django_db
def test_it_writes_a_typed_xlsx_with_a_frozen_filtered_header(client, db):
    make_agreement(
        slug="typed",
        title="Соглашение о поставках удобрений",
        signed_on=date(2016, 10, 3),
        amount=Decimal("1500000.50"),
        currency="USD",
        regions=["KZ-31"],
        sectors=["20"],
        source_url="https://example.org/news?id=1&lang=ru",  # an ampersand: escaped in the .rels part
    )
    response, content = export(client, "xlsx", {"region": "KZ-31"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="agreements_KZ-31_' in response["Content-Disposition"]
    workbook, rows = xlsx_rows(content)
    sheet = workbook.worksheets[0]
    header, row = rows
    assert header[:4] == ("Ссылка", "Название", "Вид документа", "Статус")
    record = dict(zip(header, row, strict=True))
    assert record["Название"] == "Соглашение о поставках удобрений"
    assert record["Дата подписания"].date() == date(2016, 10, 3)
    assert record["Сумма"] == pytest.approx(1500000.50)
    assert record["Регионы реализации"] == "KZ-31 Жамбылская область"
    assert record["Ссылка"].endswith("/agreements/typed/")
    links = {cell.column_letter: cell for cell in sheet[2] if cell.hyperlink}
    assert sorted(links) == ["A", "N"]  # the record's page and its source: real hyperlinks
    assert links["A"].hyperlink.target == record["Ссылка"] and links["A"].font.u == "single"
    assert (
        links["N"].hyperlink.target == record["Источник (ссылка)"] == "https://example.org/news?id=1&lang=ru"
    )
    amount = sheet.cell(2, header.index("Сумма") + 1)
    assert amount.number_format == "#,##0.00"  # thousands separators, in the reader's own locale
    assert header[header.index("Сумма") + 1] == "Валюта" and record["Валюта"] == "USD"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:N2"
    assert sheet.column_dimensions["B"].width >= 40
    assert sheet["A1"].font.b


@pytest.mark.django_db
def test_it_describes_the_filter_on_a_second_sheet(client, seeded):
    _, content = export(client, "xlsx", {"region": "KZ-31", "q": "завод"})
    _, rows = xlsx_rows(content, sheet=1)
    described = {row[0]: row[1] for row in rows}
    assert described["Регион (region)"] == "KZ-31"
    assert described["Поиск (q)"] == "завод"
    assert str(timezone.localdate().year) in described["Дата выгрузки"]
    assert "region=KZ-31" in described["Список на сайте"]


@pytest.mark.django_db
def test_it_writes_english_headers_in_an_english_session(client, seeded):
    _, content = export(client, "xlsx", {"region": "KZ-31"}, prefix="/en")
    header = xlsx_rows(content)[1][0]
    assert header[:3] == ("Link", "Title", "Document type")
    assert "Zhambyl Region" in xlsx_rows(content)[1][1][7]


@pytest.mark.django_db
def test_it_writes_csv_with_a_bom_for_excel(client, seeded):
    response, content = export(client, "csv", {"region": "KZ-31"})
    assert content.startswith(b"\xef\xbb\xbf")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(content)
    assert rows[0][1] == "Название"
    assert "Жамбылская область" in rows[1][7]


@pytest.mark.django_db
def test_it_neutralises_spreadsheet_formulas(client, db):
    make_agreement(slug="evil", title='=HYPERLINK("http://x","click")', subject="+cmd|' /C calc'!A0")
    make_agreement(slug="evil2", title="@SUM(1+1)", subject="-2+3")
    _, content = export(client, "csv")
    cells = [cell for row in csv_rows(content)[1:] for cell in row]
    for dangerous in ["=HYPERLINK", "+cmd", "@SUM", "-2+3"]:
        assert not any(cell.startswith(dangerous) for cell in cells)
        assert any(cell.startswith("'" + dangerous) for cell in cells)
    _, content = export(client, "xlsx")
    workbook = load_workbook(io.BytesIO(content))
    values = [c for row in workbook.worksheets[0].iter_rows(min_row=2) for c in row if c.value]
    formulas = [c for c in values if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
    assert formulas and all(c.data_type == "s" for c in formulas)  # text, never a formula


@pytest.mark.django_db
def test_it_never_exports_drafts(client, seeded):
    make_agreement(slug="draft", title="Черновик соглашения", regions=["KZ-31"], published=False)
    for extension in ["xlsx", "csv", "json"]:
        _, content = export(client, extension, {"region": "KZ-31"})
        if extension == "xlsx":
            content = repr(xlsx_rows(content)[1]).encode()
        assert "Черновик".encode() not in content
        assert b"/agreements/draft/" not in content


@pytest.mark.django_db
def test_it_streams_json_with_the_filter_and_typed_values(client, db):
    make_agreement(slug="j", signed_on=date(2020, 2, 29), amount=Decimal("10.05"), currency="RUB")
    response, content = export(client, "json")
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(content)
    assert data["filter"]["params"] == {}
    (record,) = data["results"]
    assert record["signed_on"] == "2020-02-29" and record["amount"] == "10.05" and record["currency"] == "RUB"


@pytest.mark.parametrize("extension", ["xlsx", "csv", "json"])
@pytest.mark.django_db
def test_it_refuses_a_bad_filter_with_a_400(client, db, extension):
    response = client.get(reverse("agreement_export", args=[extension]), {"region": "KZ-99"})
    assert response.status_code == 400
    assert "KZ-99" in response.content.decode()


@pytest.mark.django_db
def test_it_has_no_other_export_formats(client, db):
    assert client.get("/agreements/export.xls").status_code == 404


def bulk_agreements(count: int, kind: str) -> None:
    """Many agreements fast: bulk inserts with a party pair and a region each."""
    start = Agreement.objects.count()
    kz, ru = make_party(), make_party(country="RU")
    region = Region.objects.get(code="KZ-31")
    created = Agreement.objects.bulk_create(
        Agreement(
            slug=f"{kind}-{start + n}",
            title=f"Соглашение о поставках зерна № {n}",
            kind=kind,
            subject="Поставки зерна и строительство элеватора " * 3,
            is_published=True,
            source_url=f"https://news.example/{kind}-{start + n}",  # a published agreement cites a source
            signed_on=date(2020, 1, 1),
            amount=Decimal(n),
            currency="USD",
        )
        for n in range(count)
    )
    AgreementParty.objects.bulk_create(
        AgreementParty(agreement=a, party=p, order=i) for a in created for i, p in enumerate((kz, ru))
    )
    Agreement.regions.through.objects.bulk_create(
        Agreement.regions.through(agreement=a, region=region) for a in created
    )


def peak_traced_memory(client, extension, params) -> int:
    tracemalloc.start()  # from the request: its first rows are read before the response starts
    response = client.get(reverse("agreement_export", args=[extension]), params)
    rows = 0
    for chunk in response.streaming_content:
        rows += len(chunk) > 0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


@pytest.mark.django_db
def test_it_streams_in_bounded_memory(client, db):
    bulk_agreements(2_000, "memorandum")
    bulk_agreements(18_000, "agreement")
    for extension in ["xlsx", "csv", "json"]:
        small = peak_traced_memory(client, extension, {"kind": "memorandum"})
        large = peak_traced_memory(client, extension, {})  # ten times the rows, ten chunks
        # Grown with the rows it would be ten times larger; holding a chunk being written while the
        # next is read (JSON: ~2 MB at one chunk, ~4 MB from two on, the same at 40,000) it is not.
        assert large < small * 3, (extension, small, large)


@pytest.mark.django_db
def test_a_download_stopped_midway_leaves_the_connection_usable(client, db):
    bulk_agreements(2_500, "agreement")  # more than one chunk of rows
    filterset = public_filterset({})
    assert filterset.is_valid()
    stream = exports.stream("csv", filterset, {}, "http://testserver", "http://testserver/agreements/", "ru")
    next(stream), next(stream)
    stream.close()  # as when the client goes away: the query is cancelled mid-way
    assert Agreement.objects.filter(kind="agreement").count() == 2_500
    _, content = export(client, "csv")
    assert len(csv_rows(content)) == 2_501
