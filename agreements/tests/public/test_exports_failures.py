"""Exports fail before the first byte with a status and a message, or mid-way with an error the
client sees (never a complete-looking file); odd searches and odd characters still give valid files."""

import csv
import io
import json
import zipfile

import pytest
from django.db import OperationalError
from django.urls import reverse
from openpyxl import load_workbook

from agreements.public.downloads import exports
from agreements.tests.factories import make_agreement


@pytest.fixture(autouse=True)
def lock_dir(settings, tmp_path):
    settings.EXPORTS_LOCK_DIR = str(tmp_path / "slots")


def url(extension):
    return reverse("agreement_export", args=[extension])


def parsed(extension, content: bytes):
    """The rows of a complete file; raises on a truncated or malformed one."""
    if extension == "xlsx":
        return list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))[1:]
    if extension == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    return json.loads(content)["results"]


ODD_SEARCHES = [
    "!!!",
    "a\x00b",
    "   ",
    "&|!:*()",
    "' OR 1=1 --",
    "%_\\",
    '"unclosed',
    "ёлка",
    "завод !!!",
    "a" * 200,
]


@pytest.mark.parametrize("extension", ["xlsx", "csv", "json"])
@pytest.mark.django_db
def test_it_answers_odd_searches_with_a_valid_file_or_a_400(client, seeded, extension):
    for q in ODD_SEARCHES:
        response = client.get(url(extension), {"q": q})
        if response.status_code == 400:
            assert response.content.decode().startswith("Запрос не понят"), q
            continue
        assert response.status_code == 200, (q, response.status_code)
        parsed(extension, b"".join(response.streaming_content))  # complete, whatever it holds


@pytest.mark.parametrize("extension", ["xlsx", "csv", "json"])
@pytest.mark.django_db
def test_it_exports_nothing_found_for_punctuation_as_a_complete_empty_file(client, seeded, extension):
    response = client.get(url(extension), {"q": "!!!"})
    assert response.status_code == 200
    assert parsed(extension, b"".join(response.streaming_content)) == []


def failing_after(count: int):
    """In place of exports.streamed: ``count`` rows, then the database connection drops."""
    real = exports.streamed

    def streamed(queryset):
        for n, row in enumerate(real(queryset)):
            if n == count:
                raise OperationalError("server closed the connection unexpectedly")
            yield row

    return streamed


@pytest.mark.parametrize("extension", ["xlsx", "csv", "json"])
@pytest.mark.django_db
def test_it_answers_a_database_down_before_the_first_byte_with_a_503(client, monkeypatch, extension):
    make_agreement(slug="a")
    monkeypatch.setattr(exports, "streamed", failing_after(0))
    response = client.get(url(extension))
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "База данных сейчас недоступна" in response.content.decode()


@pytest.mark.parametrize("extension", ["xlsx", "csv", "json"])
@pytest.mark.django_db
def test_a_failure_mid_stream_raises_out_of_the_stream(client, monkeypatch, extension):
    for n in range(3):
        make_agreement(slug=f"a-{n}")
    monkeypatch.setattr(exports, "streamed", failing_after(2))
    response = client.get(url(extension))
    assert response.status_code == 200  # the failure came after the response had started
    received = []
    with pytest.raises(OperationalError):  # not swallowed into a well-formed ending
        for chunk in response.streaming_content:
            received.append(chunk)
    response.close()
    content = b"".join(received)
    if extension == "json":
        assert not content.endswith(b"]}")
        with pytest.raises(ValueError):
            json.loads(content)
    if extension == "xlsx":
        with pytest.raises(zipfile.BadZipFile):
            zipfile.ZipFile(io.BytesIO(content))


@pytest.mark.django_db
def test_it_writes_a_readable_xlsx_with_xml_illegal_characters_in_a_record(client, db):
    make_agreement(slug="odd", title="Соглашение\ufffe о\uffff поставках\x01\x0b", subject="Предмет\x1f\tтаб")
    response = client.get(url("xlsx"))
    rows = parsed("xlsx", b"".join(response.streaming_content))
    assert rows[0][1] == "Соглашение о поставках"
    assert rows[0][12] == "Предмет\tтаб"


@pytest.mark.parametrize("extension", ["xlsx", "csv", "json"])
@pytest.mark.django_db
def test_head_answers_the_headers_without_reading_a_row(client, monkeypatch, extension):
    make_agreement(slug="a", regions=["KZ-31"])

    def never(*args):
        raise AssertionError("HEAD read the rows")

    monkeypatch.setattr(exports, "rows", never)
    response = client.head(url(extension), {"region": "KZ-31"})
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Type"].split(";")[0] in exports_types()
    assert 'filename="agreements_KZ-31_' in response["Content-Disposition"]
    assert client.head(url(extension), {"region": "KZ-99"}).status_code == 400


def exports_types():
    from agreements.public.views.downloads import EXPORT_TYPES

    return {value.split(";")[0] for value in EXPORT_TYPES.values()}
