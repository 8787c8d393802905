"""An import's outcome for staff: every error as a :class:`Problem` with its spreadsheet row and column.

django-import-export counts rows from the first data row and names fields; staff see row numbers
as in Excel (the header is row 1) and the column headers of their file.

Only the documented members of the library's results are read (``Result.rows``, ``has_errors()``,
``has_validation_errors()``; ``RowResult.import_type``, ``validation_error``, ``errors``); the row
number, the spreadsheet row and the file's own errors are kept by the classes here, which the Resource
hands to the library through its documented ``get_*_class`` hooks.
"""

from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError
from import_export.results import Error, Result, RowResult

from agreements.backoffice.imports.files import ImportFileError


@dataclass(frozen=True)
class Problem:
    """One error of an import: ``row`` is the spreadsheet row (the header is row 1)."""

    row: int | None
    column: str
    message: str

    def __str__(self):
        where = []
        if self.row:
            where.append(f"Строка {self.row}")
        if self.column:
            where.append(f"столбец «{self.column}»")
        return f"{', '.join(where)}: {self.message}" if where else self.message


def error_message(error: BaseException) -> str:
    """A staff-readable sentence for an exception raised while importing."""
    if isinstance(error, ImportFileError):
        return error.message
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, DatabaseError):
        return f"База данных отклонила строку: {error}"
    return f"Непредвиденная ошибка ({type(error).__name__}): {error}"


class RegistryRowResult(RowResult):
    """A row's result that knows which row it is: ``number`` as the library counts data rows (from 1),
    ``file_row`` as staff see it in Excel. Set by ``RegistryResource.import_row``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.number: int | None = None
        self.file_row: int | None = None


class RowError(Error):
    """An error the library caught while importing: the exception is kept as ``exception``."""

    def __init__(self, error, *args, **kwargs):
        super().__init__(error, *args, **kwargs)
        self.exception = error


def error_dict(error: ValidationError) -> dict:
    """A row's validation error as column key → messages (what Django's ``message_dict`` gives)."""
    try:
        return error.message_dict
    except AttributeError:
        return {NON_FIELD_ERRORS: error.messages}


#: A file whose import failed as a whole without saying why (nothing else to report).
FAILED = "Импорт не выполнен: файл не удалось обработать."


class ImportResult(Result):
    """django-import-export's Result that also knows spreadsheet row numbers and column headers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_rows: list[int] = []
        self.columns: dict[str, str] = {}
        self.notes: list[str] = []  # what staff should know about how the file was read (its encoding)
        self.file_errors: list[BaseException] = []  # the file's own errors, kept by the Resource

    def attach(self, resource) -> None:
        self.file_errors = list(resource.file_errors)
        self.file_rows = list(resource.file_rows)
        self.columns = resource.error_columns()
        self.notes = list(resource.notes)

    def file_row(self, number):
        """The spreadsheet row of the ``number``-th imported row (1-based), as django-import-export counts."""
        if number is None:
            return None
        if 0 < number <= len(self.file_rows):
            return self.file_rows[number - 1]
        return number + 1

    def problems(self) -> list[Problem]:
        found = [Problem(None, "", error_message(error)) for error in self.file_errors]
        by_row = []
        for row in self.rows:  # every row is kept: the Resources report skipped rows too
            number = getattr(row, "number", None)
            if row.validation_error is not None:
                for key, texts in error_dict(row.validation_error).items():
                    column = "" if key == NON_FIELD_ERRORS else self.columns.get(key, key)
                    by_row += [(number, column, text) for text in texts]
            by_row += [(number, "", error_message(self.exception(error))) for error in row.errors]
        by_row.sort(key=lambda item: item[0] or 0)
        found += [Problem(self.file_row(number), column, text) for number, column, text in by_row]
        if not found and self.has_errors():
            found.append(Problem(None, "", FAILED))
        return found

    @staticmethod
    def exception(error) -> BaseException:
        return error.exception if isinstance(error, RowError) else error

    @property
    def counts(self) -> dict[str, int]:
        kinds = [row.import_type for row in self.rows]
        return {
            "new": kinds.count(RowResult.IMPORT_TYPE_NEW),
            "update": kinds.count(RowResult.IMPORT_TYPE_UPDATE),
            "skip": kinds.count(RowResult.IMPORT_TYPE_SKIP),
            "invalid": kinds.count(RowResult.IMPORT_TYPE_INVALID) + kinds.count(RowResult.IMPORT_TYPE_ERROR),
        }

    @property
    def failed(self) -> bool:
        return self.has_errors() or self.has_validation_errors()
