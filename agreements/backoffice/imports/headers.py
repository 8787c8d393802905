"""The first row of an import: which column each header names, or a message saying what is wrong.

Headers may be Russian column names, field names or English names, in any case; a file with unknown,
unnamed, repeated or missing columns is refused as a whole
(:class:`~agreements.imports.files.ImportFileError`).
Mixed into ``RegistryResource`` (see :mod:`agreements.imports.base`).
"""

from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.text import capfirst
from openpyxl.utils import get_column_letter

from agreements.backoffice.imports.cells import cell_text, is_blank, name_key
from agreements.backoffice.imports.files import ImportFileError


def header_key(value) -> str:
    return name_key(cell_text(value).strip().rstrip("*:").strip())


def quoted_list(items, limit=8) -> str:
    items = list(items)
    shown = ", ".join(f"«{item}»" for item in items[:limit])
    return shown + (f" и ещё {len(items) - limit}" if len(items) > limit else "")


class HeaderProblems:
    """What is wrong with a file's headers, collected header by header."""

    def __init__(self):
        self.unknown: list[str] = []  # «header» (letter)
        self.unnamed: list[str] = []  # letters of columns with data but no header
        self.repeated: list[str] = []  # columns named twice
        self.missing: list[str] = []  # required columns absent

    def messages(self) -> list[str]:
        problems = []
        if self.missing:
            problems.append(f"В файле нет обязательных столбцов: {quoted_list(self.missing)}.")
        if self.unknown:
            more = f" и ещё {len(self.unknown) - 5}" if len(self.unknown) > 5 else ""
            problems.append(f"Неизвестные столбцы: {', '.join(self.unknown[:5])}{more}.")
        if self.unnamed:
            problems.append(
                f"У столбцов {', '.join(self.unnamed[:5])} нет заголовка, но есть данные: "
                "подпишите их или удалите."
            )
        if self.repeated:
            problems.append(f"Столбцы повторяются: {quoted_list(sorted(set(self.repeated)))}.")
        return problems


class ColumnHeaders:
    """Reading the header row: the Resource's fields under every name staff may give them."""

    # Headers

    def header_aliases(self) -> dict[str, str]:
        model = self.model
        aliases = {}
        for name, field in self.fields.items():
            spellings = [field.column_name, name, field.attribute, *self.extra_aliases.get(name, ())]
            try:
                model_field = model._meta.get_field(field.attribute)
            except FieldDoesNotExist:
                model_field = None
            if model_field is not None and hasattr(model_field, "verbose_name"):
                for language in ("ru", "en"):
                    with translation.override(language):
                        spellings.append(str(model_field.verbose_name))
            for spelling in spellings:
                if spelling:
                    aliases.setdefault(header_key(spelling), field.column_name)
        return aliases

    def other_columns(self) -> dict[str, tuple[str | None, str]]:
        """Headers that name no field but are known: header key → (pseudo-column, or ``None`` for
        a column ignored, and the preview's note on it, with ``{header}`` and ``{letter}``)."""
        return {}

    def error_columns(self) -> dict[str, str]:
        """Error keys (field and attribute names) to the column headers staff see."""
        columns = dict(self.other_headers)
        for name, field in self.fields.items():
            columns[name] = field.column_name
            if field.attribute:
                columns.setdefault(field.attribute, field.column_name)
        with translation.override("ru"):
            for model_field in self.model._meta.get_fields():
                if hasattr(model_field, "verbose_name"):
                    columns.setdefault(model_field.name, capfirst(str(model_field.verbose_name)))
        return columns

    def read_headers(self, dataset) -> list:
        """The column of each header (``None`` for blank ones), or ImportFileError naming what is wrong."""
        aliases, others = self.header_aliases(), self.other_columns()
        columns, found = [], HeaderProblems()
        self.other_headers = {}
        for position, header in enumerate(dataset.headers or []):
            letter = get_column_letter(position + 1)
            if is_blank(header):
                if any(not is_blank(values[position]) for values in dataset):
                    found.unnamed.append(letter)
                column = None
            elif header_key(header) in others and header_key(header) not in aliases:
                column = self.other_header(header, letter, others[header_key(header)], found)
            else:
                column = self.field_header(header, letter, aliases, columns, found)
            columns.append(column)
        required = [self.fields[name].column_name for name in self.required_columns]
        found.missing = [column for column in required if column not in columns]
        problems = found.messages()
        if problems:
            expected = quoted_list([field.column_name for field in self.get_import_fields()], limit=30)
            problems.append(
                f"Первая строка должна содержать заголовки: {expected} (или имена полей, например title)."
            )
            raise ImportFileError(" ".join(problems))
        return columns

    def other_header(self, header, letter: str, known: tuple, found: HeaderProblems):
        """The pseudo-column of a known header that names no field (noted on the preview), or ``None``."""
        column, note = known
        text = cell_text(header).strip()
        if column in self.other_headers:
            found.repeated.append(text)
            column = None
        elif column:
            self.other_headers[column] = text
        self.notes.append(note.format(header=text, letter=letter))
        return column

    @staticmethod
    def field_header(header, letter: str, aliases: dict, columns: list, found: HeaderProblems):
        """The field column a header names, or ``None`` (unknown, or named already)."""
        column = aliases.get(header_key(header))
        if column is None:
            found.unknown.append(f"«{cell_text(header).strip()}» ({letter})")
        elif column in columns:
            found.repeated.append(column)
            column = None
        return column
