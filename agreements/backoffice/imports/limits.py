"""What every reader of an uploaded file shares: :class:`ImportFileError`, the messages about a file
as a whole, the bounds on reading (:class:`Limits`, :class:`RowChecker`) and the Dataset it ends in.
"""

import tablib
from django.conf import settings

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


def dataset_of(headers: list, rows: list[list]) -> tablib.Dataset:
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


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",").replace(",0", "")


def check_file_size(size: int, limits: Limits) -> None:
    if size > limits.file_size:
        raise ImportFileError(
            f"Файл весит {megabytes(size)} МБ, а импорт читает файлы не больше "
            f"{megabytes(limits.file_size)} МБ. Разделите таблицу на несколько файлов."
        )


def number_text(value: int) -> str:
    return f"{value:,}".replace(",", " ")  # 32 767, as Russian text writes it


def cell_address(row: int, column: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"


class RowChecker:
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
                    f"Ячейка {cell_address(number, column)} слишком длинная: "
                    f"{number_text(len(value))} символов, а в ячейке может быть не больше "
                    f"{number_text(self.limits.cell)} (предел Excel)."
                )
        if number > 1 and not all(is_blank(v) for v in values):
            self.filled += 1
            if self.filled > self.limits.rows:
                raise ImportFileError(
                    f"Строк с данными в файле больше {number_text(self.limits.rows)}: столько за один раз "
                    "не импортируется. Разделите файл на части."
                )


#: What a cell of the site's CSV export may start with behind the apostrophe that keeps Excel from
#: running it as a formula (exports.csv_safe); Excel itself drops that apostrophe, and so does the import.
def trimmed(values) -> list:
    """A row without trailing blanks: Excel's formatted-but-empty cells cost nothing later."""
    values = list(values)
    while values and is_blank(values[-1]):
        values.pop()
    return values


def looks_like_html(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table", b"<head", b"<body"))


NOT_XLSX_HTML = (
    "Это веб-страница (HTML или XML), а не таблица Excel, хотя у файла расширение .xlsx или .csv "
    "(так иногда «выгружают в Excel» сайты и учётные системы). Откройте файл в Excel и сохраните его "
    "как «Книга Excel (.xlsx)»."
)
