"""Helpers for the staff spreadsheet import: reading files, parsing cells, matching references, reporting.

The Resources in ``agreements.resources`` describe the columns; this module holds what they share with
the admin and the ``import_agreements`` command. Every problem a staff member can cause is reported as
a Russian sentence naming the row and the column, never as a traceback:

* a file that cannot be read raises :class:`ImportFileError` (wrong format, empty, binary garbage);
* a cell that cannot be understood raises ``ValueError`` from the widget, which django-import-export
  turns into a row's validation error;
* :class:`ImportResult` turns everything the import collected into :class:`Problem` rows.
"""

import csv
import difflib
import io
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import tablib
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ImportForm
from import_export.results import Result, RowResult

# --- Errors ---------------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message is shown to staff as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


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

    def attach(self, resource) -> None:
        self.file_rows = list(resource.file_rows)
        self.columns = resource.error_columns()

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


# --- Reading files --------------------------------------------------------------------------

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 (.xls)
EMPTY_FILE = "Файл пуст: в нём нет ни заголовков, ни строк."
NO_ROWS = "В файле нет строк с данными: только заголовки. Заполните строки под заголовками."
OLD_EXCEL = "Это файл старого формата Excel (.xls). Сохраните его как «Книга Excel (.xlsx)» или CSV."


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _dataset(headers: list, rows: list[list]) -> tablib.Dataset:
    """A rectangular Dataset: short rows padded, trailing blank rows dropped, headers widened."""
    while rows and all(_blank(v) for v in rows[-1]):
        rows.pop()
    width = max([len(headers), *(len(row) for row in rows)])
    headers = list(headers) + [None] * (width - len(headers))
    # Columns with neither a header nor a value (Excel's formatted-but-empty columns) are dropped.
    keep = [
        i
        for i in range(width)
        if not _blank(headers[i]) or any(i < len(row) and not _blank(row[i]) for row in rows)
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
        if headers is None or all(_blank(v) for v in headers):
            raise ImportFileError(
                "Первая строка листа пуста: в ней должны быть заголовки столбцов (например, «Название»)."
                if headers is not None
                else EMPTY_FILE
            )
        body, blanks = [], 0
        for values in rows:
            if all(_blank(v) for v in values):
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
    while rows and all(_blank(v) for v in rows[0]):
        rows.pop(0)
    if not rows:
        raise ImportFileError(EMPTY_FILE)
    headers, body = rows[0], rows[1:]
    if not any(not all(_blank(v) for v in row) for row in body):
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


# --- Cells ----------------------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates as ISO, blanks as ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def is_blank(value) -> bool:
    return _blank(value)


_DATE_PATTERNS = [
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?"), ("y", "m", "d")),
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), ("d", "m", "y")),
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})"), ("d", "m", "y")),
]
DATE_FORMATS_HELP = "ГГГГ-ММ-ДД (2016-10-03), ДД.ММ.ГГГГ (03.10.2016) или ДД/ММ/ГГГГ (03/10/2016)"


def parse_date(value) -> date | None:
    """A date from an Excel date cell or text in one of :data:`DATE_FORMATS_HELP`."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        raise ValueError(
            f"«{cell_text(value)}» — число, а не дата. Укажите дату в формате {DATE_FORMATS_HELP} "
            "или задайте ячейке формат «Дата»."
        )
    text = str(value).strip()
    for pattern, order in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            parts = dict(zip(order, map(int, match.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                raise ValueError(f"Даты «{text}» не существует: проверьте день и месяц.") from None
    raise ValueError(f"Не удалось прочитать дату «{text}». Укажите её в формате {DATE_FORMATS_HELP}.")


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")


def parse_decimal(value) -> Decimal | None:
    """A number from a number cell or text like ``1 500 000,50`` or ``1,500,000.50``."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("Ожидается число, а не «да/нет».")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = _SPACES.sub("", str(value))
        if "," in text and "." in text:
            # The later mark is the decimal separator, the other one groups thousands.
            thousands = "," if text.rfind(".") > text.rfind(",") else "."
            text = text.replace(thousands, "").replace(",", ".")
        elif text.count(",") > 1:
            text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(
                f"«{str(value).strip()}» — не число. Укажите сумму цифрами, например 1500000 "
                "или 1 500 000,50; валюту — в отдельном столбце."
            ) from None
    if not number.is_finite():
        raise ValueError(f"«{str(value).strip()}» — не число.")
    return number


TRUE_WORDS = {"да", "д", "yes", "y", "true", "истина", "1", "+", "опубликовано", "published"}
FALSE_WORDS = {"нет", "н", "no", "n", "false", "ложь", "0", "-", "черновик", "draft"}


def parse_bool(value) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = cell_text(value).strip().casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"Не понятно, что значит «{cell_text(value).strip()}»: укажите «да» или «нет».")


_LIST_SEPARATORS = re.compile(r"[;\n]")


def split_list(value, commas=False) -> list[str]:
    """Entries of a list cell: separated by ``;`` or line breaks (and commas, for code-only columns)."""
    if is_blank(value):
        return []
    pattern = r"[;\n,]" if commas else _LIST_SEPARATORS
    return [entry.strip() for entry in re.split(pattern, cell_text(value)) if entry.strip()]


QUOTES = '«»"“”„‟‹›'
_QUOTE_TABLE = {ord(ch): " " for ch in QUOTES}


def name_key(text) -> str:
    """A name for matching: case-, quote-style- and spacing-insensitive, «ё» read as «е»."""
    text = cell_text(text).translate(_QUOTE_TABLE)
    return " ".join(text.split()).casefold().replace("ё", "е")


def choice_lookup(choices) -> dict[str, str]:
    """Value, Russian label and English label of each choice, case-insensitively, to its value."""
    lookup = {}
    for value, label in choices.choices:
        lookup[name_key(value)] = value
        for language in ("en", "ru"):
            with translation.override(language):
                lookup[name_key(str(label))] = value
    return lookup


def russian_label(choices, value) -> str:
    with translation.override("ru"):
        return str(choices(value).label) if value in choices.values else cell_text(value)


def russian_labels(choices) -> list[str]:
    with translation.override("ru"):
        return [str(label) for label in choices.labels]


# --- Reference data: one lookup table per import -------------------------------------------


class NotFound(LookupError):
    pass


class NameIndex:
    """Objects by exact codes (tried first) and by normalised names; reports ambiguity."""

    def __init__(self):
        self.codes: dict[str, object] = {}
        self.names: dict[str, dict] = defaultdict(dict)
        self.spellings: dict[str, str] = {}  # normalised name -> the name as written

    def add_code(self, code, obj):
        if code:
            self.codes[name_key(code)] = obj

    def add_name(self, name, obj):
        if name:
            self.names[name_key(name)][obj.pk] = obj
            self.spellings.setdefault(name_key(name), name)

    def find(self, text):
        """The object, ``None`` if nothing matches, or a list of candidates if several do."""
        key = name_key(text)
        if key in self.codes:
            return self.codes[key]
        found = list(self.names.get(key, {}).values())
        if len(found) == 1:
            return found[0]
        return found or None

    def suggestions(self, text, limit=3) -> list[str]:
        """Names close to a misspelt one (codes are too alike to suggest from)."""
        close = difflib.get_close_matches(name_key(text), list(self.spellings), n=limit, cutoff=0.8)
        return [self.spellings[key] for key in close]


def _quoted(items) -> str:
    return ", ".join(f"«{item}»" for item in items)


class References:
    """Regions, sectors, countries, forums, sources and parties, loaded once per import or export."""

    def __init__(self):
        self._cache = {}

    def reset(self):
        self._cache.clear()

    def _index(self, kind):
        if kind not in self._cache:
            self._cache[kind] = getattr(self, f"_load_{kind}")()
        return self._cache[kind]

    # Loaders

    def _load_regions(self):
        from .models import Region

        index = NameIndex()
        for region in Region.objects.all():
            index.add_code(region.code, region)
            for name in (region.name_ru, region.name_en, region.name_kk):
                index.add_name(name, region)
            with translation.override("ru"):
                index.add_name(str(region), region)
        return index

    def _load_countries(self):
        from .models import Country

        index = NameIndex()
        for country in Country.objects.all():
            index.add_code(country.code, country)
            index.add_name(country.name_ru, country)
            index.add_name(country.name_en, country)
        return index

    def _load_sectors(self):
        from .models import Sector

        index = NameIndex()
        for sector in Sector.objects.all():
            index.add_code(sector.code, sector)
            index.add_name(sector.name_ru, sector)
            index.add_name(sector.name_en, sector)
        return index

    def _load_forums(self):
        from .models import Forum

        index = NameIndex()
        for forum in Forum.objects.all():
            index.add_code(forum.slug, forum)
            index.add_name(forum.title, forum)
        return index

    def _load_sources(self):
        from .models import Source

        index = NameIndex()
        for source in Source.objects.all():
            index.add_code(source.slug, source)
            index.add_name(source.title, source)
        return index

    def _load_parties(self):
        from .models import Party

        return PartyMatcher(Party.objects.prefetch_related("aliases"))

    # Lookups: each returns the object or raises NotFound with a Russian message.

    def _find(self, kind, text, not_found, ambiguous):
        index = self._index(kind)
        found = index.find(text)
        if found is None:
            close = index.suggestions(text)
            maybe = f" Похожие: {_quoted(close)}." if close else ""
            raise NotFound(not_found.format(text=text) + maybe)
        if isinstance(found, list):
            raise NotFound(ambiguous.format(text=text, options=_quoted(str(obj) for obj in found)))
        return found

    def region(self, text):
        match = re.search(r"\(([A-Za-z]{2}-[A-Za-z0-9]{1,3})\)\s*$", text)  # «Жамбылская область (KZ-31)»
        return self._find(
            "regions",
            match.group(1) if match else text,
            "Регион «{text}» не найден: укажите код ISO 3166-2 (например, KZ-31) "
            "или название из справочника.",
            "Регион «{text}» неоднозначен: подходят {options}. Укажите код ISO 3166-2.",
        )

    def country(self, text):
        return self._find(
            "countries",
            text,
            "Страна «{text}» не найдена: укажите код ISO 3166-1 alpha-2 (например, KZ, RU).",
            "Страна «{text}» неоднозначна: подходят {options}. Укажите код.",
        )

    def sector(self, text):
        code = nace_code(text)
        sector = self._find(
            "sectors",
            code or text,
            "Отрасль «{text}» не найдена: укажите код NACE — раздел (C) или подраздел (21).",
            "Отрасль «{text}» неоднозначна: подходят {options}. Укажите код NACE.",
        )
        section = re.match(r"^\s*([A-Ua-u])\s*[.\-]?\s*\d", cell_text(text))
        if code and section and sector.parent_id and sector.parent.code != section.group(1).upper():
            raise NotFound(
                f"Подраздел {sector.code} входит в раздел {sector.parent.code}, "
                f"а не в {section.group(1).upper()}."
            )
        return sector

    def forum(self, text):
        return self._find(
            "forums",
            text,
            "Форум «{text}» не найден: укажите адрес (slug) или название существующего форума.",
            "Форум «{text}» неоднозначен: подходят {options}. Укажите адрес (slug).",
        )

    def source(self, text):
        return self._find(
            "sources",
            text,
            "Источник «{text}» не найден: укажите адрес (slug) существующего источника.",
            "Источник «{text}» неоднозначен: подходят {options}. Укажите адрес (slug).",
        )

    @property
    def parties(self) -> "PartyMatcher":
        return self._index("parties")


def nace_code(text) -> str | None:
    """``C`` → ``C``; ``21``, ``C21``, ``C.21`` → ``21``; ``8`` (a number cell) → ``08``; else ``None``."""
    text = cell_text(text).strip()
    text = re.split(r"\s+[—–-]\s+", text, maxsplit=1)[0].strip()  # «21 — Производство …»
    match = re.fullmatch(r"(?:[A-Ua-u]\s*[.\-]?\s*)?(\d{1,2})", text)
    if match:
        return match.group(1).zfill(2)
    if re.fullmatch(r"[A-Ua-u]", text):
        return text.upper()
    return None


class PartyMatcher:
    """Finds a party by slug, name, display name, short name or alias (case and quotes ignored)."""

    def __init__(self, parties):
        self.by_slug = {}
        self.by_name = defaultdict(dict)
        for party in parties:
            self.by_slug[party.slug.casefold()] = party
            names = [party.name, party.display_name, party.short_name]
            names += [alias.name for alias in party.aliases.all()]
            for name in names:
                if name:
                    self.by_name[name_key(name)][party.pk] = party

    def match(self, text):
        """The party, or raises NotFound naming the problem in Russian."""
        slug = text.strip().casefold()
        if slug in self.by_slug:
            return self.by_slug[slug]
        found = list(self.by_name.get(name_key(text), {}).values())
        if len(found) == 1:
            return found[0]
        if found:
            # Sorted by slug: the message must not depend on the order the database returned parties in.
            found.sort(key=lambda party: party.slug)
            options = ", ".join(f"{party.display_name} (slug {party.slug})" for party in found)
            raise NotFound(f"Участник «{text}» неоднозначен: подходят {options}. Укажите slug нужного.")
        close = difflib.get_close_matches(name_key(text), list(self.by_name), n=3, cutoff=0.8)
        maybe = ""
        if close:
            names = {party.display_name for key in close for party in self.by_name[key].values()}
            maybe = f" Похожие: {_quoted(sorted(names))}."
        raise NotFound(
            f"Участник «{text}» не найден: укажите полное или краткое название, вариант написания или "
            f"slug существующего участника (новых добавляют в разделе «Участники»).{maybe}"
        )

    def label(self, party) -> str:
        """How an export names the party: its display name if that finds it again, else its slug."""
        try:
            if self.match(party.display_name).pk == party.pk:
                return party.display_name
        except NotFound:
            pass
        return party.slug


# --- Admin ----------------------------------------------------------------------------------


def max_upload_size() -> int:
    return settings.FILE_UPLOAD_MAX_MEMORY_SIZE


def admin_max_rows() -> int:
    """Rows an admin import may have: it runs twice (preview, confirm) within the server's 120 s timeout."""
    return getattr(settings, "IMPORT_ADMIN_MAX_ROWS", 1000)


def megabytes(size: int, up=False) -> str:
    """``10``, ``10,1``: a size in MB with one decimal, rounded up (a file's size) or down (a limit)."""
    tenths = size * 10 / 1024 / 1024
    tenths = math.ceil(tenths) if up else math.floor(tenths)
    whole, tenth = divmod(tenths, 10)
    return f"{whole},{tenth}" if tenth else str(whole)


class RegistryImportForm(ImportForm):
    """The admin's upload form: says what it accepts, refuses big files, guesses the format."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats
        limit = megabytes(max_upload_size())
        upload = self.fields["import_file"]
        upload.help_text = (
            f"Таблица XLSX или CSV (UTF-8 или Windows-1251) размером не больше {limit} МБ. "
            "Первая строка — заголовки столбцов, как в файле выгрузки."
        )
        upload.error_messages["empty"] = EMPTY_FILE
        upload.widget.attrs["accept"] = ".xlsx,.csv"
        self.fields["format"].required = False
        self.fields["format"].help_text = "Если не выбран, определяется по расширению файла."

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = max_upload_size()
        if upload.size > limit:
            raise ValidationError(
                f"Файл весит {megabytes(upload.size, up=True)} МБ, а можно загрузить не больше "
                f"{megabytes(limit)} МБ. "
                "Разделите таблицу на несколько файлов."
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload and not cleaned.get("format"):
            head = upload.read(8)
            upload.seek(0)
            try:
                chosen = format_for_file(upload.name, head)
            except ImportFileError as exc:
                self.add_error("import_file", exc.message)
                return cleaned
            cleaned["format"] = str(self.formats.index(chosen))
        return cleaned


class RegistryImportExportMixin(ImportExportMixin):
    """django-import-export's admin mixin with this registry's formats, messages and safeguards."""

    import_form_class = RegistryImportForm
    import_template_name = "admin/agreements/import.html"
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS

    def has_import_permission(self, request):
        # An import adds and changes records: it needs both permissions (reference data: superusers).
        return (
            super().has_import_permission(request)
            and self.has_add_permission(request)
            and self.has_change_permission(request)
        )

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "max_rows": admin_max_rows()}

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileError):
            form.add_error("import_file", e.message)
        else:
            form.add_error(
                "import_file",
                "Не удалось прочитать файл: он повреждён или не совпадает "
                "с выбранным форматом (CSV или XLSX).",
            )

    def _import_url(self):
        return reverse("admin:{}_{}_import".format(*self.get_model_info()), current_app=self.admin_site.name)

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except (FileNotFoundError, ImportFileError):
            messages.error(
                request,
                "Файл этого импорта не найден: вероятно, импорт уже подтверждён. "
                "Проверьте список записей или загрузите файл снова.",
            )
            return redirect(self._import_url())

    def process_result(self, result, request):
        if isinstance(result, ImportResult) and result.failed:
            # Data changed between the preview and the confirmation: nothing was written.
            for problem in result.problems()[:20]:
                messages.error(request, str(problem))
            messages.error(
                request, "Импорт не выполнен, ничего не записано: исправьте ошибки и загрузите файл снова."
            )
            return redirect(self._import_url())
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        counts = result.counts if isinstance(result, ImportResult) else {}
        messages.success(
            request,
            "Импорт завершён: новых — {}, изменённых — {}, без изменений — {}.".format(
                counts.get("new", 0), counts.get("update", 0), counts.get("skip", 0)
            ),
        )
