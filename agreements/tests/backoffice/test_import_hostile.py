"""Hostile and odd files for the import: bombs, huge cells, too many rows or columns, wrong encodings.

Every file is generated here, small in bytes however large it claims to be once read. Each one must
end with a clear Russian message, through the admin and the command alike, with nothing written.
"""

import io
import re
import zipfile

import pytest
from django.core.management import CommandError, call_command

from agreements.backoffice.imports.cells import check_xml_text
from agreements.backoffice.imports.files import ImportFileError, Limits, _CappedZipFile, read_csv, read_xlsx
from agreements.models import Agreement
from agreements.tests.backoffice import test_import
from agreements.tests.backoffice.test_import import (
    HEADERS,
    csv_bytes,
    history_counts,
    preview,
    problems,
    run_import,
    snapshot,
    xlsx_bytes,
)

seed_once = test_import.seed_once
seeded = test_import.seeded
admin_user = test_import.admin_user

ROW = ["h-1", "Соглашение о поставках", "соглашение", "БИОКАД"]


# --- Generated files ----------------------------------------------------------------------------


def xlsx_with_sheet(write_sheet, declared_sheet_size=None) -> bytes:
    """A real workbook whose first sheet's XML is replaced by what ``write_sheet(stream)`` writes.

    ``declared_sheet_size`` makes the archive lie about the sheet's unpacked size.
    """
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([HEADERS, ROW])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with target.open(info.filename, "w", force_zip64=True) as stream:
                    write_sheet(stream)
            else:
                target.writestr(info, source.read(info.filename))
    data = buffer.getvalue()
    if declared_sheet_size is not None:
        data = _lie_about_size(data, "xl/worksheets/sheet1.xml", declared_sheet_size)
    return data


def _lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with ``name``'s uncompressed size rewritten in its central directory entry."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(name)
    data = bytearray(data)
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = int.from_bytes(data[position + 28 : position + 30], "little")
        if data[position + 46 : position + 46 + name_length].decode() == info.filename:
            data[position + 24 : position + 28] = size.to_bytes(4, "little")
            break
        position = data.find(b"PK\x01\x02", position + 1)
    return bytes(data)


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    + '<row r="1"><c r="A1" t="inlineStr"><is><t>Название</t></is></c></row>'.encode()
)
SHEET_TAIL = b"</sheetData></worksheet>"


def huge_cell(size_mb: int):
    def write(stream):
        stream.write(SHEET_HEAD + b'<row r="2"><c r="A2" t="inlineStr"><is><t>')
        chunk = b"A" * 1024 * 1024
        for _ in range(size_mb):
            stream.write(chunk)
        stream.write(b"</t></is></c></row>" + SHEET_TAIL)

    return write


def many_rows(count: int, filled=True):
    def write(stream):
        stream.write(SHEET_HEAD)
        for start in range(2, count + 2, 10_000):
            rows = range(start, min(start + 10_000, count + 2))
            if filled:
                stream.write(
                    b"".join(
                        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
                        for n in rows
                    )
                )
            else:
                stream.write(b"<row/>" * len(rows))  # rows may omit their numbers
        stream.write(SHEET_TAIL)

    return write


def billion_laughs(stream):
    entities = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    stream.write(
        (
            '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol0 "lol">' + entities + "]>"
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
        ).encode()
    )


def unchanged():
    return snapshot(), history_counts()


# --- XLSX bombs ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_a_zip_bomb_with_one_huge_cell_in_the_admin(admin_client, seeded):
    data = xlsx_with_sheet(huge_cell(100))  # 100 MB of «A» in about 100 KB
    assert len(data) < 300_000
    before = unchanged()
    response = preview(admin_client, "bomb.xlsx", data)
    assert response.status_code == 200
    [error] = response.context["form"].errors["import_file"]
    assert error.startswith("Файл XLSX слишком велик в распакованном виде (больше 40 МБ)")
    assert unchanged() == before


def test_it_stops_inflating_when_the_archive_lies_about_its_sizes():
    data = xlsx_with_sheet(huge_cell(20), declared_sheet_size=1000)
    with pytest.raises(ImportFileError, match="повреждён"):
        read_xlsx(data)  # zipfile stops at the declared size and finds the CRC wrong


def test_it_caps_what_is_really_inflated_whatever_is_declared():
    data = xlsx_with_sheet(huge_cell(3))
    archive = _CappedZipFile(io.BytesIO(data), 1024 * 1024)
    with pytest.raises(ImportFileError, match="слишком велик в распакованном виде"):
        archive.read("xl/worksheets/sheet1.xml")


def test_it_refuses_a_cell_longer_than_excel_allows():
    data = xlsx_with_sheet(huge_cell(1))
    with pytest.raises(ImportFileError, match=r"^Ячейка A2 слишком длинная: 1 048 576 символов, а в ячейке"):
        read_xlsx(data)


def test_it_stops_reading_rows_past_the_limit(settings):
    settings.IMPORT_MAX_ROWS = 1000
    with pytest.raises(ImportFileError, match=r"^Строк с данными в файле больше 1 000"):
        read_xlsx(xlsx_with_sheet(many_rows(100_000)))


def test_it_refuses_millions_of_empty_rows_before_reading_them():
    data = xlsx_with_sheet(many_rows(20_000_000, filled=False))
    assert len(data) < 3_000_000
    with pytest.raises(ImportFileError, match="слишком велик в распакованном виде"):
        read_xlsx(data)


def test_it_refuses_xml_entities():
    with pytest.raises(ImportFileError, match=r"^В файле XLSX объявлены XML-сущности \(DTD\)"):
        read_xlsx(xlsx_with_sheet(billion_laughs))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("page.xlsx", b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table>", "Это веб-страница"),
        ("page.csv", b"<html><body><table><tr><td>1</td></tr></table>", "Это веб-страница"),
        (
            "wide.csv",
            ",".join(["a"] * 100_000).encode() + b"\n" + b"1\n",
            "Слишком много столбцов: в строке 1",
        ),
    ],
    ids=["html-as-xlsx", "html-as-csv", "100000-columns"],
)
@pytest.mark.django_db
def test_it_names_what_is_wrong_with_an_odd_file(admin_client, seeded, name, data, message):
    before = unchanged()
    response = preview(admin_client, name, data)
    assert response.status_code == 200 and "confirm_form" not in response.context
    assert response.context["form"].errors["import_file"][0].startswith(message)
    assert unchanged() == before


@pytest.mark.django_db
def test_the_command_refuses_each_hostile_file_without_writing(seeded, tmp_path):
    files = {
        "bomb.xlsx": (xlsx_with_sheet(huge_cell(100)), "слишком велик в распакованном виде"),
        "laughs.xlsx": (xlsx_with_sheet(billion_laughs), "XML-сущности"),
        "page.xlsx": (b"<html><body>report</body></html>", "Это веб-страница"),
        "wide.csv": (",".join(["a"] * 100_000).encode() + b"\n1\n", "Слишком много столбцов"),
    }
    before = unchanged()
    for name, (data, message) in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(CommandError, match=message):
            call_command("import_agreements", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    big = tmp_path / "big.csv"
    with big.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)  # sparse: 50 MB that take no disk
    with pytest.raises(CommandError, match=r"^Файл весит 50 МБ, а импорт читает файлы не больше 10 МБ"):
        call_command("import_agreements", str(big), stdout=io.StringIO(), stderr=io.StringIO())
    assert unchanged() == before


def test_limits_follow_the_settings(settings):
    settings.IMPORT_MAX_FILE_SIZE = 1024
    with pytest.raises(ImportFileError, match="не больше 0 МБ"):
        read_csv(b"a\n" + b"b" * 2000)
    assert Limits().file_size == 1024


# --- Characters XML cannot hold ------------------------------------------------------------------


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff", "\ud800"]
)
def test_it_refuses_characters_xml_cannot_hold(char):
    with pytest.raises(ValueError, match=f"Недопустимый символ U\\+{ord(char):04X} в позиции 5"):
        check_xml_text("abcd" + char)
    assert check_xml_text("табуляция\tи\nперевод строки\r") == "табуляция\tи\nперевод строки\r"


@pytest.mark.django_db
def test_it_reports_a_control_character_with_its_row_and_column_and_writes_nothing(seeded):
    before = unchanged()
    rows = [
        [*HEADERS, "Предмет"],
        [*ROW, "Поставки"],
        ["h-2", "Соглашение\x02 2", "соглашение", "БИОКАД", "x\x1fy"],
    ]
    found = problems(run_import(csv_bytes(rows)))
    assert [problem.split(":")[0] for problem in found] == [
        "Строка 3, столбец «Название»",
        "Строка 3, столбец «Предмет»",
    ]
    assert found[0].startswith("Строка 3, столбец «Название»: Недопустимый символ U+0002 в позиции 11")
    assert unchanged() == before


# --- Encodings ----------------------------------------------------------------------------------

RUSSIAN = [HEADERS, ["e-1", "Соглашение о поставках «зерна» — №1", "соглашение", "БИОКАД"]]


@pytest.mark.parametrize(
    ("data", "note"),
    [
        (csv_bytes(RUSSIAN), None),
        (b"\xef\xbb\xbf" + csv_bytes(RUSSIAN), None),
        (csv_bytes(RUSSIAN, encoding="cp1251"), "Файл прочитан в кодировке Windows-1251."),
        (csv_bytes(RUSSIAN, delimiter="\t", encoding="utf-16"), "Файл прочитан в кодировке UTF-16."),
    ],
    ids=["utf-8", "utf-8-bom", "cp1251", "utf-16"],
)
@pytest.mark.django_db
def test_it_reads_utf8_and_russian_windows_1251_and_says_which(admin_client, seeded, data, note):
    response = preview(admin_client, "a.csv", data)
    result = response.context["result"]
    assert problems(result) == [] and result.notes == ([note] if note else [])
    if note:
        assert note in response.content.decode()
    response = test_import.confirm(admin_client, response)
    assert Agreement.objects.get(slug="e-1").title == "Соглашение о поставках «зерна» — №1"


STRAY = csv_bytes(RUSSIAN).replace("поставках".encode(), "поставках".encode() + b"\xff")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            STRAY,
            r"^Файл не в кодировке UTF-8: ошибка в позиции байт 124, строка 2\.",
        ),
        (
            csv_bytes(
                [["slug", "title", "kind", "parties"], ["e-1", "Müller GmbH Vertrag", "agreement", "biocad"]],
                encoding="latin-1",
            ),
            r"не похож на русский \(слово «Mьller» из латинских и русских букв\)",
        ),
        (
            "見本,契約\n一,二\n".encode("shift_jis"),
            r"^Не удалось определить кодировку файла: это не UTF-8 \(ошибка: байт 1, строка 1\), а в "
            r"Windows-1251 текст не похож на русский \(символы «©» «Њ» «€»\)",
        ),
    ],
    ids=["utf-8-with-a-stray-byte", "latin-1", "shift-jis"],
)
@pytest.mark.django_db
def test_it_refuses_to_guess_an_encoding(admin_client, seeded, data, message):
    before = unchanged()
    response = preview(admin_client, "a.csv", data)
    [error] = response.context["form"].errors["import_file"]
    assert re.search(message, error), error
    assert "CSV UTF-8" in error and "выберите кодировку явно" in error
    assert unchanged() == before


@pytest.mark.django_db
def test_staff_can_choose_the_encoding(admin_client, seeded, tmp_path):
    # A Latin «o» typed into a Russian word: Windows-1251 no longer looks like plain Russian text.
    data = csv_bytes([HEADERS, ["e-2", "Сoглашение с опечаткой", "соглашение", "БИОКАД"]], encoding="cp1251")
    assert (
        "не похож на русский" in preview(admin_client, "a.csv", data).context["form"].errors["import_file"][0]
    )
    response = preview(admin_client, "a.csv", data, fmt="3")  # csv (Windows-1251)
    assert response.context["result"].notes == ["Файл прочитан в кодировке Windows-1251."]
    test_import.confirm(admin_client, response)  # the choice is carried into the confirm step
    assert Agreement.objects.get(slug="e-2").title == "Сoглашение с опечаткой"

    path = tmp_path / "a.csv"
    path.write_bytes(data.replace(b"e-2", b"e-3"))
    with pytest.raises(CommandError, match="не похож на русский"):
        call_command("import_agreements", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("import_agreements", str(path), "--encoding", "cp1251", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("Файл прочитан в кодировке Windows-1251.\n")
    assert Agreement.objects.filter(slug="e-3").exists()

    # Choosing UTF-8 for a Windows-1251 file says where it fails.
    with pytest.raises(ImportFileError, match=r"^Файл не в кодировке UTF-8: ошибка в позиции байт"):
        read_csv(data, encoding="utf-8")
