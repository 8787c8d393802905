"""An import's outcome for staff: every error as a :class:`Problem` with its spreadsheet row and column.

django-import-export counts rows from the first data row and names fields; staff see row numbers
as in Excel (the header is row 1) and the column headers of their file.
"""

from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError
from import_export.results import Result, RowResult

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


class ImportResult(Result):
    """django-import-export's Result that also knows spreadsheet row numbers and column headers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_rows: list[int] = []
        self.columns: dict[str, str] = {}
        self.notes: list[str] = []  # what staff should know about how the file was read (its encoding)

    def attach(self, resource) -> None:
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
        found = [Problem(None, "", error_message(error.error)) for error in self.base_errors]
        by_row = []
        for invalid in self.invalid_rows:
            for key, texts in invalid.error_dict.items():
                column = "" if key == NON_FIELD_ERRORS else self.columns.get(key, key)
                by_row += [(invalid.number, column, text) for text in texts]
        for error_row in self.error_rows:
            by_row += [(error_row.number, "", error_message(error.error)) for error in error_row.errors]
        by_row.sort(key=lambda item: item[0])
        found += [Problem(self.file_row(number), column, text) for number, column, text in by_row]
        return found

    @property
    def counts(self) -> dict[str, int]:
        return {
            "new": self.totals[RowResult.IMPORT_TYPE_NEW],
            "update": self.totals[RowResult.IMPORT_TYPE_UPDATE],
            "skip": self.totals[RowResult.IMPORT_TYPE_SKIP],
            "invalid": self.totals[RowResult.IMPORT_TYPE_INVALID] + self.totals[RowResult.IMPORT_TYPE_ERROR],
        }

    @property
    def failed(self) -> bool:
        return self.has_errors() or self.has_validation_errors()
