"""Reading CSV bytes: the encoding (UTF-8, UTF-16 with a BOM, or Windows-1251 when it reads as Russian
or staff chose it — never guessed silently), the delimiter sniffed, Excel's formula apostrophes dropped.
"""

import csv
import io
import re

import tablib

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
    number_text,
    trimmed,
)

_FORMULA_STARTS = frozenset("=+-@\t\r")


def _unmarked(value: str) -> str:
    return value[1:] if value[:1] == "'" and value[1:2] in _FORMULA_STARTS else value


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


def check_csv_bytes(data: bytes, limits: Limits) -> None:
    """ImportFileError if the bytes are no CSV at all: too big, empty, an Excel file or a web page."""
    check_file_size(len(data), limits)
    if not data.strip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"):
        raise ImportFileError(EMPTY_FILE)
    if data.startswith(ZIP_MAGIC):
        raise ImportFileError(
            "Это файл Excel (XLSX), а выбран формат CSV. Выберите формат xlsx и загрузите файл снова."
        )
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(OLD_EXCEL)
    if looks_like_html(data):
        raise ImportFileError(NOT_XLSX_HTML)


def csv_rows(text: str, limits: Limits) -> list[list]:
    """The rows of CSV text from its first filled one, checked against the limits as they are read."""
    # The csv module's own field limit (128 KiB) is above Excel's cell limit, checked row by row below.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    checker, rows = RowChecker(limits), []
    try:
        for number, row in enumerate(reader, start=1):
            checker.check(number, row)
            if rows or not all(is_blank(v) for v in row):  # blank lines above the headers are dropped
                rows.append(trimmed(map(_unmarked, row)))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportFileError(
                f"В строке {reader.line_num} ячейка длиннее {number_text(limits.cell)} символов (предел "
                "Excel) — или в файле не закрыта кавычка. Проверьте кавычки или загрузите XLSX."
            ) from None
        raise ImportFileError(
            f"Не удалось разобрать CSV ({exc}). Проверьте кавычки и разделители или загрузите XLSX."
        ) from None
    return rows


def read_csv(data: bytes, encoding: str | None = None, limits: Limits | None = None) -> tablib.Dataset:
    limits = limits or Limits()
    if isinstance(data, str):
        data = data.encode("utf-8")
    check_csv_bytes(data, limits)
    text, used = decode_text(data, encoding)
    rows = csv_rows(text, limits)
    if not rows:
        raise ImportFileError(EMPTY_FILE)
    headers, body = rows[0], rows[1:]
    if not any(not all(is_blank(v) for v in row) for row in body):
        raise ImportFileError(NO_ROWS)
    dataset = dataset_of(headers, body)
    if used != "UTF-8":
        dataset.import_notes = [f"Файл прочитан в кодировке {used}."]
    return dataset
