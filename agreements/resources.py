"""Spreadsheet columns for import and export (django-import-export), one Resource per model.

Rows identify records by natural keys (codes and slugs), never by database ids, so a file exported
from one database imports cleanly into another. Export and import use the same columns: a file the
admin exports can be edited in Excel and imported back, and importing it unchanged changes nothing.

Headers are the Russian names of the fields («Название», «Стороны»); an import also accepts the
plain field names (``title``, ``parties``) and the English names, in any letter case. Cells are read
the way staff type them (see :mod:`agreements.imports.cells`); anything that cannot be understood is a row
error naming the column, in Russian, and a file with any error writes nothing.
"""

import re

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import translation
from django.utils.text import capfirst
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader
from import_export.results import RowResult
from openpyxl.utils import get_column_letter
from slugify import slugify

from .imports.cells import (
    cell_text,
    choice_lookup,
    is_blank,
    nace_code,
    name_key,
    parse_bool,
    parse_date,
    parse_decimal,
    russian_label,
    russian_labels,
    split_list,
)
from .imports.files import NO_ROWS, ImportFileError
from .imports.references import NotFound, References
from .imports.results import ImportResult
from .models import MIN_PUBLISHED_PARTIES, Agreement, AgreementParty, Forum, Party, Region, Sector
from .search import refresh_search_fields
from .status import timeline_from_status

# --- Widgets: one cell <-> one value ----------------------------------------------------------


class TextWidget(widgets.Widget):
    """Text, trimmed like the admin's forms trim it; numbers typed into a text column are kept as text."""

    def __init__(self, upper=False):
        super().__init__(coerce_to_string=True)
        self.upper = upper

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value).strip()
        return text.upper() if self.upper else text

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class ChoiceWidget(widgets.Widget):
    """A choice by its value or its Russian or English label, in any letter case; exported as the label."""

    def __init__(self, choices, missing=None, blank=None):
        super().__init__(coerce_to_string=True)
        self.choices = choices
        self.missing = missing  # the message for a blank cell, if a value is required
        self.blank = blank  # what a blank cell means otherwise (None: keep the current value)
        self._lookup = None

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            if self.missing:
                raise ValueError(self.missing)
            return self.blank
        if self._lookup is None:
            self._lookup = choice_lookup(self.choices)
        found = self._lookup.get(name_key(value))
        if found is None:
            allowed = ", ".join(f"«{label}»" for label in russian_labels(self.choices))
            raise ValueError(f"Неизвестное значение «{cell_text(value).strip()}». Допустимо: {allowed}.")
        return found

    def render(self, value, obj=None, **kwargs):
        return russian_label(self.choices, value) if value else ""


class DateWidget(widgets.Widget):
    """Excel date cells or 2016-10-03, 03.10.2016, 03/10/2016; exported as a date cell or ISO text."""

    def clean(self, value, row=None, **kwargs):
        return parse_date(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else value.isoformat()


class AmountWidget(widgets.Widget):
    """A number cell or text with spaces or commas; exported as a number cell or plain digits."""

    def clean(self, value, row=None, **kwargs):
        return parse_decimal(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else format(value, "f")


class BooleanWidget(widgets.Widget):
    """«да»/«нет» (and yes/no, 1/0, true/false); a blank cell keeps the current value."""

    def clean(self, value, row=None, **kwargs):
        return parse_bool(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "да" if value else "нет"


class NaceCodeWidget(widgets.Widget):
    """A NACE code as typed: ``c`` → ``C``, ``C21`` → ``21``, the number 8 → ``08``."""

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return ""
        code = nace_code(value)
        if code is None:
            raise ValueError(
                f"«{cell_text(value).strip()}» — не код NACE: укажите букву раздела (C) "
                "или две цифры подраздела (21)."
            )
        return code

    def render(self, value, obj=None, **kwargs):
        return value or ""


class ReferenceWidget(widgets.Widget):
    """A foreign key named by code, slug or name (see :class:`~agreements.imports.references.References`)."""

    refs = None  # the Resource's References, set when it is created

    def __init__(self, lookup, attribute):
        super().__init__(coerce_to_string=True)
        self.lookup = lookup
        self.attribute = attribute

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        try:
            return getattr(self.refs, self.lookup)(cell_text(value).strip())
        except NotFound as exc:
            raise ValueError(str(exc)) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else getattr(value, self.attribute)


class RelationWidget(widgets.Widget):
    """A many-to-many set in one cell: entries separated by «;» (or line breaks); exported as codes."""

    refs = None

    def __init__(self, attribute, lookup, code, commas=False):
        super().__init__(coerce_to_string=True)
        self.attribute = attribute
        self.lookup = lookup
        self.code = code
        self.commas = commas  # codes never contain commas, so a comma separates them too

    def clean(self, value, row=None, **kwargs):
        found, problems = [], []
        for entry in split_list(value, commas=self.commas):
            try:
                obj = getattr(self.refs, self.lookup)(entry)
            except NotFound as exc:
                problems.append(str(exc))
                continue
            if obj not in found:
                found.append(obj)
        if problems:
            raise ValueError(" ".join(problems))
        return found

    def current(self, instance) -> list:
        return list(getattr(instance, self.attribute).all())

    def key(self, items):
        return tuple(sorted(item.pk for item in items or ()))

    def write(self, instance, items) -> None:
        getattr(instance, self.attribute).set(items)

    def render(self, value, obj=None, **kwargs):
        return "; ".join(sorted(getattr(item, self.code) for item in value or ()))


_ROLE = re.compile(r"^(?P<name>.*?)\s*\[(?P<role>[^\[\]]*)\]\s*$")


class PartiesWidget(widgets.Widget):
    """``Name; Name [role]; …`` in the parties' order; the role defaults to «сторона» (signatory).

    A party is named by slug, full name, display name («АО «KAZNEX INVEST»»), short name or alias.
    Export writes display names (slugs where a display name would be ambiguous) and non-default roles.
    """

    refs = None
    default_role = AgreementParty.Role.SIGNATORY

    def __init__(self):
        super().__init__(coerce_to_string=True)
        self._roles = None

    def role(self, text, name):
        if self._roles is None:
            self._roles = choice_lookup(AgreementParty.Role)
        role = self._roles.get(name_key(text))
        if role is None:
            allowed = ", ".join(f"«{label}»" for label in russian_labels(AgreementParty.Role))
            raise NotFound(f"Неизвестная роль «{text}» у участника «{name}». Допустимо: {allowed}.")
        return role

    def clean(self, value, row=None, **kwargs):
        entries = split_list(value)
        if not entries:
            raise ValueError(
                "Укажите хотя бы одного участника: названия через «;», роль — в квадратных скобках, "
                "например «АО «KAZNEX INVEST»; Лукойл лубрикантс [инвестор]»."
            )
        found, problems, seen = [], [], {}
        for entry in entries:
            match = _ROLE.match(entry)
            name, role_text = (match["name"], match["role"].strip()) if match else (entry, "")
            try:
                role = self.role(role_text, name) if role_text else self.default_role
                party = self.refs.parties.match(name)
            except NotFound as exc:
                problems.append(str(exc))
                continue
            if party.pk in seen:
                problems.append(f"Участник «{name}» указан дважды (уже есть как «{seen[party.pk]}»).")
                continue
            seen[party.pk] = name
            found.append((party, role))
        if problems:
            raise ValueError(" ".join(problems))
        return found

    def current(self, instance) -> list:
        links = sorted(instance.party_links.all(), key=lambda link: (link.order, link.pk))
        return [(link.party, link.role) for link in links]

    def key(self, entries):
        # The parties in their order with their roles; stored order numbers (0, 0, 1…) do not matter.
        return tuple((party.pk, role) for party, role in entries or ())

    def write(self, instance, entries) -> None:
        links = list(AgreementParty.objects.filter(agreement=instance).order_by("order", "pk"))
        if self.key([(link.party, link.role) for link in links]) == self.key(entries):
            return
        by_party = {link.party_id: link for link in links}
        wanted = {party.pk for party, _ in entries}
        for link in links:
            if link.party_id not in wanted:
                link.delete()
        for order, (party, role) in enumerate(entries):
            link = by_party.get(party.pk)
            if link is None:
                AgreementParty.objects.create(agreement=instance, party=party, role=role, order=order)
            elif (link.role, link.order) != (role, order):
                link.role, link.order = role, order
                link.save(update_fields=["role", "order"])

    def render(self, value, obj=None, **kwargs):
        parts = []
        for party, role in value or ():
            label = self.refs.parties.label(party)
            if role != self.default_role:
                label += f" [{russian_label(AgreementParty.Role, role)}]"
            parts.append(label)
        return "; ".join(parts)


class RelationField(fields.Field):
    """A column written after its row's record is saved: parties, regions, countries, sectors.

    Import keeps the cleaned value on the instance; the Resource compares it with the stored links
    (to skip unchanged rows) and writes it in ``save_m2m``.
    """

    def get_value(self, instance):
        if instance is None or instance.pk is None:
            return None
        return self.widget.current(instance)

    def save(self, instance, row, is_m2m=False, **kwargs):
        if not self.readonly:
            instance._import_relations[self.attribute] = self.clean(row, **kwargs)


# --- Resources --------------------------------------------------------------------------------


class NoDiff:
    """Replaces django-import-export's Diff where nobody reads it (the command): saves two exports a row."""

    def __init__(self, resource, instance, new):
        pass

    def compare_with(self, resource, instance):
        pass

    def as_html(self):
        return []


class InstanceLoader(CachedInstanceLoader):
    """Existing records of a file in one query, like CachedInstanceLoader, tolerating bad keys.

    The library's loader cleans every row's key before any row is imported, outside the per-row error
    handling, so one unreadable key (a sector code «ZZ») would abort the import with a server error.
    Here such a row is simply new, and importing it reports the bad cell.
    """

    def __init__(self, resource, dataset=None):
        self.resource, self.dataset = resource, dataset
        self.pk_field = resource.fields[resource.get_import_id_fields()[0]]
        keys = {key for key in map(self.key, dataset.dict if dataset else ()) if key}
        field = self.pk_field.attribute
        queryset = self.get_queryset().filter(**{f"{field}__in": keys}) if keys else []
        self.all_instances = {self.pk_field.get_value(instance): instance for instance in queryset}

    def key(self, row):
        try:
            return self.pk_field.clean(row)
        except (ValueError, KeyError):
            return None

    def get_instance(self, row):
        return self.all_instances.get(self.key(row))


def header_key(value) -> str:
    return name_key(cell_text(value).strip().rstrip("*:").strip())


def _quoted_list(items, limit=8) -> str:
    items = list(items)
    shown = ", ".join(f"«{item}»" for item in items[:limit])
    return shown + (f" и ещё {len(items) - limit}" if len(items) > limit else "")


class RegistryResource(resources.ModelResource):
    """What every import of the registry shares.

    * headers: Russian column names, field names or English names, any case;
    * blank rows are ignored and every error names the spreadsheet row (the header is row 1);
    * a blank slug is derived from ``slug_from`` (the title or name) with python-slugify;
    * the same record twice in one file is an error on its second row;
    * ``full_clean`` runs for every changed row, and any error rolls the whole import back;
    * unchanged rows (fields and links alike) are skipped: no save, no history, no new timestamp.
    """

    #: Field names whose columns a file must have.
    required_columns: tuple = ()
    #: Extra header spellings accepted for a field, besides its names and verbose names.
    extra_aliases: dict = {}
    #: The field a blank slug is derived from.
    slug_from = None
    #: Added to the message about a file too large for the admin.
    large_file_hint = ""

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        instance_loader_class = InstanceLoader

    def __init__(self, progress=None, diff=True, max_rows=None, **kwargs):
        super().__init__(**kwargs)
        self.max_rows = max_rows  # the admin's limit; the command has none
        self.progress = progress  # called with 1 after each row (the command's progress bar)
        self.diff = diff  # the preview's per-row diff; the command has no use for it
        self.refs = References()
        for field in self.fields.values():
            if hasattr(field.widget, "refs"):
                field.widget.refs = self.refs
        self.file_rows = []
        self.duplicates = {}
        self.derived = set()
        self.same_titles = {}

    @classmethod
    def get_result_class(cls):
        return ImportResult

    def get_diff_class(self):
        return super().get_diff_class() if self.diff else NoDiff

    # Headers

    def header_aliases(self) -> dict[str, str]:
        model = self._meta.model
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

    def error_columns(self) -> dict[str, str]:
        """Error keys (field and attribute names) to the column headers staff see."""
        columns = {}
        for name, field in self.fields.items():
            columns[name] = field.column_name
            if field.attribute:
                columns.setdefault(field.attribute, field.column_name)
        with translation.override("ru"):
            for model_field in self._meta.model._meta.get_fields():
                if hasattr(model_field, "verbose_name"):
                    columns.setdefault(model_field.name, capfirst(str(model_field.verbose_name)))
        return columns

    def read_headers(self, dataset) -> list:
        """The column of each header (``None`` for blank ones), or ImportFileError naming what is wrong."""
        aliases = self.header_aliases()
        columns, unknown, unnamed, repeated = [], [], [], []
        for position, header in enumerate(dataset.headers or []):
            letter = get_column_letter(position + 1)
            column = None
            if is_blank(header):
                if any(not is_blank(values[position]) for values in dataset):
                    unnamed.append(letter)
            else:
                column = aliases.get(header_key(header))
                if column is None:
                    unknown.append(f"«{cell_text(header).strip()}» ({letter})")
                elif column in columns:
                    repeated.append(column)
                    column = None
            columns.append(column)
        problems = []
        missing = [self.fields[name].column_name for name in self.required_columns]
        missing = [column for column in missing if column not in columns]
        if missing:
            problems.append(f"В файле нет обязательных столбцов: {_quoted_list(missing)}.")
        if unknown:
            more = f" и ещё {len(unknown) - 5}" if len(unknown) > 5 else ""
            problems.append(f"Неизвестные столбцы: {', '.join(unknown[:5])}{more}.")
        if unnamed:
            problems.append(
                f"У столбцов {', '.join(unnamed[:5])} нет заголовка, но есть данные: "
                "подпишите их или удалите."
            )
        if repeated:
            problems.append(f"Столбцы повторяются: {_quoted_list(sorted(set(repeated)))}.")
        if problems:
            expected = _quoted_list([field.column_name for field in self.get_import_fields()], limit=30)
            problems.append(
                f"Первая строка должна содержать заголовки: {expected} (или имена полей, например title)."
            )
            raise ImportFileError(" ".join(problems))
        return columns

    # The import workflow

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=True,
        **kwargs,
    ):
        # Rolling back on validation errors too makes an import all-or-nothing.
        result = super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=use_transactions,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=rollback_on_validation_errors,
            **kwargs,
        )
        result.attach(self)
        return result

    def before_import(self, dataset, **kwargs):
        """Rewrite the dataset: canonical headers, no blank rows, derived slugs; find duplicates."""
        self.refs.reset()
        self.file_rows, self.duplicates, self.derived = [], {}, set()
        try:
            columns = self.read_headers(dataset)
        except ImportFileError:
            dataset.wipe()  # or django-import-export would still import every row
            raise
        rows = []
        for number, values in enumerate(dataset, start=2):
            if not all(is_blank(value) for value in values):
                rows.append(
                    (number, {column: v for column, v in zip(columns, values, strict=True) if column})
                )
        if not rows:
            dataset.wipe()
            raise ImportFileError(NO_ROWS)
        if self.max_rows and len(rows) > self.max_rows:
            dataset.wipe()
            raise ImportFileError(
                f"Строк с данными в файле: {len(rows)}, а через админку можно загрузить не больше "
                f"{self.max_rows}. Разделите файл на части.{self.large_file_hint}"
            )
        self.prepare_rows(rows)
        headers = list(dict.fromkeys(column for _, row in rows for column in row))
        dataset.wipe()
        dataset.headers = headers
        for _, row in rows:
            dataset.append([row.get(column) for column in headers])
        self.file_rows = [number for number, _ in rows]
        self.find_duplicates(rows)

    def prepare_rows(self, rows) -> None:
        if not self.slug_from:
            return
        slug_column = self.fields["slug"].column_name
        source_column = self.fields[self.slug_from].column_name
        max_length = self._meta.model._meta.get_field("slug").max_length
        for number, row in rows:
            if is_blank(row.get(slug_column)):
                text = cell_text(row.get(source_column)).strip()
                row[slug_column] = slugify(text, max_length=max_length, word_boundary=True) if text else ""
                if row[slug_column]:
                    self.derived.add(number)

    def find_duplicates(self, rows) -> None:
        id_fields = [self.fields[name] for name in self.get_import_id_fields()]
        seen = {}
        for index, (number, row) in enumerate(rows, start=1):
            try:
                key = tuple(field.clean(row) for field in id_fields)
            except Exception:  # noqa: S112 - the row itself reports what is wrong with it
                continue
            if any(is_blank(part) for part in key):
                continue
            if key in seen:
                self.duplicates[index] = (seen[key], key)
            else:
                seen[key] = number

    def before_import_row(self, row, row_number=None, **kwargs):
        id_field = self.fields[self.get_import_id_fields()[0]]
        if row_number in self.duplicates:
            first, key = self.duplicates[row_number]
            derived = self.file_rows[row_number - 1] in self.derived
            raise ValidationError(
                {
                    id_field.attribute: f"Повтор строки {first}: снова «{' '.join(map(str, key))}»"
                    + (
                        f" (получено из столбца «{self.fields[self.slug_from].column_name}»)"
                        if derived
                        else ""
                    )
                    + ". Каждая запись должна быть в файле один раз."
                }
            )
        if self.slug_from and is_blank(row.get(id_field.column_name)):
            source = self.fields[self.slug_from]
            raise ValidationError(
                {source.attribute: f"Заполните «{source.column_name}» или «{id_field.column_name}»."}
            )

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        number = kwargs.get("row_number")
        row_result.number = number
        row_result.file_row = self.file_rows[number - 1] if number and number <= len(self.file_rows) else None
        if self.progress:
            self.progress(1)
        return row_result

    def after_init_instance(self, instance, new, row, **kwargs):
        instance._import_is_new = new

    def import_instance(self, instance, row, **kwargs):
        instance._import_relations = {}
        super().import_instance(instance, row, **kwargs)

    def relation_fields(self):
        return [field for field in self.get_import_fields() if isinstance(field, RelationField)]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if (
            import_validation_errors
            or not self._meta.skip_unchanged
            or original is None
            or original.pk is None
        ):
            return False
        pending = getattr(instance, "_import_relations", {})
        for field in self.get_import_fields():
            if field.readonly or field.column_name not in row:
                continue
            if isinstance(field, RelationField):
                if field.widget.key(pending.get(field.attribute)) != field.widget.key(
                    field.get_value(original)
                ):
                    return False
            elif field.get_value(instance) != field.get_value(original):
                return False
        return True

    def save_m2m(self, instance, row, **kwargs):
        super().save_m2m(instance, row, **kwargs)
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return
        pending = getattr(instance, "_import_relations", {})
        new = getattr(instance, "_import_is_new", False)
        for field in self.relation_fields():
            value = pending.get(field.attribute)
            if value or (value is not None and not new):  # a new record has no links to clear
                field.widget.write(instance, value)
        instance.__dict__.pop("_prefetched_objects_cache", None)  # the links just changed

    def changed_ids(self, result) -> list:
        """Primary keys written by a real import that succeeded (none for a dry run or a failed one)."""
        if result.has_errors() or result.has_validation_errors():
            return []
        kinds = {RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE}
        return [row.object_id for row in result.rows if row.import_type in kinds and row.object_id]

    # Export

    def before_export(self, queryset, **kwargs):
        self.refs.reset()


class RegionResource(RegistryResource):
    code = fields.Field(attribute="code", column_name="Код ISO 3166-2", widget=TextWidget(upper=True))
    country = fields.Field(
        attribute="country", column_name="Страна", widget=ReferenceWidget("country", "code")
    )
    kind = fields.Field(
        attribute="kind", column_name="Тип", widget=ChoiceWidget(Region.Kind, missing="Укажите тип региона.")
    )
    name_ru = fields.Field(attribute="name_ru", column_name="Название (рус.)", widget=TextWidget())
    name_en = fields.Field(attribute="name_en", column_name="Название (англ.)", widget=TextWidget())
    name_kk = fields.Field(attribute="name_kk", column_name="Название (каз.)", widget=TextWidget())

    required_columns = ("code",)
    extra_aliases = {"code": ("код",)}

    class Meta(RegistryResource.Meta):
        model = Region
        import_id_fields = ["code"]
        fields = ["code", "country", "kind", "name_ru", "name_en", "name_kk"]


class SectorResource(RegistryResource):
    code = fields.Field(attribute="code", column_name="Код NACE", widget=NaceCodeWidget())
    parent = fields.Field(attribute="parent", column_name="Раздел", widget=ReferenceWidget("sector", "code"))
    name_ru = fields.Field(attribute="name_ru", column_name="Название (рус.)", widget=TextWidget())
    name_en = fields.Field(attribute="name_en", column_name="Название (англ.)", widget=TextWidget())

    required_columns = ("code",)
    extra_aliases = {"code": ("код",)}

    class Meta(RegistryResource.Meta):
        model = Sector
        import_id_fields = ["code"]
        fields = ["code", "parent", "name_ru", "name_en"]

    def after_save_instance(self, instance, row, **kwargs):
        self.refs.reset()  # a new section may be the parent of a division further down


class PartyResource(RegistryResource):
    slug = fields.Field(attribute="slug", column_name="Адрес (slug)", widget=TextWidget())
    name = fields.Field(attribute="name", column_name="Полное название", widget=TextWidget())
    short_name = fields.Field(attribute="short_name", column_name="Краткое название", widget=TextWidget())
    legal_form = fields.Field(
        attribute="legal_form",
        column_name="Организационно-правовая форма",
        widget=ChoiceWidget(Party.LegalForm, blank=""),
    )
    kind = fields.Field(
        attribute="kind", column_name="Тип", widget=ChoiceWidget(Party.Kind), saves_null_values=False
    )
    country = fields.Field(
        attribute="country", column_name="Страна", widget=ReferenceWidget("country", "code")
    )
    home_region = fields.Field(
        attribute="home_region", column_name="Регион", widget=ReferenceWidget("region", "code")
    )
    website = fields.Field(attribute="website", column_name="Сайт", widget=TextWidget())

    required_columns = ("name",)
    slug_from = "name"
    extra_aliases = {"slug": ("адрес", "slug"), "name": ("название",), "legal_form": ("опф",)}

    class Meta(RegistryResource.Meta):
        model = Party
        import_id_fields = ["slug"]
        fields = ["slug", "name", "short_name", "legal_form", "kind", "country", "home_region", "website"]

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if not self._is_dry_run(kwargs):
            # A renamed party must be findable through its agreements (as PartyAdmin.save_related does).
            ids = self.changed_ids(result)
            if ids:
                agreements = AgreementParty.objects.filter(party_id__in=ids).values("agreement_id")
                refresh_search_fields(Agreement.objects.filter(pk__in=agreements))


class ForumResource(RegistryResource):
    slug = fields.Field(attribute="slug", column_name="Адрес (slug)", widget=TextWidget())
    title = fields.Field(attribute="title", column_name="Название", widget=TextWidget())
    number = fields.Field(attribute="number", column_name="Номер", widget=TextWidget())
    city = fields.Field(attribute="city", column_name="Город", widget=TextWidget())
    start_date = fields.Field(attribute="start_date", column_name="Начало", widget=DateWidget())
    end_date = fields.Field(attribute="end_date", column_name="Окончание", widget=DateWidget())
    theme = fields.Field(attribute="theme", column_name="Тема", widget=TextWidget())
    description = fields.Field(attribute="description", column_name="Описание", widget=TextWidget())

    required_columns = ("title",)
    slug_from = "title"
    extra_aliases = {"slug": ("адрес", "slug")}

    class Meta(RegistryResource.Meta):
        model = Forum
        import_id_fields = ["slug"]
        fields = ["slug", "title", "number", "city", "start_date", "end_date", "theme", "description"]


class AgreementResource(RegistryResource):
    """Agreements with their parties, regions, countries and sectors, one agreement per row.

    ``slug`` identifies the row: an existing slug updates that agreement, a new one creates it, a
    blank one is derived from the title. New agreements are drafts unless «Опубликовано» says «да».
    """

    slug = fields.Field(attribute="slug", column_name="Адрес (slug)", widget=TextWidget())
    title = fields.Field(attribute="title", column_name="Название", widget=TextWidget())
    kind = fields.Field(
        attribute="kind",
        column_name="Вид документа",
        widget=ChoiceWidget(Agreement.Kind, missing="Укажите вид документа, например «соглашение»."),
    )
    status = fields.Field(
        attribute="status",
        column_name="Статус",
        widget=ChoiceWidget(Agreement.Status),
        saves_null_values=False,
    )
    forum = fields.Field(attribute="forum", column_name="Форум", widget=ReferenceWidget("forum", "slug"))
    signed_on = fields.Field(attribute="signed_on", column_name="Дата подписания", widget=DateWidget())
    amount = fields.Field(attribute="amount", column_name="Сумма", widget=AmountWidget())
    currency = fields.Field(attribute="currency", column_name="Валюта", widget=TextWidget(upper=True))
    subject = fields.Field(attribute="subject", column_name="Предмет", widget=TextWidget())
    parties = RelationField(attribute="parties", column_name="Стороны", widget=PartiesWidget())
    regions = RelationField(
        attribute="regions",
        column_name="Регионы реализации",
        widget=RelationWidget("regions", "region", "code"),
    )
    countries = RelationField(
        attribute="countries",
        column_name="Страны реализации",
        widget=RelationWidget("countries", "country", "code", commas=True),
    )
    sectors = RelationField(
        attribute="sectors",
        column_name="Отрасли",
        widget=RelationWidget("sectors", "sector", "code", commas=True),
    )
    source = fields.Field(
        attribute="source", column_name="Источник", widget=ReferenceWidget("source", "slug")
    )
    source_url = fields.Field(attribute="source_url", column_name="Ссылка на источник", widget=TextWidget())
    source_quote = fields.Field(
        attribute="source_quote", column_name="Цитата из источника", widget=TextWidget()
    )
    is_published = fields.Field(
        attribute="is_published", column_name="Опубликовано", widget=BooleanWidget(), saves_null_values=False
    )

    required_columns = ("title", "kind", "parties")
    slug_from = "title"
    large_file_hint = " Большой файл можно загрузить и целиком командой «manage.py import_agreements»."
    extra_aliases = {
        "slug": ("адрес", "slug"),
        "parties": ("участники",),
        "regions": ("регионы",),
        "countries": ("страны",),
        "sectors": ("отрасли (nace)", "nace"),
    }

    class Meta(RegistryResource.Meta):
        model = Agreement
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "title",
            "kind",
            "status",
            "forum",
            "signed_on",
            "amount",
            "currency",
            "subject",
            "parties",
            "regions",
            "countries",
            "sectors",
            "source",
            "source_url",
            "source_quote",
            "is_published",
        ]

    related = ("party_links__party", "regions", "countries", "sectors")

    def get_queryset(self):
        return super().get_queryset().select_related("forum", "source").prefetch_related(*self.related)

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("forum", "source").prefetch_related(*self.related)

    def prepare_rows(self, rows) -> None:
        super().prepare_rows(rows)
        self.same_titles = {}
        # A derived slug that finds nothing, while an agreement with that very title exists, means the
        # file lost its slug column: refuse rather than create a duplicate.
        slug_column, title_column = self.fields["slug"].column_name, self.fields["title"].column_name
        titles = {cell_text(row.get(title_column)).strip() for number, row in rows if number in self.derived}
        if titles:
            existing = dict(Agreement.objects.filter(title__in=titles).values_list("title", "slug"))
            for number, row in rows:
                slug = existing.get(cell_text(row.get(title_column)).strip())
                if number in self.derived and slug and slug != row[slug_column]:
                    self.same_titles[number] = slug

    def before_import_row(self, row, row_number=None, **kwargs):
        super().before_import_row(row, row_number=row_number, **kwargs)
        slug = self.same_titles.get(self.file_rows[row_number - 1]) if row_number else None
        if slug:
            raise ValidationError(
                {
                    "slug": f"Соглашение с таким названием уже есть (адрес «{slug}»). Чтобы изменить его, "
                    "укажите этот адрес в столбце «Адрес (slug)»; чтобы добавить новое — измените название."
                }
            )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.is_published and "parties" not in errors:
            parties = instance._import_relations.get("parties")
            count = (
                len(parties) if parties is not None else instance.party_links.count() if instance.pk else 0
            )
            if count < MIN_PUBLISHED_PARTIES:
                errors["parties"] = [
                    ValidationError(
                        "Чтобы опубликовать соглашение, укажите не меньше двух сторон "
                        "(или оставьте его черновиком: «нет» в столбце «Опубликовано»)."
                    )
                ]
        super().validate_instance(instance, errors, validate_unique)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if not self._is_dry_run(kwargs):
            ids = self.changed_ids(result)
            if ids:
                refresh_search_fields(Agreement.objects.filter(pk__in=ids))
                timeline_from_status(Agreement.objects.filter(pk__in=ids))
