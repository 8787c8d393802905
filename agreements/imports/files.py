"""Reading an uploaded spreadsheet into a ``tablib.Dataset``: XLSX or CSV, whatever Excel saved.

A file is the unit that can fail as a whole (empty, old ``.xls``, binary, unreadable encoding): that
raises :class:`ImportFileError` with a message shown to staff as is. CSV is decoded from UTF-8 or
Windows-1251 and its delimiter sniffed; the formats here are the ones the admin offers.
"""

import csv
import io
from pathlib import Path

import tablib
from import_export.formats import base_formats

from .cells import is_blank


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


def read_xlsx(data: bytes) -> tablib.Dataset:
    """The active sheet of an XLSX workbook: first row headers, cell values as Excel holds them."""
    import openpyxl

    if not data:
        raise ImportFileError(EMPTY_FILE)
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(OLD_EXCEL)
    if not data.startswith(ZIP_MAGIC):
        raise ImportFileError(
            "Файл не является таблицей Excel (XLSX): возможно, это другой файл с расширением .xlsx. "
            "Откройте его в Excel и сохраните как «Книга Excel (.xlsx)» или выберите формат CSV."
        )
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ImportFileError(
            "Не удалось открыть файл как таблицу Excel (XLSX): он повреждён или это архив другого формата. "
            "Откройте его в Excel и сохраните как «Книга Excel (.xlsx)»."
        ) from None
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
        body, blanks = [], 0
        for values in rows:
            if all(is_blank(v) for v in values):
                blanks += 1  # kept only if a filled row follows, so row numbers stay right
                continue
            body += [[]] * blanks + [list(values)]
            blanks = 0
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(
            "Не удалось прочитать лист таблицы Excel: файл повреждён. Сохраните его в Excel заново."
        ) from None
    finally:
        book.close()
    if not body:
        raise ImportFileError(NO_ROWS)
    return _dataset(list(headers), body)


def decode_text(data: bytes) -> str:
    """CSV text in UTF-8 (with or without a BOM) or Windows-1251, as Russian Excel saves it.

    Excel's «Unicode text» (UTF-16 with a byte-order mark, tab-separated) is read too.
    """
    encodings = ("utf-16",) if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "cp1251")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text[:100_000] if ord(ch) < 32 and ch not in "\t\r\n")
        if "\x00" in text or controls > len(text[:100_000]) // 100:
            break
        return text
    raise ImportFileError(
        "Файл не похож на таблицу CSV: в нём двоичные данные, а не текст. "
        "Загрузите таблицу XLSX или CSV в кодировке UTF-8 или Windows-1251."
    )


def sniff_delimiter(text: str) -> str:
    """``;`` for Russian Excel's CSV, ``,`` for most others, tab for TSV: whichever the header uses most."""
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(data: bytes) -> tablib.Dataset:
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data.strip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"):
        raise ImportFileError(EMPTY_FILE)
    if data.startswith(ZIP_MAGIC):
        raise ImportFileError(
            "Это файл Excel (XLSX), а выбран формат CSV. Выберите формат xlsx и загрузите файл снова."
        )
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(OLD_EXCEL)
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        rows = [list(row) for row in reader]
    except csv.Error as exc:
        raise ImportFileError(
            f"Не удалось разобрать CSV ({exc}). Проверьте кавычки и разделители или загрузите XLSX."
        ) from None
    while rows and all(is_blank(v) for v in rows[0]):
        rows.pop(0)
    if not rows:
        raise ImportFileError(EMPTY_FILE)
    headers, body = rows[0], rows[1:]
    if not any(not all(is_blank(v) for v in row) for row in body):
        raise ImportFileError(NO_ROWS)
    return _dataset(headers, body)


class CSV(base_formats.CSV):
    """CSV read as bytes, so the encoding (UTF-8 or Windows-1251) and the delimiter are detected."""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        return read_csv(in_stream)

    def export_data(self, dataset, **kwargs):
        # A byte-order mark, so Excel opens the Cyrillic text as UTF-8.
        return "\ufeff" + super().export_data(dataset, **kwargs)


class XLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        return read_xlsx(in_stream)


IMPORT_FORMATS = [CSV, XLSX]
# The library's own XLSX class for export: it alone gets native cell types (dates, numbers).
EXPORT_FORMATS = [CSV, base_formats.XLSX]


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


def read_file(path) -> tablib.Dataset:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"Файл не найден: {path}") from None
    except IsADirectoryError:
        raise ImportFileError(f"Это папка, а не файл: {path}") from None
    except OSError as exc:
        raise ImportFileError(f"Не удалось прочитать файл {path}: {exc.strerror}") from None
    return format_for_file(path.name, data[:8])().create_dataset(data)
