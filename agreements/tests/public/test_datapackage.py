"""/data/datapackage.json and its CSV files: one declaration, valid per Frictionless, published only."""

import csv
import io
import json

import frictionless
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement, AgreementParty, Forum, Party, Region, Sector
from agreements.public.downloads import opendata, throttle
from agreements.tests.factories import make_agreement
from agreements.tests.opendata_fixtures import drafts  # noqa: F401 - a fixture

NAMES = ["agreements", "parties", "agreement_parties", "regions", "sectors", "forums", "forum_figures"]
pytestmark = pytest.mark.django_db


def descriptor(client) -> dict:
    response = client.get("/data/datapackage.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def table(client, name) -> list[dict]:
    response = client.get(f"/data/{name}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def test_it_describes_every_resource_with_its_schema_and_licence(client, seeded):
    package = descriptor(client)
    assert package["profile"] == "tabular-data-package"
    assert package["licenses"] == [opendata.LICENSE]
    assert package["homepage"] == "http://testserver/"
    assert [resource["name"] for resource in package["resources"]] == NAMES
    agreements = package["resources"][0]
    assert agreements["path"] == "agreements.csv"
    assert agreements["schema"]["primaryKey"] == ["slug"]
    assert {"fields": "forum", "reference": {"resource": "forums", "fields": "slug"}} in agreements["schema"][
        "foreignKeys"
    ]
    kind = next(field for field in agreements["schema"]["fields"] if field["name"] == "kind")
    assert kind["constraints"]["enum"] == list(Agreement.Kind.values)


@pytest.mark.parametrize("name", NAMES)
def test_each_file_has_the_columns_its_schema_names(client, seeded, name):
    schema = next(r for r in descriptor(client)["resources"] if r["name"] == name)["schema"]
    response = client.get(f"/data/{name}.csv")
    header = b"".join(response.streaming_content).decode().splitlines()[0]
    assert header.split(",") == [field["name"] for field in schema["fields"]]


def test_the_files_hold_what_is_public(client, seeded):
    agreements = table(client, "agreements")
    assert len(agreements) == Agreement.objects.public().count() == 12
    eurochem = next(row for row in agreements if row["slug"] == "xiii-01-eurochem-karatau-fertilisers")
    assert eurochem["url"] == "http://testserver/agreements/xiii-01-eurochem-karatau-fertilisers/"
    assert eurochem["region_codes"] == "KZ-31"
    assert eurochem["sector_codes"] == "08;20"
    assert eurochem["kind"] == "mou"
    assert len(table(client, "parties")) == Party.objects.public().count()
    links = AgreementParty.objects.filter(agreement__is_published=True).count()
    assert len(table(client, "agreement_parties")) == links
    assert len(table(client, "regions")) == Region.objects.count()
    assert len(table(client, "sectors")) == Sector.objects.count()
    assert len(table(client, "forums")) == Forum.objects.public().count() == 1
    figures = table(client, "forum_figures")
    assert figures and {row["is_approximate"] for row in figures} <= {"true", "false"}


@pytest.mark.usefixtures("drafts")
def test_no_draft_reaches_a_file(client):
    assert "chernovik-tainoborsk" not in {row["slug"] for row in table(client, "agreements")}
    assert "sekretneyshaya" not in {row["slug"] for row in table(client, "parties")}
    linked = {(row["agreement"], row["party"]) for row in table(client, "agreement_parties")}
    assert not {agreement for agreement, _party in linked} & {"chernovik-tainoborsk"}
    assert "forum-nevidimok" not in {row["slug"] for row in table(client, "forums")}
    assert "forum-nevidimok" not in {row["forum"] for row in table(client, "forum_figures")}


@pytest.mark.usefixtures("drafts")
def test_the_package_is_valid_frictionless_data(client, tmp_path):
    """The descriptor and every file as the site serves them, validated by the reference implementation:
    types, enums, required values, primary keys and foreign keys between the files."""
    make_agreement(amount="1750000000.00", currency="KZT", signed_on="2019-11-07", regions=["KZ-55"])
    package = descriptor(client)
    (tmp_path / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    for resource in package["resources"]:
        response = client.get(f"/data/{resource['path']}")
        (tmp_path / resource["path"]).write_bytes(b"".join(response.streaming_content))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note", "rowNumber", "fieldName"])
    assert report.stats["tasks"] == len(NAMES)


def test_an_unknown_file_is_a_404_and_head_reads_nothing(client, seeded):
    assert client.get("/data/drafts.csv").status_code == 404
    with CaptureQueriesContext(connection) as captured:
        response = client.head("/data/agreements.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert not response.content
    assert not captured.captured_queries
    assert client.post("/data/agreements.csv").status_code == 405
    assert client.post("/data/datapackage.json").status_code == 405


def test_it_waits_for_an_export_slot(client, seeded, monkeypatch):
    monkeypatch.setattr(throttle, "acquire", lambda client: None)
    response = client.get("/data/agreements.csv")
    assert response.status_code == 429
    assert response["Retry-After"]
    assert response["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("name", NAMES)
def test_its_queries_do_not_grow_with_the_rows(client, seeded, name):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            b"".join(client.get(f"/data/{name}.csv").streaming_content)
        return len(captured)

    few = queries()
    for _ in range(30):
        make_agreement(regions=["KZ-31", "KZ-55"], sectors=["20", "C"], countries=["KZ"])
    assert queries() == few


def test_values_are_written_as_table_schema_reads_them(db):
    from datetime import UTC, date, datetime
    from decimal import Decimal

    assert opendata.cell(None) == ""
    assert opendata.cell(True) == "true"
    assert opendata.cell(date(2019, 11, 7)) == "2019-11-07"
    assert opendata.cell(datetime(2026, 12, 3, 7, 1, 2, 345, tzinfo=UTC)) == "2026-12-03T07:01:02Z"
    assert opendata.cell(Decimal("1750000000.00")) == "1750000000"
    assert opendata.cell(Decimal("4.3400")) == "4.34"
    assert opendata.cell("=1+1") == "=1+1"  # verbatim: the file is data, not a spreadsheet


def test_the_validation_would_catch_a_broken_reference(client, seeded, tmp_path):
    """The check above means something: a party row that names no known region fails it."""
    package = descriptor(client)
    (tmp_path / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    for resource in package["resources"]:
        body = b"".join(client.get(f"/data/{resource['path']}").streaming_content)
        if resource["name"] == "regions":
            body = b"\r\n".join(line for line in body.split(b"\r\n") if not line.startswith(b"KZ-31,"))
        (tmp_path / resource["path"]).write_bytes(body)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert not report.valid
    assert "foreign-key" in {error[0] for error in report.flatten(["type"])}
