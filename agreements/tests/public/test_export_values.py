"""Export cell values: parties, regions, countries and sectors as readers see them, in both languages."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from agreements.models import AgreementParty, Source
from agreements.tests.factories import make_agreement, make_forum, make_party


def exported(client, extension="json", prefix="", **params):
    response = client.get(prefix + reverse("agreement_export", args=[extension]), params)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def records(client, prefix="", **params) -> dict:
    return {
        r["url"].rsplit("/", 2)[1]: r
        for r in json.loads(exported(client, prefix=prefix, **params))["results"]
    }


@pytest.fixture
def linked(db):
    forum = make_forum(title="XIII Форум межрегионального сотрудничества")
    source = Source.objects.create(slug="kaz-news", title="Новости", url="")
    parties = [
        make_party(name="Зерно", legal_form="ТОО", country="KZ"),
        make_party(name="ЕАБР", country=None),
        make_party(name="Агро", legal_form="ООО", country="RU"),
    ]
    agreement = make_agreement(
        slug="linked",
        title="Соглашение о поставках",
        parties=parties,
        regions=["KZ-31", "KZ-11", "RU-MOS"],
        sectors=["C", "20", "01"],
        countries=["RU", "KZ", "BY"],
        signed_on=date(2021, 5, 4),
        amount=Decimal("12.50"),
        currency="USD",
        forum=forum,
        source=source,
    )
    AgreementParty.objects.filter(agreement=agreement, party=parties[2]).update(role="investor")
    make_agreement(slug="bare", parties=[], source_url="https://example.org/news/1")
    return agreement


def test_it_writes_related_names_in_link_order(client, linked):
    record = records(client)["linked"]
    assert record["parties"] == (
        "ТОО «Зерно» (Казахстан, сторона); ЕАБР (международная организация, сторона); "
        "ООО «Агро» (Россия, инвестор)"
    )
    assert record["regions"].split("; ")[0].startswith("KZ-")
    assert "KZ-31 Жамбылская область" in record["regions"] and len(record["regions"].split("; ")) == 3
    assert record["sectors"].split("; ")[0].startswith("01 ")
    assert sorted(record["countries"].split("; ")) == ["Беларусь", "Казахстан", "Россия"]
    assert record["forum"] == "XIII Форум межрегионального сотрудничества"
    assert record["source"].endswith("/sources/kaz-news/")
    assert record["signed_on"] == "2021-05-04" and record["amount"] == "12.50"


def test_it_writes_empty_cells_for_missing_relations(client, linked):
    record = records(client)["bare"]
    assert [record[k] for k in ("parties", "regions", "countries", "sectors", "forum")] == [""] * 5
    assert record["source"] == "https://example.org/news/1"
    assert record["signed_on"] is None and record["amount"] is None


def test_it_writes_english_names_in_an_english_session(client, linked):
    record = records(client, prefix="/en")["linked"]
    assert record["parties"].startswith(
        "ТОО «Зерно» (Kazakhstan, signatory); ЕАБР (international organization"
    )
    assert "KZ-31 Zhambyl Region" in record["regions"]
    assert record["url"].endswith("/en/agreements/linked/")


def test_csv_and_json_agree_cell_for_cell(client, linked):
    rows = list(csv.reader(io.StringIO(exported(client, "csv"))))[1:]
    results = json.loads(exported(client))["results"]
    assert rows == [["" if v is None else str(v) for v in r.values()] for r in results]


def test_it_neutralises_formulas_in_every_free_text_column(client, db):
    party = make_party(name="=cmd()", country=None)
    make_agreement(
        slug="evil",
        title="\tTab",
        subject="\rCR",
        parties=[party],
        forum=make_forum(title="+forum"),
        currency="-1",
        source_url="@source",
    )
    (row,) = list(csv.reader(io.StringIO(exported(client, "csv"))))[1:]
    for cell in row:
        assert not cell or cell[0] not in "=+-@\t\r", row
    assert (
        "'=cmd() (международная организация, сторона)" in row
        and "'\tTab" in row
        and "'+forum" in row
        and "'@source" in row
    )
