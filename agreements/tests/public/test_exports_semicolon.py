"""The CSV export for Excel with Russian regional settings: ``?sep=semicolon`` (or ``;``), and its link."""

import csv
import html
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from agreements.tests.factories import make_agreement

CSV_URL = reverse("agreement_export", args=["csv"])


def downloaded(client, params) -> str:
    response = client.get(CSV_URL, params)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads the Cyrillic as UTF-8
    return content.decode("utf-8-sig")


@pytest.mark.parametrize("sep", ["semicolon", ";", "SEMICOLON"])
@pytest.mark.django_db
def test_it_separates_with_semicolons_and_writes_decimal_commas(client, db, sep):
    make_agreement(
        slug="a", title="Соглашение, о запятых; и точках", amount=Decimal("1500000.50"), currency="USD"
    )
    text = downloaded(client, {"sep": sep})

    header, row = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[:3] == ["Ссылка", "Название", "Вид документа"] and len(header) == 14
    record = dict(zip(header, row, strict=True))
    assert record["Название"] == "Соглашение, о запятых; и точках"  # quoted, not split
    assert record["Сумма"] == "1500000,50"
    assert text.splitlines()[0].count(";") == 13


@pytest.mark.parametrize("params", [{}, {"sep": "comma"}, {"sep": ","}])
@pytest.mark.django_db
def test_it_keeps_commas_and_decimal_points_by_default(client, db, params):
    make_agreement(slug="a", amount=Decimal("1500000.50"), currency="USD")
    header, row = list(csv.reader(io.StringIO(downloaded(client, params))))
    assert len(header) == 14
    assert dict(zip(header, row, strict=True))["Сумма"] == "1500000.50"


@pytest.mark.django_db
def test_both_variants_hold_the_same_rows(client, seeded):
    params = {"region": "KZ-31"}
    comma = list(csv.reader(io.StringIO(downloaded(client, params))))
    semicolon = list(
        csv.reader(io.StringIO(downloaded(client, {**params, "sep": "semicolon"})), delimiter=";")
    )
    assert len(comma) == len(semicolon) > 1
    amount = comma[0].index("Сумма")
    for a, b in zip(comma, semicolon, strict=True):
        assert a[:amount] + a[amount + 1 :] == b[:amount] + b[amount + 1 :]
        assert a[amount].replace(".", ",") == b[amount]


@pytest.mark.parametrize("query", ["sep=tab", "sep=", "sep=%3B%3B", "sep=;&sep=,", "sep=%00"])
@pytest.mark.django_db
def test_it_answers_any_other_separator_with_a_400(client, db, query):
    response = client.get(f"{CSV_URL}?{query}")
    assert response.status_code == 400
    assert "sep" in response.content.decode() and "semicolon" in response.content.decode()


@pytest.mark.parametrize("extension", ["xlsx", "json"])
@pytest.mark.django_db
def test_it_refuses_a_separator_for_other_formats(client, db, extension):
    response = client.get(reverse("agreement_export", args=[extension]), {"sep": "semicolon"})
    assert response.status_code == 400
    assert "CSV" in response.content.decode()


@pytest.mark.django_db
def test_the_listing_links_both_csv_variants_with_the_filters_and_says_which_to_pick(client, seeded):
    body = client.get(reverse("agreement_list"), {"region": "KZ-31"}).content.decode()
    links = [html.unescape(link) for link in re.findall(r'href="([^"]*export\.csv[^"]*)"', body)]
    assert links == [f"{CSV_URL}?region=KZ-31", f"{CSV_URL}?region=KZ-31&sep=semicolon"]
    assert "Excel с русскими настройками — CSV (;), с точкой с запятой" in body
    export = client.get(links[1])
    assert export.status_code == 200
    # An unread stream holds its connection on PostgreSQL (psycopg's stream()): read it to the end,
    # as a WSGI server would, before the next request on this thread's connection.
    assert b"".join(export.streaming_content)

    body = client.get(reverse("agreement_list")).content.decode()
    assert f'href="{CSV_URL}?sep=semicolon"' in body
    english = client.get("/en" + reverse("agreement_list")).content.decode()
    assert "Excel with Russian regional settings" in english
