"""What the API returns. The listing's items are the page's own records (listing.ListedAgreement, read
as plain values); detail records are model instances read with a fixed number of queries.

Links: ``url`` is the record in this API, ``html_url`` its page on the site, both absolute.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements.models import Agreement, AgreementParty, ForumFigure, Party
from agreements.public.countries import agreement_countries


def absolute(context, path: str) -> str:
    return context["request"].build_absolute_uri(path)


def last_segment(url: str) -> str:
    """The slug a listed record's page URL ends with (``/parties/<slug>/``)."""
    return url.rstrip("/").rsplit("/", 1)[-1]


class CountrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ImplementationCountrySerializer(serializers.Serializer):
    code = serializers.CharField(source="country.code")
    name = serializers.CharField(source="country.name")
    derived = serializers.BooleanField(help_text="True when only the agreement's regions name it.")


class ListedPartySerializer(serializers.Serializer):
    slug = serializers.SerializerMethodField()
    name = serializers.CharField()
    country = serializers.CharField(allow_null=True, help_text="ISO 3166-1 alpha-2")
    country_name = serializers.CharField(allow_blank=True)
    url = serializers.SerializerMethodField()

    def get_slug(self, item) -> str:
        return last_segment(item.url)

    def get_url(self, item) -> str:
        return absolute(self.context, reverse("api_party_detail", args=[last_segment(item.url)]))


class ListedRegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ListedForumSerializer(serializers.Serializer):
    slug = serializers.SerializerMethodField()
    number = serializers.CharField(allow_blank=True)
    title = serializers.CharField()

    def get_slug(self, item) -> str:
        return last_segment(item.url)


class AgreementItemSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Agreement.Kind.choices)
    kind_label = serializers.CharField()
    status = serializers.ChoiceField(choices=Agreement.Status.choices)
    status_label = serializers.CharField()
    signed_on = serializers.DateField(allow_null=True)
    subject = serializers.CharField(allow_blank=True)
    forum = ListedForumSerializer(allow_null=True)
    parties = ListedPartySerializer(many=True)
    regions = ListedRegionSerializer(many=True)
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_url(self, item) -> str:
        return absolute(self.context, reverse("api_agreement_detail", args=[item.slug]))

    def get_html_url(self, item) -> str:
        return absolute(self.context, item.url)


class FacetOptionSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(
        min_value=0, help_text="At least 1, except a selected option the other filters leave at 0."
    )
    selected = serializers.BooleanField()
    children = serializers.SerializerMethodField(help_text="Sector sections only: their divisions.")

    def get_children(self, option) -> list[dict]:
        return [
            {"value": c.value, "label": c.label, "count": c.count, "selected": c.selected, "children": []}
            for c in option.children
        ]


class FacetsSerializer(serializers.Serializer):
    """Each facet counted under all the other active filters, as on the listing page."""

    region = FacetOptionSerializer(many=True)
    sector = FacetOptionSerializer(many=True)
    country = FacetOptionSerializer(many=True)
    kind = FacetOptionSerializer(many=True)
    status = FacetOptionSerializer(many=True)
    forum = FacetOptionSerializer(many=True)


class PageSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=0)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class AgreementPageSerializer(PageSerializer):
    results = AgreementItemSerializer(many=True)
    facets = FacetsSerializer(required=False, help_text="Only with ?facets=1.")


# --- Reference data ------------------------------------------------------------------------------


class RegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_ru = serializers.CharField()
    name_en = serializers.CharField()
    name_kk = serializers.CharField(help_text="Empty where no reference source has a Kazakh name.")
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    country = CountrySerializer()
    agreements = serializers.IntegerField(
        source="published_agreements", min_value=0, help_text="Published agreements in the region."
    )
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_url(self, region) -> str:
        return absolute(self.context, reverse("api_region_detail", args=[region.code]))

    def get_html_url(self, region) -> str:
        return absolute(self.context, region.get_absolute_url())


class SectorBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class SectorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_ru = serializers.CharField()
    name_en = serializers.CharField()
    name_kk = serializers.CharField(help_text="Empty where no reference source has a Kazakh name.")
    section = SectorBriefSerializer(source="parent", allow_null=True, help_text="A division's section.")
    agreements = serializers.IntegerField(
        source="published_agreements",
        min_value=0,
        help_text="Published agreements (a section: any division).",
    )
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_url(self, sector) -> str:
        return absolute(self.context, reverse("api_sector_detail", args=[sector.code]))

    def get_html_url(self, sector) -> str:
        return absolute(self.context, sector.get_absolute_url())


class SectorDetailSerializer(SectorSerializer):
    divisions = SectorBriefSerializer(many=True, help_text="A section's divisions; empty for a division.")


# --- Parties, sources, forums ---------------------------------------------------------------------


class RegionBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PartySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField(allow_blank=True)
    display_name = serializers.CharField()
    legal_form = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=Party.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    country = CountrySerializer(allow_null=True)
    home_region = RegionBriefSerializer(allow_null=True)
    website = serializers.CharField(allow_blank=True)
    agreements = serializers.IntegerField(source="published_agreements", min_value=1)
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_url(self, party) -> str:
        return absolute(self.context, reverse("api_party_detail", args=[party.slug]))

    def get_html_url(self, party) -> str:
        return absolute(self.context, party.get_absolute_url())


class PartyDetailSerializer(PartySerializer):
    aliases = serializers.SerializerMethodField(help_text="Other spellings found in sources.")
    agreements_url = serializers.SerializerMethodField(help_text="This party's agreements in the API.")

    def get_aliases(self, party) -> list[str]:
        return [alias.name for alias in party.aliases.all()]

    def get_agreements_url(self, party) -> str:
        return absolute(self.context, reverse("api_agreement_list") + f"?party={party.slug}")


class SourceSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    publisher = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True, help_text="The publication.")
    published_on = serializers.DateField(allow_null=True)
    html_url = serializers.SerializerMethodField()

    def get_html_url(self, source) -> str:
        return absolute(self.context, source.get_absolute_url())


class ForumSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    number = serializers.CharField(allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    theme = serializers.CharField(allow_blank=True)
    agreements = serializers.IntegerField(source="published_agreements", min_value=1)
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_url(self, forum) -> str:
        return absolute(self.context, reverse("api_forum_detail", args=[forum.slug]))

    def get_html_url(self, forum) -> str:
        return absolute(self.context, forum.get_absolute_url())


class ForumFigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    metric = serializers.ChoiceField(choices=ForumFigure.Metric.choices)
    metric_label = serializers.CharField(source="get_metric_display")
    label = serializers.CharField(allow_blank=True)
    value = serializers.DecimalField(max_digits=20, decimal_places=4, help_text="A decimal, as a string.")
    unit = serializers.CharField()
    period = serializers.CharField(allow_blank=True)
    is_approximate = serializers.BooleanField()
    reported_on = serializers.DateField(allow_null=True)
    source = SourceSerializer(allow_null=True)
    source_url = serializers.CharField(allow_blank=True)
    source_quote = serializers.CharField(allow_blank=True)


class ForumDetailSerializer(ForumSerializer):
    description = serializers.CharField(allow_blank=True)
    announced_documents = serializers.IntegerField(
        allow_null=True, help_text="The first documents figure, for “recorded N of M”."
    )
    figures = ForumFigureSerializer(
        many=True, help_text="Figures the sources announced, each with its source."
    )
    agreements_url = serializers.SerializerMethodField()

    def get_agreements_url(self, forum) -> str:
        return absolute(self.context, reverse("api_agreement_list") + f"?forum={forum.slug}")


# --- An agreement -------------------------------------------------------------------------------


class AgreementPartySerializer(serializers.Serializer):
    slug = serializers.CharField(source="party.slug")
    name = serializers.CharField(source="party.display_name")
    role = serializers.ChoiceField(choices=AgreementParty.Role.choices)
    role_label = serializers.CharField(source="get_role_display")
    country = CountrySerializer(source="party.country", allow_null=True)
    url = serializers.SerializerMethodField()

    def get_url(self, link) -> str:
        return absolute(self.context, reverse("api_party_detail", args=[link.party.slug]))


class ForumBriefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    number = serializers.CharField(allow_blank=True)
    url = serializers.SerializerMethodField()

    def get_url(self, forum) -> str:
        return absolute(self.context, reverse("api_forum_detail", args=[forum.slug]))


class RegionWithCountrySerializer(RegionBriefSerializer):
    country = serializers.CharField(source="country_id")


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Agreement.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    date = serializers.DateField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    source = SourceSerializer(allow_null=True)
    source_url = serializers.CharField(allow_blank=True)


class AgreementDetailSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Agreement.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    status = serializers.ChoiceField(choices=Agreement.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    signed_on = serializers.DateField(allow_null=True)
    subject = serializers.CharField(allow_blank=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    currency = serializers.CharField(allow_blank=True)
    forum = ForumBriefSerializer(allow_null=True)
    parties = AgreementPartySerializer(source="party_links", many=True, help_text="In the document's order.")
    regions = RegionWithCountrySerializer(many=True)
    countries = CountrySerializer(many=True, help_text="Countries of implementation named without regions.")
    implementation_countries = serializers.SerializerMethodField(
        help_text="Every country of implementation, as the country filter and facet count them: the "
        "named ones, then those of its regions (derived)."
    )
    sectors = SectorBriefSerializer(many=True)
    status_history = StatusChangeSerializer(source="status_changes", many=True, help_text="Oldest first.")
    source = SourceSerializer(allow_null=True)
    source_url = serializers.CharField(source="source_link", allow_blank=True)
    source_quote = serializers.CharField(allow_blank=True, help_text="The source's line, verbatim.")
    updated = serializers.DateTimeField()
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_url(self, agreement) -> str:
        return absolute(self.context, reverse("api_agreement_detail", args=[agreement.slug]))

    @extend_schema_field(ImplementationCountrySerializer(many=True))
    def get_implementation_countries(self, agreement) -> list:
        return ImplementationCountrySerializer(agreement_countries(agreement), many=True).data

    def get_html_url(self, agreement) -> str:
        return absolute(self.context, agreement.get_absolute_url())
