"""The open data's building blocks: a CSV column (its Table Schema type and where its value comes
from), a resource (its columns, rows and descriptor), and the per-request context their values need."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation

from agreements.backend import CHUNK_SIZE

LIST_SEPARATOR = ";"
CODES = "Codes separated by ';'"


def choices(text_choices) -> dict:
    return {"enum": [value for value, _label in text_choices.choices]}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Table Schema type: string, integer, number, boolean, date, datetime
    description: str
    source: str = ""  # the values_list() lookup; the column's name when empty
    constraints: dict = field(default_factory=dict)
    # A value from the row's stored one, given the request's context (e.g. a slug → its page's URL).
    convert: Callable | None = None

    @property
    def lookup(self) -> str:
        return self.source or self.name

    def schema(self) -> dict:
        described = {"name": self.name, "type": self.type, "description": self.description}
        if self.type == "datetime":
            described["format"] = "%Y-%m-%dT%H:%M:%SZ"  # UTC, as written by cell()
        if self.constraints:
            described["constraints"] = self.constraints
        return described


@dataclass(frozen=True)
class Resource:
    name: str
    title: str
    description: str
    columns: list[Column]
    queryset: Callable[[], QuerySet]
    primary_key: list[str]
    foreign_keys: list[dict] = field(default_factory=list)

    def descriptor(self) -> dict:
        schema = {
            "fields": [column.schema() for column in self.columns],
            "missingValues": [""],
            "primaryKey": self.primary_key,
        }
        if self.foreign_keys:
            schema["foreignKeys"] = self.foreign_keys
        return {
            "name": self.name,
            "path": f"{self.name}.csv",
            "profile": "tabular-data-resource",
            "title": self.title,
            "description": self.description,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": schema,
        }

    def rows(self, context: "Context") -> Iterator[list]:
        """The cells of ``columns``, a list per row, read a chunk at a time."""
        converters = [(index, c.convert) for index, c in enumerate(self.columns) if c.convert]
        records = self.queryset().values_list(*(column.lookup for column in self.columns))
        for record in records.iterator(chunk_size=CHUNK_SIZE):
            values = list(record)
            for index, convert in converters:
                values[index] = convert(values[index], context)
            yield values


class Context:
    """Per-request constants: the site's address and, when a file needs them, reference codes by id."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        # /data/ has no language prefix, so reverse() would follow the reader's Accept-Language: the
        # files name each record by its Russian URL, the stable one the site cites.
        with translation.override(settings.LANGUAGE_CODE):
            self.agreement_prefix = base_url + reverse("agreement_list")
        self._codes = {}

    def codes(self, model) -> dict[str, str]:
        if model not in self._codes:
            self._codes[model] = {str(pk): code for pk, code in model.objects.values_list("pk", "code")}
        return self._codes[model]


def key_list(model):
    """Comma-separated ids (exports.link_keys) → the codes they stand for, ``;``-separated."""

    def convert(keys: str, context: Context) -> str:
        if not keys:
            return ""
        if model is None:  # countries are keyed by their code already
            return keys.replace(",", LIST_SEPARATOR)
        codes = context.codes(model)
        return LIST_SEPARATOR.join(codes[key] for key in keys.split(","))

    return convert


def agreement_url(slug: str, context: Context) -> str:
    return f"{context.agreement_prefix}{slug}/"
