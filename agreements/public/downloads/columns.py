"""The exports' columns, defined once for XLSX, CSV and JSON: for readers — labels, names and links;
the staff's re-importable spreadsheet columns are the Resources in resources.py."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    # How the staff import (resources.AgreementResource) reads the column back: the Resource field it
    # fills (the Russian header is that field's column name, tests/backoffice/test_import_public_export.py
    # checks), RECORD_LINK (the record's address: it finds the record), or None (a value the site
    # derives: ignored, with a note on the import's preview).
    imports: str | None
    # Dates, amounts and the site's own links cannot start with a formula character; every other
    # cell is checked in a CSV (see csv_safe).
    app_built: bool = False
    # In XLSX: "link" (an http(s) address becomes a hyperlink) or "amount" (thousands separators).
    xlsx: str = ""


RECORD_LINK = "link"


COLUMNS = [
    Column("url", gettext_lazy("Ссылка"), 45, RECORD_LINK, app_built=True, xlsx="link"),
    Column("title", gettext_lazy("Название"), 60, "title"),
    Column("kind", gettext_lazy("Вид документа"), 28, "kind"),
    Column("status", gettext_lazy("Статус"), 16, "status"),
    Column("signed_on", gettext_lazy("Дата подписания"), 14, "signed_on", app_built=True),
    Column("forum", gettext_lazy("Форум"), 40, "forum"),
    Column("parties", gettext_lazy("Стороны"), 70, "parties"),
    Column("regions", gettext_lazy("Регионы реализации"), 40, "regions"),
    Column("countries", gettext_lazy("Страны реализации"), 24, "countries"),
    Column("sectors", gettext_lazy("Отрасли (NACE Rev.2)"), 45, "sectors"),
    # The currency in the column beside the amount: records of one export hold different currencies.
    Column("amount", gettext_lazy("Сумма"), 16, "amount", app_built=True, xlsx="amount"),
    Column("currency", gettext_lazy("Валюта"), 9, "currency"),
    Column("subject", gettext_lazy("Предмет"), 70, "subject"),
    # The record's own source link, else its source's: not the Resource's «Источник» (a source's slug).
    Column("source", gettext_lazy("Источник (ссылка)"), 45, None, xlsx="link"),
]


def headers() -> list[str]:
    return [str(column.header) for column in COLUMNS]


def columns_for(kind: str) -> tuple[int, ...]:
    return tuple(index for index, column in enumerate(COLUMNS) if column.xlsx == kind)
