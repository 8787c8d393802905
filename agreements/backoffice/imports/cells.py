"""Reading one spreadsheet cell the way staff type it: text, dates, amounts, yes/no, lists, names.

Cells arrive as Excel holds them (numbers, dates, booleans) or as CSV text in Russian or English
conventions. Each parser returns a Python value or raises ``ValueError`` with a Russian message, which
django-import-export reports as the row's error in that column.
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import translation

from agreements.text import describe_character, find_xml_illegal


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


# A cell with a character XML cannot hold (agreements/text.py) is refused rather than stripped: the
# XLSX export could not write it back, and a verbatim source quote must not be silently altered.
def check_xml_text(text: str) -> str:
    """``text`` unchanged, or ``ValueError`` naming the first character XML cannot hold and where it is."""
    match = find_xml_illegal(text)
    if match:
        raise ValueError(
            f"Недопустимый символ {describe_character(match.group())} в позиции {match.start() + 1} "
            f"(«…{text[max(0, match.start() - 20) : match.start()]}»): управляющие символы в таблицу "
            "попадают при копировании из PDF или других программ. Удалите его и загрузите файл снова."
        )
    return text


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


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
