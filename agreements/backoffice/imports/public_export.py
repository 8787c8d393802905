"""The public export's columns read back by the agreements' import: «Скачать Excel» and CSV from the
site import as they are.

The public export (agreements/public/downloads/exports.py) writes for readers: labels, names with
their codes, links.
Each of its columns declares the Resource field that reads it back (``Column.imports``); this mixin
makes the AgreementResource accept those headers in every language the site writes them in, find
the record by its «Ссылка» (the page's address holds the slug), and ignore, with a note on the
preview, the columns the site derives. The cells themselves are read by the fields' own widgets,
which accept the export's spellings («KZ-31 Жамбылская область», «ТОО «Зерно» (Казахстан, сторона)»).
"""

import re
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from agreements.backoffice.imports.cells import cell_text
from agreements.backoffice.imports.headers import header_key
from agreements.public.downloads import exports


def agreements_prefix() -> str:
    """``/agreements/``: where the public pages of agreements are, without a language prefix."""
    with translation.override("ru"):
        return reverse("agreement_detail", args=["-"]).removesuffix("-/")


def slug_from_link(link: str) -> str | None:
    """``xiii-02-…`` from ``https://any.host/en/agreements/xiii-02-…/``: the address the public export
    writes, from this site or another copy of the registry, in any of its languages."""
    prefix = agreements_prefix()
    path = unquote(urlsplit(link).path) if re.match(r"https?://", link) else ""
    match = re.search(f"{re.escape(prefix)}([-a-zA-Z0-9_]+)/?$", path)
    return match.group(1) if match else None


class PublicExportColumns:
    """Mixed into the AgreementResource, before RegistryResource."""

    # The public export's columns (exports.COLUMNS), in each language it is written in.

    @staticmethod
    def public_headers(column) -> set[str]:
        spellings = set()
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                spellings.add(header_key(str(column.header)))
        return spellings

    def header_aliases(self) -> dict[str, str]:
        aliases = super().header_aliases()
        for column in exports.COLUMNS:
            if column.imports in self.fields:
                for spelling in self.public_headers(column):
                    aliases.setdefault(spelling, self.fields[column.imports].column_name)
        return aliases

    def other_columns(self) -> dict[str, tuple[str | None, str]]:
        slug = self.fields["slug"].column_name
        notes = {
            exports.RECORD_LINK: (
                self.LINK,
                "Столбец «{header}» ({letter}) — адрес записи на сайте: по нему найдено соглашение, "
                f"как по столбцу «{slug}». Сама ссылка не импортируется.",
            ),
            None: (
                None,
                "Столбец «{header}» ({letter}) не импортируется: сайт составляет его сам "
                "(ссылка записи на источник или страница источника).",
            ),
        }
        return {
            spelling: notes[column.imports]
            for column in exports.COLUMNS
            if column.imports not in self.fields
            for spelling in self.public_headers(column)
        }

    def read_links(self, rows) -> None:
        self.bad_links = {}
        slug_column = self.fields["slug"].column_name
        for number, row in rows:
            if self.LINK in row:
                self.read_link(number, row, slug_column)

    def read_link(self, number: int, row: dict, slug_column: str) -> None:
        """The slug of the record whose page the row's link is, into the slug column if that is blank."""
        link = cell_text(row.pop(self.LINK)).strip()
        if not link:
            return
        slug = slug_from_link(link)
        given = cell_text(row.get(slug_column)).strip()
        if slug is None:
            self.bad_links[number] = (
                f"«{link}» — не ссылка на соглашение реестра: нужен адрес вида "
                f"https://…{agreements_prefix()}адрес/, как в выгрузке с сайта."
            )
        elif not given:
            row[slug_column] = slug
        elif given != slug:
            self.bad_links[number] = f"Ссылка ведёт на «{slug}», а в столбце «{slug_column}» — «{given}»."

    def check_link(self, row_number) -> None:
        problem = self.bad_links.get(self.file_rows[row_number - 1]) if row_number else None
        if problem:
            raise ValidationError({self.LINK: problem})
