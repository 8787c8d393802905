"""``RegistryResource``: how every spreadsheet import of the registry behaves, whatever its columns.

The per-model Resources in :mod:`agreements.resources` only declare columns; this module holds the
shared workflow on top of django-import-export's ``ModelResource``: reading headers (through
:class:`~agreements.imports.headers.ColumnHeaders`), dropping blank rows, deriving slugs, finding
duplicates, skipping unchanged rows and writing links.
"""

from django.core.exceptions import ValidationError
from django.db import connections, router
from import_export import resources
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import RowResult
from slugify import slugify

from agreements.backoffice.imports.cells import cell_text, is_blank
from agreements.backoffice.imports.files import NO_ROWS, ImportFileError
from agreements.backoffice.imports.headers import ColumnHeaders
from agreements.backoffice.imports.references import References
from agreements.backoffice.imports.results import ImportResult, RegistryRowResult, RowError
from agreements.backoffice.imports.widgets import RelationField


class NoDiff:
    """Replaces django-import-export's Diff where nobody reads it (the command): saves two exports a row.

    Returned by the documented ``get_diff_class`` hook; it takes whatever arguments the library passes,
    so a change to Diff's undocumented constructor cannot break it.
    """

    def __init__(self, *args, **kwargs):
        pass

    def compare_with(self, *args, **kwargs):
        pass

    def as_html(self):
        return []


class Stored(dict):
    """A record's stored links as the import loaded them: read-only, so a deepcopy shares it."""

    def __deepcopy__(self, memo):
        return self


class InstanceLoader(BaseInstanceLoader):
    """Existing records of a file in one query, like the library's CachedInstanceLoader, tolerating bad keys.

    Built on the documented ``BaseInstanceLoader`` (``__init__(resource, dataset)``, ``get_instance(row)``),
    not on CachedInstanceLoader's attributes. The library's cached loader cleans every row's key before
    any row is imported, outside the per-row error handling, so one unreadable key (a sector code «ZZ»)
    would abort the import with a server error. Here such a row is simply new, and importing it reports
    the bad cell.
    """

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.pk_field = resource.fields[resource.get_import_id_fields()[0]]
        keys = {key for key in map(self.key, dataset.dict if dataset else ()) if key}
        field = self.pk_field.attribute
        queryset = resource.get_queryset().filter(**{f"{field}__in": keys}) if keys else []
        self.all_instances = {self.pk_field.get_value(instance): instance for instance in queryset}
        # The stored links, read now from the prefetched rows: django-import-export compares a row with
        # a deepcopy of its record, and deepcopying a queryset drops its results (a query per link set).
        relations = resource.relation_fields()
        for instance in self.all_instances.values():
            instance._import_current = Stored(
                {field.attribute: field.widget.current(instance) for field in relations}
            )
            # deepcopy (above) shares a Stored, but copies prefetched querysets at great cost.
            instance.__dict__.pop("_prefetched_objects_cache", None)

    def key(self, row):
        try:
            return self.pk_field.clean(row)
        except (ValueError, KeyError):
            return None

    def get_instance(self, row):
        return self.all_instances.get(self.key(row))


class RegistryResource(ColumnHeaders, resources.ModelResource):
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
    #: The pseudo-column of :meth:`other_columns` that identifies a record by its address on the site.
    LINK = "@link"

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
        self.notes = []
        self.other_headers = {}  # pseudo-column -> the header it has in the file
        self.file_errors = []  # what went wrong with the file as a whole (ImportResult.problems)
        self.dry_run, self.writes_rows = False, True  # set by import_data

    @property
    def model(self):
        """The model the Resource's ``Meta`` declares (read from our own declaration, not the library's)."""
        return self.Meta.model

    @classmethod
    def get_result_class(cls):
        return ImportResult

    @classmethod
    def get_row_result_class(cls):
        return RegistryRowResult

    @classmethod
    def get_error_result_class(cls):
        return RowError

    def get_diff_class(self):
        return super().get_diff_class() if self.diff else NoDiff

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
        # Whether rows reach the database: a real import, or a dry run inside a transaction that is
        # rolled back (a dry run always is, where the database has transactions). Kept here rather
        # than read from the library's private per-row helpers.
        database = connections[router.db_for_write(self.model)]
        self.dry_run = dry_run
        self.writes_rows = not dry_run or bool(database.features.supports_transactions)
        self.file_errors = []
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
        try:
            self.read_dataset(dataset)
        except Exception as exc:
            self.file_errors.append(exc)  # ImportResult.problems() reports it; the library rolls back
            raise

    def after_import(self, dataset, result, **kwargs):
        try:
            self.finish_import(dataset, result, **kwargs)
        except Exception as exc:
            self.file_errors.append(exc)
            raise

    def finish_import(self, dataset, result, **kwargs):
        """What an import does once every row is read: the library's after_import (it resets the id
        sequences after new records), unless a Resource overrides this."""
        super().after_import(dataset, result, **kwargs)

    def read_dataset(self, dataset):
        """Rewrite the dataset: canonical headers, no blank rows, derived slugs; find duplicates."""
        self.refs.reset()
        self.file_rows, self.duplicates, self.derived = [], {}, set()
        self.notes = list(getattr(dataset, "import_notes", ()))
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
        max_length = self.model._meta.get_field("slug").max_length
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
        number = kwargs.get("row_number")  # documented import_row keyword argument
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
            or not getattr(self.Meta, "skip_unchanged", False)
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
        if not self.writes_rows:
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
