"""Spreadsheet columns for import and export (django-import-export), one Resource per model.

Rows identify records by natural keys (codes and slugs), never by database ids, so a file exported
from one database imports cleanly into another.
"""

from import_export import fields, resources, widgets

from .models import Country, Forum, Party, Region, Sector


class RegionResource(resources.ModelResource):
    country = fields.Field(
        attribute="country", column_name="country", widget=widgets.ForeignKeyWidget(Country, "code")
    )

    class Meta:
        model = Region
        import_id_fields = ["code"]
        fields = ["code", "country", "kind", "name_ru", "name_en", "name_kk"]
        skip_unchanged = True
        report_skipped = True


class SectorResource(resources.ModelResource):
    parent = fields.Field(
        attribute="parent", column_name="parent", widget=widgets.ForeignKeyWidget(Sector, "code")
    )

    class Meta:
        model = Sector
        import_id_fields = ["code"]
        fields = ["code", "parent", "name_ru", "name_en"]
        skip_unchanged = True
        report_skipped = True


class PartyResource(resources.ModelResource):
    country = fields.Field(
        attribute="country", column_name="country", widget=widgets.ForeignKeyWidget(Country, "code")
    )
    home_region = fields.Field(
        attribute="home_region", column_name="home_region", widget=widgets.ForeignKeyWidget(Region, "code")
    )

    class Meta:
        model = Party
        import_id_fields = ["slug"]
        fields = ["slug", "name", "short_name", "legal_form", "kind", "country", "home_region", "website"]
        skip_unchanged = True
        report_skipped = True


class ForumResource(resources.ModelResource):
    class Meta:
        model = Forum
        import_id_fields = ["slug"]
        fields = ["slug", "title", "number", "city", "start_date", "end_date", "theme", "description"]
        skip_unchanged = True
        report_skipped = True


class AgreementResource(resources.ModelResource):
    forum = fields.Field(
        attribute="forum", column_name="forum", widget=widgets.ForeignKeyWidget(Forum, "slug")
    )

    class Meta:
        from .models import Agreement

        model = Agreement
        fields = [
            "id",
            "title",
            "kind",
            "status",
            "forum",
            "signed_on",
            "amount",
            "currency",
            "subject",
            "source_url",
            "source_quote",
            "is_published",
        ]
