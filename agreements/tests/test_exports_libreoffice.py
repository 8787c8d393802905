"""The «Скачать Excel» file opens in LibreOffice (which refused the ZIP64 variant) and in openpyxl."""

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
CSV_UTF8 = "csv:Text - txt - csv (StarCalc):44,34,76"  # comma, double quote, UTF-8 (76)


def require_soffice():
    if not Path(SOFFICE).exists():
        message = "LibreOffice (soffice) is not installed: Debian package libreoffice-calc-nogui"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)


def converted_to_csv(content: bytes, tmp_path: Path) -> list[list[str]]:
    source = tmp_path / "export.xlsx"
    source.write_bytes(content)
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: no clash with another soffice
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", CSV_UTF8,
         "--outdir", str(tmp_path / "out"), str(source)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    converted = tmp_path / "out" / "export.csv"
    assert converted.exists(), (result.returncode, result.stdout, result.stderr)
    return list(csv.reader(io.StringIO(converted.read_text(encoding="utf-8", errors="replace"))))


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
