"""Reading an XLSX workbook's active sheet with openpyxl, its archive capped while it is inflated
(a zip bomb ends with a message), XML entities refused.
"""

import io
import zipfile

import tablib
from defusedxml import EntitiesForbidden

from agreements.backoffice.imports.cells import is_blank
from agreements.backoffice.imports.limits import (
    EMPTY_FILE,
    NO_ROWS,
    NOT_XLSX_HTML,
    OLD_EXCEL,
    OLE_MAGIC,
    ZIP_MAGIC,
    ImportFileError,
    Limits,
    RowChecker,
    check_file_size,
    dataset_of,
    looks_like_html,
    megabytes,
    trimmed,
)

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
            raise ImportFileError(TOO_BIG_UNZIPPED.format(limit=megabytes(self.limit)))


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
        raise ImportFileError(TOO_BIG_UNZIPPED.format(limit=megabytes(limits.unzipped)))
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
    if looks_like_html(data):
        raise ImportFileError(NOT_XLSX_HTML)
    if not data.startswith(ZIP_MAGIC):
        raise ImportFileError(
            "Файл не является таблицей Excel (XLSX): возможно, это другой файл с расширением .xlsx. "
            "Откройте его в Excel и сохраните как «Книга Excel (.xlsx)» или выберите формат CSV."
        )
    book = _open_workbook(data, limits)
    checker = RowChecker(limits)
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
        headers = trimmed(headers)
        body, blanks = [], 0
        for number, values in enumerate(rows, start=2):
            checker.check(number, values)
            if all(is_blank(v) for v in values):
                blanks += 1  # kept only if a filled row follows, so row numbers stay right
                continue
            body += [[]] * blanks + [trimmed(values)]
            blanks = 0
    except Exception as exc:
        raise _file_error(
            exc, "Не удалось прочитать лист таблицы Excel: файл повреждён. Сохраните его в Excel заново."
        ) from None
    finally:
        book.close()
    if not body:
        raise ImportFileError(NO_ROWS)
    return dataset_of(list(headers), body)


#: The encodings staff may choose; ``None`` (automatic) accepts UTF-8, and Windows-1251 only if it reads
#: as Russian text.
