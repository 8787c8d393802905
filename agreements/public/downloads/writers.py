"""The three export formats written from the rows as they arrive: XLSX (with a sheet describing the
filter), CSV (safe from Excel's formulas, with the separator asked for) and JSON."""

import csv
import json
from collections.abc import Iterator
from datetime import date

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from agreements.public.downloads import xlsx
from agreements.public.downloads.columns import COLUMNS, columns_for, headers
from agreements.public.downloads.xlsx import Sheet, stream_xlsx
from agreements.public.filters import AgreementFilter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_STARTS = frozenset("=+-@\t\r")


def filter_description(filterset: AgreementFilter, params: dict, listing_url: str) -> list[list]:
    """The second sheet (and the JSON's "filter"): what was asked for, when, and where to see it."""
    described = [
        [_("Выгрузка"), _("Реестр соглашений Казахстан–Россия")],
        [_("Дата выгрузки"), timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")],
        [_("Список на сайте"), listing_url],
    ]
    for name, value in params.items():
        label = str(filterset.filters[name].label)
        described.append([f"{label} ({name})", ", ".join(value) if isinstance(value, list) else str(value)])
    if not params:
        described.append([_("Фильтры"), _("нет: все опубликованные соглашения")])
    return described


def xlsx_stream(records, filterset, params, listing_url) -> Iterator[bytes]:
    agreements = Sheet(
        _("Соглашения"),
        headers(),
        records,
        widths=[c.width for c in COLUMNS],
        link_columns=columns_for("link"),
        amount_columns=columns_for("amount"),
    )

    def described():
        yield from filter_description(filterset, params, listing_url)
        if agreements.links_dropped:  # known by now: this sheet is written after the first
            yield [
                _("Ссылки"),
                _("Адресов, оставленных текстом (Excel держит не больше %(n)s ссылок на лист): %(dropped)s")
                % {
                    "n": number_format(xlsx.MAX_LINKS, force_grouping=True),
                    "dropped": number_format(agreements.links_dropped, force_grouping=True),
                },
            ]

    description = Sheet(
        _("Фильтр"), [_("Параметр"), _("Значение")], described(), widths=[30, 80], link_columns=(1,)
    )
    return stream_xlsx([agreements, description], timezone.now())


def csv_safe(value) -> str:
    """Excel runs a CSV cell starting with = + - @ as a formula; a leading apostrophe makes it text."""
    if value.__class__ is str:
        return "'" + value if value and value[0] in FORMULA_STARTS else value
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Lines(list):
    write = list.append


#: ``?sep=`` of the CSV export: the comma (the default) or, for Excel with Russian regional settings,
#: the semicolon. Excel there splits a CSV on «;» and reads «1500000,50» as a number, so that
#: variant also writes amounts with a decimal comma.
CSV_SEPARATORS = {",": ",", "comma": ",", ";": ";", "semicolon": ";"}


def csv_separator(values: list[str]) -> str | None:
    """The separator ``?sep=`` asks for (a comma without it), or ``None`` for anything else."""
    if not values:
        return ","
    if len(values) > 1:
        return None
    return CSV_SEPARATORS.get(values[0].strip().lower())


def decimal_comma(value) -> str:
    return "" if value is None else format(value, "f").replace(".", ",")


def csv_stream(records, separator: str = ",") -> Iterator[str]:
    lines = _Lines()
    writer = csv.writer(lines, delimiter=separator)
    amount = next(index for index, column in enumerate(COLUMNS) if column.key == "amount")
    writer.writerow(headers())
    # UTF-8 with a byte order mark: Excel then opens Cyrillic correctly.
    yield "\ufeff" + lines.pop()
    checked = [index for index, column in enumerate(COLUMNS) if not column.app_built]
    for values in records:
        values = list(values)
        for index in checked:
            values[index] = csv_safe(values[index])
        if separator == ";":
            values[amount] = decimal_comma(values[amount])
        writer.writerow(values)
        if len(lines) >= 500:
            yield "".join(lines)
            lines.clear()
    yield "".join(lines)


def json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    if value is not None and not isinstance(value, str | int | float):
        return str(value)  # Decimal amounts keep their exact digits
    return value


def json_stream(records, filterset, params, listing_url) -> Iterator[str]:
    described = {row[0]: row[1] for row in filter_description(filterset, params, listing_url)}
    yield '{"filter": ' + json.dumps({"params": params, "description": described}, ensure_ascii=False)
    yield ', "columns": ' + json.dumps({c.key: str(c.header) for c in COLUMNS}, ensure_ascii=False)
    yield ', "results": ['
    separator = ""
    for values in records:
        record = {column.key: json_value(value) for column, value in zip(COLUMNS, values, strict=True)}
        yield separator + json.dumps(record, ensure_ascii=False)
        separator = ","
    yield "]}"
