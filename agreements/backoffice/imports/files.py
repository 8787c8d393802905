"""Reading an uploaded spreadsheet into a ``tablib.Dataset``: XLSX or CSV, whatever Excel saved.

A file is the unit that can fail as a whole (empty, old ``.xls``, binary, HTML, unreadable encoding,
too big): that raises :class:`ImportFileError` with a message shown to staff as is. Reading is
bounded while it happens (:class:`Limits`: file size, unzipped size, rows, columns, cell length), so a
hostile file ends with a message, not with the worker's memory. CSV is UTF-8, UTF-16 with a BOM, or
Windows-1251 when it reads as Russian or staff chose it — never guessed silently; its delimiter is
sniffed. The formats here are the ones the admin offers; the readers are in :mod:`.limits`,
:mod:`.xlsx` and :mod:`.csv_text`.
"""

from pathlib import Path

import tablib
from import_export.formats import base_formats

from agreements.backoffice.imports.csv_text import decode_text, read_csv, sniff_delimiter
from agreements.backoffice.imports.limits import (
    EMPTY_FILE,
    NO_ROWS,
    OLD_EXCEL,
    OLE_MAGIC,
    ZIP_MAGIC,
    ImportFileError,
    Limits,
    check_file_size,
)
from agreements.backoffice.imports.xlsx import _CappedZipFile, read_xlsx

__all__ = [
    "CSV",
    "CSVUTF8",
    "CSV_ENCODINGS",
    "EMPTY_FILE",
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "NO_ROWS",
    "OLD_EXCEL",
    "XLSX",
    "CSVWindows1251",
    "ImportFileError",
    "Limits",
    "_CappedZipFile",
    "check_file_size",
    "decode_text",
    "format_for_file",
    "read_csv",
    "read_file",
    "read_xlsx",
    "sniff_delimiter",
]


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
