"""Spreadsheet columns for import and export (django-import-export), one Resource per model.

Rows identify records by natural keys (codes and slugs), never by database ids, so a file exported
from one database imports cleanly into another. Export and import use the same columns: a file the
admin exports can be edited in Excel and imported back, and importing it unchanged changes nothing.

Headers are the Russian names of the fields («Название», «Стороны»); an import also accepts the
plain field names (``title``, ``parties``) and the English names, in any letter case. Cells are read
the way staff type them (see :mod:`agreements.imports.cells`); anything that cannot be understood is a
row error naming the column, in Russian, and a file with any error writes nothing.

This module only declares the columns; the widgets are in :mod:`agreements.imports.widgets` and
the behaviour every Resource shares in :mod:`agreements.imports.base`.
"""

from django.core.exceptions import ValidationError
from import_export import fields

from agreements.backoffice.imports.base import RegistryResource
from agreements.backoffice.imports.cells import cell_text
from agreements.backoffice.imports.public_export import PublicExportColumns
from agreements.backoffice.imports.widgets import (
    AmountWidget,
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    NaceCodeWidget,
    PartiesWidget,
    ReferenceWidget,
    RelationField,
    RelationWidget,
    TextWidget,
)
from agreements.backoffice.imports.writing import AgreementWriter
from agreements.backoffice.status import timelines, undated_step_refusal
from agreements.models import MIN_PUBLISHED_PARTIES, Agreement, AgreementParty, Forum, Party, Region, Sector
from agreements.search import refresh_search_fields


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

    def finish_import(self, dataset, result, **kwargs):
        super().finish_import(dataset, result, **kwargs)
        if not self.dry_run:
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


class AgreementResource(PublicExportColumns, RegistryResource):
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
        column_name="Отрасли (NACE Rev.2)",
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
        "sectors": ("отрасли", "отрасли (nace)", "nace"),
    }

    class Meta(RegistryResource.Meta):
        model = Agreement
        import_id_fields = ["slug"]
        # Rows are only validated one by one (nothing is written per row, so no savepoint per row is
        # needed); AgreementWriter writes them all at the end. The library's own bulk lists stay empty.
        use_bulk = True
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
        self.read_links(rows)  # before super() derives blank slugs from titles
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
        self.slugs, self.timelines = {cell_text(row.get(slug_column)).strip() for _, row in rows} - {""}, None

    def before_import_row(self, row, row_number=None, **kwargs):
        self.check_link(row_number)
        super().before_import_row(row, row_number=row_number, **kwargs)
        slug = self.same_titles.get(self.file_rows[row_number - 1]) if row_number else None
        if slug:
            raise ValidationError(
                {
                    "slug": f"Соглашение с таким названием уже есть (адрес «{slug}»). Чтобы изменить его, "
                    "укажите этот адрес в столбце «Адрес (slug)»; чтобы добавить новое — измените название."
                }
            )

    # Rows are validated one by one and written together (agreements.imports.writing).

    def before_import(self, dataset, **kwargs):
        self.writer = AgreementWriter()
        super().before_import(dataset, **kwargs)

    def save_instance(self, instance, is_create, row, **kwargs):
        self.before_save_instance(instance, row, **kwargs)
        self.writer.add(instance)
        self.after_save_instance(instance, row, **kwargs)

    def save_m2m(self, instance, row, **kwargs):
        pass  # the writer writes the links with the records

    def import_row(self, row, instance_loader, **kwargs):
        pending = len(self.writer.pending)
        row_result = super().import_row(row, instance_loader, **kwargs)
        if len(self.writer.pending) > pending:
            self.writer.pending[-1]._import_row_result = row_result
        return row_result

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
        # The step the writer would add for the row's status (agreements.status.record_statuses): the
        # file's timelines read once, at the first stored record a row changes (none for an unchanged file).
        if instance.pk and getattr(self, "slugs", None) and "status" not in errors:
            if self.timelines is None:
                self.timelines = timelines(self.slugs)
            refusal = undated_step_refusal(self.timelines.get(instance.slug), instance.status)
            if refusal:
                errors["status"] = [ValidationError(refusal)]
        # Without the checks that cost a query a row and cannot fail here: the forum and the source
        # were found in the database, the slug is the row's key (an existing one updates that record,
        # a repeated one is an error), and the two CHECK constraints are Agreement.clean's own rules.
        # The database still enforces all of them when the rows are written.
        try:
            instance.full_clean(
                exclude=[*errors, "forum", "source"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def finish_import(self, dataset, result, **kwargs):
        # Not the library's after_import: it resets the id sequence to the highest stored id, which
        # before the writer has inserted anything is wrong (ids come from the sequence; none are given).
        if self.writes_rows and not (result.has_errors() or result.has_validation_errors()):
            # A dry run writes too, inside the transaction it rolls back: the preview meets whatever
            # the database would refuse.
            self.writer.write()
            for agreement in self.writer.pending:
                row_result = getattr(agreement, "_import_row_result", None)
                if row_result is not None:  # the id the writer gave it, for the admin's log entries
                    row_result.object_id, row_result.object_repr = agreement.pk, str(agreement)
