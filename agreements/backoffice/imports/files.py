"""Reading an uploaded spreadsheet into a ``tablib.Dataset``: XLSX or CSV, whatever Excel saved.

A file is the unit that can fail as a whole (empty, old ``.xls``, binary, HTML, unreadable encoding,
too big): that raises :class:`ImportFileError` with a message shown to staff as is. Reading is
bounded while it happens (:class:`Limits`: file size, unzipped size, rows, columns, cell length), so a
hostile file ends with a message, not with the worker's memory. CSV is UTF-8, UTF-16 with a BOM, or
Windows-1251 when it reads as Russian or staff chose it — never guessed silently; its delimiter is
sniffed. The formats here are the ones the admin offers.
"""

import csv
import io
import re
import zipfile
from pathlib import Path

import tablib
from defusedxml import EntitiesForbidden
from django.conf import settings
from import_export.formats import base_formats

from agreements.backoffice.imports.cells import is_blank


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message is shown to staff as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 (.xls)
EMPTY_FILE = "Файл пуст: в нём нет ни заголовков, ни строк."
NO_ROWS = "В файле нет строк с данными: только заголовки. Заполните строки под заголовками."
OLD_EXCEL = "Это файл старого формата Excel (.xls). Сохраните его как «Книга Excel (.xlsx)» или CSV."


def _dataset(headers: list, rows: list[list]) -> tablib.Dataset:
    """A rectangular Dataset: short rows padded, trailing blank rows dropped, headers widened."""
    while rows and all(is_blank(v) for v in rows[-1]):
        rows.pop()
    width = max([len(headers), *(len(row) for row in rows)])
    headers = list(headers) + [None] * (width - len(headers))
    # Columns with neither a header nor a value (Excel's formatted-but-empty columns) are dropped.
    keep = [
        i
        for i in range(width)
        if not is_blank(headers[i]) or any(i < len(row) and not is_blank(row[i]) for row in rows)
    ]
    dataset = tablib.Dataset(headers=[headers[i] for i in keep])
    for row in rows:
        row = list(row) + [None] * (width - len(row))
        dataset.append([row[i] for i in keep])
    return dataset


class Limits:
    """How much of a file is read at most: the admin's web worker and the command share them.

    A spreadsheet is small on disk but can be huge once unzipped (a zip bomb) or parsed (one cell of
    a gigabyte, millions of empty rows, 100,000 columns). Every bound is checked *while* reading, so
    memory stays bounded whatever the file claims; the first one exceeded ends the read with a message.
    """

    def __init__(self):
        self.file_size = getattr(settings, "IMPORT_MAX_FILE_SIZE", 10 * 1024 * 1024)
        self.rows = getattr(settings, "IMPORT_MAX_ROWS", 20_000)
        # The sheet of a 20,000-row export is about 31 MB of XML; one cell of 40 MB peaks near 160 MB.
        self.unzipped = getattr(settings, "IMPORT_MAX_UNZIPPED_SIZE", 40 * 1024 * 1024)
        self.columns = MAX_COLUMNS
        self.cell = MAX_CELL


#: Excel's own limit for one cell; nothing longer comes from a real spreadsheet.
MAX_CELL = 32_767
#: The registry's widest file has 17 columns; a few hundred is generous for notes and blanks.
MAX_COLUMNS = 200


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",").replace(",0", "")


def check_file_size(size: int, limits: Limits) -> None:
    if size > limits.file_size:
        raise ImportFileError(
            f"Файл весит {_megabytes(size)} МБ, а импорт читает файлы не больше "
            f"{_megabytes(limits.file_size)} МБ. Разделите таблицу на несколько файлов."
        )


def _number(value: int) -> str:
    return f"{value:,}".replace(",", " ")  # 32 767, as Russian text writes it


def _cell_address(row: int, column: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"


class _RowChecker:
    """Counts rows and checks columns and cell lengths as they are read, so a hostile file stops early."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.filled = 0

    def check(self, number: int, values) -> None:
        if len(values) > self.limits.columns:
            last = max((i for i, v in enumerate(values) if not is_blank(v)), default=-1) + 1
            if last > self.limits.columns:
                raise ImportFileError(
                    f"Слишком много столбцов: в строке {number} их {last}, а импорт читает не больше "
                    f"{self.limits.columns}. Удалите лишние столбцы — нужны только столбцы из файла выгрузки."
                )
        for column, value in enumerate(values, start=1):
            if isinstance(value, str) and len(value) > self.limits.cell:
                raise ImportFileError(
                    f"Ячейка {_cell_address(number, column)} слишком длинная: {_number(len(value))} "
                    f"символов, а в ячейке может быть не больше {_number(self.limits.cell)} (предел Excel)."
                )
        if number > 1 and not all(is_blank(v) for v in values):
            self.filled += 1
            if self.filled > self.limits.rows:
                raise ImportFileError(
                    f"Строк с данными в файле больше {_number(self.limits.rows)}: столько за один раз "
                    "не импортируется. Разделите файл на части."
                )


#: What a cell of the site's CSV export may start with behind the apostrophe that keeps Excel from
#: running it as a formula (exports.csv_safe); Excel itself drops that apostrophe, and so does the import.
_FORMULA_STARTS = frozenset("=+-@\t\r")


def _unmarked(value: str) -> str:
    return value[1:] if value[:1] == "'" and value[1:2] in _FORMULA_STARTS else value


def _trimmed(values) -> list:
    """A row without trailing blanks: Excel's formatted-but-empty cells cost nothing later."""
    values = list(values)
    while values and is_blank(values[-1]):
        values.pop()
    return values


TOO_BIG_UNZIPPED = (
    "Файл XLSX слишком велик в распакованном виде (больше {limit} МБ): это не обычная таблица — "
    "возможно, в ней огромные ячейки или миллионы пустых строк. Сохраните в новый файл только "
    "строки с данными."
)


class _Budget:
    def __init__(self, limit: int):
        self.limit, self.used = limit, 0

    def spend(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise ImportFileError(TOO_BIG_UNZIPPED.format(limit=_megabytes(self.limit)))


class _CappedStream(io.RawIOBase):
    """A member of the archive that stops being readable once its budget is spent.

    The sizes a ZIP declares can lie; what is really inflated is counted here.
    """

    def __init__(self, stream, budget: _Budget):
        self.stream, self.budget = stream, budget

    def readable(self):
        return True

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.budget.limit - self.budget.used + 1  # never more than one byte past the budget
        chunk = self.stream.read(min(size, self.budget.limit - self.budget.used + 1))
        self.budget.spend(len(chunk))
        return chunk

    def readinto(self, buffer):
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self):
        self.stream.close()
        super().close()


class _CappedZipFile(zipfile.ZipFile):
    """Each read of a member may inflate at most ``limit`` bytes (openpyxl reads a sheet twice)."""

    def __init__(self, file, limit: int):
        super().__init__(file)
        self.limit = limit

    def open(self, name, mode="r", pwd=None, **kwargs):
        stream = super().open(name, mode, pwd, **kwargs)
        return _CappedStream(stream, _Budget(self.limit)) if mode == "r" else stream


def _looks_like_html(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table", b"<head", b"<body"))


NOT_XLSX_HTML = (
    "Это веб-страница (HTML или XML), а не таблица Excel, хотя у файла расширение .xlsx или .csv "
    "(так иногда «выгружают в Excel» сайты и учётные системы). Откройте файл в Excel и сохраните его "
    "как «Книга Excel (.xlsx)»."
)


class _Reader:
    """openpyxl's ExcelReader on an archive opened here (it would open its own, uncapped)."""

    def __new__(cls, archive):
        from openpyxl.reader.excel import ExcelReader

        reader = ExcelReader.__new__(ExcelReader)
        # What ExcelReader.__init__ sets (openpyxl 3.1), with the archive whose reads are capped.
        reader.archive, reader.valid_files = archive, archive.namelist()
        reader.read_only, reader.keep_vba, reader.data_only = True, False, True
        reader.keep_links, reader.rich_text, reader.shared_strings = False, False, []
        return reader


def _open_workbook(data: bytes, limits: Limits):
    try:
        archive = _CappedZipFile(io.BytesIO(data), limits.unzipped)
        declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise ImportFileError(BROKEN_XLSX) from None
    if declared > limits.unzipped:
        raise ImportFileError(TOO_BIG_UNZIPPED.format(limit=_megabytes(limits.unzipped)))
    reader = _Reader(archive)
    try:
        reader.read()
    except Exception as exc:
        raise _file_error(exc, BROKEN_XLSX) from None
    return reader.wb


def _file_error(exc: Exception, otherwise: str) -> ImportFileError:
    """What to tell staff about an exception from openpyxl, which wraps the ones raised inside it."""
    while exc is not None:
        if isinstance(exc, ImportFileError):
            return exc
        if isinstance(exc, EntitiesForbidden):
            return ImportFileError(XML_ENTITIES)
        exc = exc.__cause__ or exc.__context__
    return ImportFileError(otherwise)


BROKEN_XLSX = (
    "Не удалось открыть файл как таблицу Excel (XLSX): он повреждён или это архив другого формата. "
    "Откройте его в Excel и сохраните как «Книга Excel (.xlsx)»."
)
XML_ENTITIES = (
    "В файле XLSX объявлены XML-сущности (DTD) — Excel так не сохраняет, а такие файлы используют для "
    "атак на сервер. Файл отклонён: откройте его в Excel и сохраните как «Книга Excel (.xlsx)»."
)


def read_xlsx(data: bytes, limits: Limits | None = None) -> tablib.Dataset:
    """The active sheet of an XLSX workbook: first row headers, cell values as Excel holds them."""
    limits = limits or Limits()
    if not data:
        raise ImportFileError(EMPTY_FILE)
    check_file_size(len(data), limits)
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(OLD_EXCEL)
    if _looks_like_html(data):
        raise ImportFileError(NOT_XLSX_HTML)
    if not data.startswith(ZIP_MAGIC):
        raise ImportFileError(
            "Файл не является таблицей Excel (XLSX): возможно, это другой файл с расширением .xlsx. "
            "Откройте его в Excel и сохраните как «Книга Excel (.xlsx)» или выберите формат CSV."
        )
    book = _open_workbook(data, limits)
    checker = _RowChecker(limits)
    try:
        sheet = book.active if hasattr(book.active, "iter_rows") else book.worksheets[0]
        sheet.reset_dimensions()  # some writers record wrong dimensions; read what is really there
        rows = sheet.iter_rows(values_only=True)
        headers = next(rows, None)
        if headers is None or all(is_blank(v) for v in headers):
            raise ImportFileError(
                "Первая строка листа пуста: в ней должны быть заголовки столбцов (например, «Название»)."
                if headers is not None
                else EMPTY_FILE
            )
        checker.check(1, headers)
        headers = _trimmed(headers)
        body, blanks = [], 0
        for number, values in enumerate(rows, start=2):
            checker.check(number, values)
            if all(is_blank(v) for v in values):
                blanks += 1  # kept only if a filled row follows, so row numbers stay right
                continue
            body += [[]] * blanks + [_trimmed(values)]
            blanks = 0
    except Exception as exc:
        raise _file_error(
            exc, "Не удалось прочитать лист таблицы Excel: файл повреждён. Сохраните его в Excel заново."
        ) from None
    finally:
        book.close()
    if not body:
        raise ImportFileError(NO_ROWS)
    return _dataset(list(headers), body)


#: The encodings staff may choose; ``None`` (automatic) accepts UTF-8, and Windows-1251 only if it reads
#: as Russian text.
ENCODINGS = {"utf-8": "UTF-8", "cp1251": "Windows-1251", "utf-16": "UTF-16"}
# What Russian text in Windows-1251 holds besides Russian letters: typography Excel and Word insert.
_RUSSIAN = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
_TYPOGRAPHY = set("«»—–№“”„‘’…•·°±§\u00a0")
_MIXED_WORD = re.compile(r"[^\W\d_]*(?:[a-zA-Z][а-яёА-ЯЁ]|[а-яёА-ЯЁ][a-zA-Z])[^\W\d_]*")
SAVE_AS_UTF8 = (
    "Сохраните таблицу в Excel как «CSV UTF-8 (разделитель — запятая)» или выберите кодировку явно."
)


def _position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    return f"байт {offset + 1}, строка {line}"


def _plausibly_russian(text: str) -> str | None:
    """``None`` if Windows-1251 text reads as Russian, else why not (a sample of what is odd)."""
    odd = sorted({ch for ch in text if ord(ch) > 127 and ch not in _RUSSIAN and ch not in _TYPOGRAPHY})
    if odd:
        return "символы " + " ".join(f"«{ch}»" for ch in odd[:5])
    mixed = _MIXED_WORD.search(text)
    if mixed:
        return f"слово «{mixed.group()}» из латинских и русских букв"
    return None


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """CSV text and the name of its encoding: UTF-8 (with or without a BOM), UTF-16 with a BOM, or
    Windows-1251 — chosen by staff, or accepted automatically only if it reads as Russian text.

    A file that is none of these is refused, with the first undecodable byte; nothing is guessed.
    """
    if encoding is None and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"  # Excel's «Unicode text»
    candidates = [encoding] if encoding else ["utf-8", "cp1251"]
    first_error = None
    for candidate in candidates:
        codec = "utf-8-sig" if candidate == "utf-8" else candidate
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
            continue
        if "\x00" in text or _controls(text) > max(16, len(text[:100_000]) // 100):
            raise ImportFileError(BINARY_CSV)
        if candidate == "cp1251" and encoding is None:
            odd = _plausibly_russian(text)
            if odd:
                where = _position(data, first_error.start) if first_error else ""
                raise ImportFileError(
                    f"Не удалось определить кодировку файла: это не UTF-8 (ошибка: {where}), а в "
                    f"Windows-1251 текст не похож на русский ({odd}). {SAVE_AS_UTF8}"
                )
        return text, ENCODINGS[candidate]
    if (
        _controls(data[:100_000].decode("latin-1")) > max(16, len(data[:100_000]) // 100)
        or b"\x00" in data[:100_000]
    ):
        raise ImportFileError(BINARY_CSV)
    name = ENCODINGS.get(encoding, encoding or "UTF-8")
    raise ImportFileError(
        f"Файл не в кодировке {name}: ошибка в позиции {_position(data, first_error.start)}. {SAVE_AS_UTF8}"
    )


def _controls(text: str) -> int:
    return sum(1 for ch in text[:100_000] if ord(ch) < 32 and ch not in "\t\r\n")


BINARY_CSV = (
    "Файл не похож на таблицу CSV: в нём двоичные данные, а не текст. "
    "Загрузите таблицу XLSX или CSV в кодировке UTF-8 или Windows-1251."
)


def sniff_delimiter(text: str) -> str:
    """``;`` for Russian Excel's CSV, ``,`` for most others, tab for TSV: whichever the header uses most."""
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(data: bytes, encoding: str | None = None, limits: Limits | None = None) -> tablib.Dataset:
    limits = limits or Limits()
    if isinstance(data, str):
        data = data.encode("utf-8")
    check_file_size(len(data), limits)
    if not data.strip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"):
        raise ImportFileError(EMPTY_FILE)
    if data.startswith(ZIP_MAGIC):
        raise ImportFileError(
            "Это файл Excel (XLSX), а выбран формат CSV. Выберите формат xlsx и загрузите файл снова."
        )
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(OLD_EXCEL)
    if _looks_like_html(data):
        raise ImportFileError(NOT_XLSX_HTML)
    text, used = decode_text(data, encoding)
    # The csv module's own field limit (128 KiB) is above Excel's cell limit, checked row by row below.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    checker, rows = _RowChecker(limits), []
    try:
        for number, row in enumerate(reader, start=1):
            checker.check(number, row)
            if rows or not all(is_blank(v) for v in row):  # blank lines above the headers are dropped
                rows.append(_trimmed(map(_unmarked, row)))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportFileError(
                f"В строке {reader.line_num} ячейка длиннее {_number(limits.cell)} символов (предел "
                "Excel) — или в файле не закрыта кавычка. Проверьте кавычки или загрузите XLSX."
            ) from None
        raise ImportFileError(
            f"Не удалось разобрать CSV ({exc}). Проверьте кавычки и разделители или загрузите XLSX."
        ) from None
    if not rows:
        raise ImportFileError(EMPTY_FILE)
    headers, body = rows[0], rows[1:]
    if not any(not all(is_blank(v) for v in row) for row in body):
        raise ImportFileError(NO_ROWS)
    dataset = _dataset(headers, body)
    if used != "UTF-8":
        dataset.import_notes = [f"Файл прочитан в кодировке {used}."]
    return dataset


class CSV(base_formats.CSV):
    """CSV read as bytes, so the encoding (UTF-8 or Windows-1251) and the delimiter are detected."""

    #: ``None``: detected (see :func:`decode_text`); the subclasses below are staff's explicit choice.
    source_encoding = None

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        return read_csv(in_stream, encoding=self.source_encoding)

    def export_data(self, dataset, **kwargs):
        # A byte-order mark, so Excel opens the Cyrillic text as UTF-8.
        return "\ufeff" + super().export_data(dataset, **kwargs)


class CSVWindows1251(CSV):
    source_encoding = "cp1251"

    def get_title(self):
        return "csv (Windows-1251)"

    def can_export(self):
        return False


class CSVUTF8(CSV):
    source_encoding = "utf-8"

    def get_title(self):
        return "csv (UTF-8)"

    def can_export(self):
        return False


class XLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        return read_xlsx(in_stream)


# The admin's format choices carry the encoding into the confirm step (its form keeps only the format);
# CSV and XLSX stay first, so their positions (0, 1) do not change.
IMPORT_FORMATS = [CSV, XLSX, CSVUTF8, CSVWindows1251]
# The library's own XLSX class for export: it alone gets native cell types (dates, numbers).
EXPORT_FORMATS = [CSV, base_formats.XLSX]
CSV_ENCODINGS = {None: CSV, "utf-8": CSVUTF8, "cp1251": CSVWindows1251}


def format_for_file(name: str, head: bytes = b""):
    """The import format for a file name, falling back to its content (a ZIP archive is XLSX)."""
    suffix = Path(name or "").suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return XLSX
    if suffix in {".csv", ".txt", ".tsv"}:
        return CSV
    if suffix == ".xls" or head.startswith(OLE_MAGIC):
        raise ImportFileError(OLD_EXCEL)
    return XLSX if head.startswith(ZIP_MAGIC) else CSV


def read_file(path, encoding: str | None = None) -> tablib.Dataset:
    """A file on disk (the command): its size is checked before anything is read."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError
        check_file_size(size, Limits())
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"Файл не найден: {path}") from None
    except IsADirectoryError:
        raise ImportFileError(f"Это папка, а не файл: {path}") from None
    except OSError as exc:
        raise ImportFileError(f"Не удалось прочитать файл {path}: {exc.strerror}") from None
    fmt = format_for_file(path.name, data[:8])
    if fmt is CSV:
        fmt = CSV_ENCODINGS[encoding]
    elif encoding:
        raise ImportFileError(
            "Кодировку указывают только для CSV: в файле XLSX она своя, указывать её не нужно."
        )
    return fmt().create_dataset(data)
