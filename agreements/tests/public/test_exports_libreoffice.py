"""The «Скачать Excel» file opens in LibreOffice (which refused the ZIP64 variant) and in openpyxl:
every row, real hyperlinks, amounts shown with thousands separators."""

import csv
import io
import os
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from agreements.tests.factories import make_agreement

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
CSV_UTF8 = "csv:Text - txt - csv (StarCalc):44,34,76"  # comma, double quote, UTF-8 (76)


def require_soffice():
    if not Path(SOFFICE).exists():
        message = "LibreOffice (soffice) is not installed: Debian package libreoffice-calc-nogui"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)


def converted(content: bytes, tmp_path: Path, target: str, suffix: str) -> str:
    source = tmp_path / "export.xlsx"
    source.write_bytes(content)
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: no clash with another soffice
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", target,
         "--outdir", str(tmp_path / "out"), str(source)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    output = tmp_path / "out" / f"export.{suffix}"
    assert output.exists(), (result.returncode, result.stdout, result.stderr)
    return output.read_text(encoding="utf-8", errors="replace")


def converted_to_csv(content: bytes, tmp_path: Path) -> list[list[str]]:
    """The first sheet as LibreOffice shows it (CSV of the cells' displayed text)."""
    return list(csv.reader(io.StringIO(converted(content, tmp_path, CSV_UTF8, "csv"))))


@pytest.mark.parametrize("params", [{}, {"region": "KZ-31"}])
@pytest.mark.django_db
def test_it_opens_in_libreoffice_and_openpyxl(client, seeded, settings, tmp_path, params):
    require_soffice()
    settings.EXPORTS_LOCK_DIR = str(tmp_path / "slots")
    listed = client.get(reverse("agreement_list"), params).context["page"].paginator.count
    response = client.get(reverse("agreement_export", args=["xlsx"]), params)
    content = b"".join(response.streaming_content)
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) - 1 == listed
    converted = converted_to_csv(content, tmp_path)
    assert len(converted) - 1 == listed  # the first sheet, every row
    assert converted[0][1] == "Название"


@pytest.mark.django_db
def test_it_shows_links_and_grouped_amounts_in_libreoffice(client, db, settings, tmp_path):
    require_soffice()
    settings.EXPORTS_LOCK_DIR = str(tmp_path / "slots")
    make_agreement(
        slug="priced",
        amount=Decimal("1500000.50"),
        currency="USD",
        signed_on=date(2016, 10, 3),
        source_url="https://example.org/news?id=1&lang=ru",
    )
    response = client.get(reverse("agreement_export", args=["xlsx"]))
    content = b"".join(response.streaming_content)

    header, row = converted_to_csv(content, tmp_path)
    record = dict(zip(header, row, strict=True))
    assert re.fullmatch(r"1\D500\D000\D50", record["Сумма"]), record["Сумма"]  # 1,500,000.50 or 1 500 000,50
    assert record["Валюта"] == "USD"
    page = converted(content, tmp_path, "html", "html")
    assert re.search(r'<a href="http://testserver/agreements/priced/"', page)
    assert '<a href="https://example.org/news?id=1&amp;lang=ru"' in page
