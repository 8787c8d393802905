"""The open data's seven files, each declared once as its columns: the descriptor's schemas and the
CSV writers are both made from these declarations, so a column cannot be in one and not the other."""

from django.db.models import QuerySet

from agreements.models import Agreement, AgreementParty, Forum, ForumFigure, Party, Region, Sector
from agreements.public.downloads.exports import LINK_KEYS, link_keys
from agreements.public.downloads.opendata_schema import (
    CODES,
    Column,
    Resource,
    agreement_url,
    choices,
    key_list,
)


def agreements() -> QuerySet:
    keys = {name: link_keys(*LINK_KEYS[name]) for name in ("region_keys", "country_keys", "sector_keys")}
    return Agreement.objects.public().annotate(**keys).order_by("pk")


def forum_figures() -> QuerySet:
    return ForumFigure.objects.filter(forum__in=Forum.objects.public()).order_by("forum__slug", "key")


def agreement_links() -> QuerySet:
    return AgreementParty.objects.filter(agreement__is_published=True).order_by(
        "agreement__slug", "order", "pk"
    )


RESOURCES = [
    Resource(
        name="agreements",
        title="Agreements",
        description="Published agreements, memoranda and deals, one row each.",
        queryset=agreements,
        primary_key=["slug"],
        foreign_keys=[{"fields": "forum", "reference": {"resource": "forums", "fields": "slug"}}],
        columns=[
            Column(
                "slug",
                "string",
                "Stable identifier; the record's page is /agreements/<slug>/.",
                constraints={"required": True, "unique": True},
            ),
            Column("url", "string", "The record's page.", source="slug", convert=agreement_url),
            Column("title", "string", "Kind of document and parties, as the registry names it."),
            Column("kind", "string", "Kind of document.", constraints=choices(Agreement.Kind)),
            Column(
                "status",
                "string",
                "Current status (the latest step of its timeline).",
                constraints=choices(Agreement.Status),
            ),
            Column("signed_on", "date", "Date signed; empty when the source gives none."),
            Column(
                "forum",
                "string",
                "The forum's slug (forums.csv); empty if signed outside a forum.",
                source="forum__slug",
            ),
            Column("amount", "number", "Amount of this document, when the source names it."),
            Column("currency", "string", "ISO 4217 code of the amount."),
            Column("subject", "string", "What the document is about."),
            Column(
                "region_codes",
                "string",
                f"{CODES}: ISO 3166-2 regions of implementation (regions.csv).",
                source="region_keys",
                convert=key_list(Region),
            ),
            Column(
                "country_codes",
                "string",
                f"{CODES}: ISO 3166-1 countries of implementation, when the "
                "source names countries rather than regions.",
                source="country_keys",
                convert=key_list(None),
            ),
            Column(
                "sector_codes",
                "string",
                f"{CODES}: NACE Rev.2 sections or divisions (sectors.csv).",
                source="sector_keys",
                convert=key_list(Sector),
            ),
            Column("source_url", "string", "The publication the record comes from.", source="source_url"),
            Column(
                "source_publication_url",
                "string",
                "The source's own address, when the record has none.",
                source="source__url",
            ),
            Column("source_quote", "string", "The source's words, verbatim, typos included."),
            Column("created", "datetime", "When the record was added (UTC)."),
            Column("updated", "datetime", "When the record last changed (UTC)."),
        ],
    ),
    Resource(
        name="parties",
        title="Parties",
        description="Organisations that are parties to at least one published agreement.",
        queryset=lambda: Party.objects.public().order_by("pk"),
        primary_key=["slug"],
        foreign_keys=[{"fields": "home_region", "reference": {"resource": "regions", "fields": "code"}}],
        columns=[
            Column(
                "slug",
                "string",
                "Stable identifier; the page is /parties/<slug>/.",
                constraints={"required": True, "unique": True},
            ),
            Column("name", "string", "Full name, without its legal form."),
            Column("short_name", "string", "Abbreviation, e.g. ЕАБР."),
            Column(
                "legal_form", "string", "Legal form (АО, ТОО, ООО…).", constraints=choices(Party.LegalForm)
            ),
            Column("kind", "string", "Kind of organisation.", constraints=choices(Party.Kind)),
            Column(
                "country",
                "string",
                "ISO 3166-1 code of the country of registration; empty for international organisations.",
                source="country_id",
            ),
            Column(
                "home_region",
                "string",
                "ISO 3166-2 code of its region (regions.csv).",
                source="home_region__code",
            ),
            Column("website", "string", "Its website."),
            Column("updated", "datetime", "When the record last changed (UTC)."),
        ],
    ),
    Resource(
        name="agreement_parties",
        title="Parties of agreements",
        description="Which party signed which published agreement, in what role and order.",
        queryset=agreement_links,
        primary_key=["agreement", "party"],
        foreign_keys=[
            {"fields": "agreement", "reference": {"resource": "agreements", "fields": "slug"}},
            {"fields": "party", "reference": {"resource": "parties", "fields": "slug"}},
        ],
        columns=[
            Column(
                "agreement",
                "string",
                "The agreement's slug (agreements.csv).",
                source="agreement__slug",
                constraints={"required": True},
            ),
            Column(
                "party",
                "string",
                "The party's slug (parties.csv).",
                source="party__slug",
                constraints={"required": True},
            ),
            Column("role", "string", "The party's role.", constraints=choices(AgreementParty.Role)),
            Column("order", "integer", "Position among the agreement's parties, as the source lists them."),
        ],
    ),
    Resource(
        name="regions",
        title="Regions",
        description="Regions of Kazakhstan and Russia (ISO 3166-2), all of them: reference data.",
        queryset=lambda: Region.objects.order_by("code"),
        primary_key=["code"],
        columns=[
            Column(
                "code",
                "string",
                "ISO 3166-2 code, e.g. KZ-31.",
                constraints={"required": True, "unique": True},
            ),
            Column("country", "string", "ISO 3166-1 code of its country.", source="country_id"),
            Column("name_ru", "string", "Name in Russian."),
            Column("name_en", "string", "Name in English."),
            Column("name_kk", "string", "Name in Kazakh, when known."),
            Column("kind", "string", "Kind of region.", constraints=choices(Region.Kind)),
        ],
    ),
    Resource(
        name="sectors",
        title="Sectors",
        description="NACE Rev.2 sections (a letter) and divisions (two digits), shared by OKED and OKVED2.",
        queryset=lambda: Sector.objects.order_by("code"),
        primary_key=["code"],
        foreign_keys=[{"fields": "parent", "reference": {"resource": "", "fields": "code"}}],
        columns=[
            Column(
                "code",
                "string",
                "NACE Rev.2 code: section C or division 21.",
                constraints={"required": True, "unique": True},
            ),
            Column(
                "parent",
                "string",
                "For a division, its section's code; empty for a section.",
                source="parent__code",
            ),
            Column("name_ru", "string", "Name in Russian."),
            Column("name_en", "string", "Name in English."),
        ],
    ),
    Resource(
        name="forums",
        title="Forums",
        description="Business forums with at least one published agreement.",
        queryset=lambda: Forum.objects.public().order_by("pk"),
        primary_key=["slug"],
        columns=[
            Column(
                "slug",
                "string",
                "Stable identifier; the page is /forums/<slug>/.",
                constraints={"required": True, "unique": True},
            ),
            Column("number", "string", "Its number in Roman numerals, e.g. XIII."),
            Column("title", "string", "Title."),
            Column("city", "string", "City."),
            Column("start_date", "date", "First day, when known."),
            Column("end_date", "date", "Last day, when known."),
            Column("theme", "string", "Theme."),
            Column("updated", "datetime", "When the record last changed (UTC)."),
        ],
    ),
    Resource(
        name="forum_figures",
        title="Forum figures",
        description="Numbers sources report about a forum (documents, amounts, trade), each with its source: "
        "sources disagree, so each is kept.",
        queryset=forum_figures,
        primary_key=["forum", "key"],
        foreign_keys=[{"fields": "forum", "reference": {"resource": "forums", "fields": "slug"}}],
        columns=[
            Column(
                "forum",
                "string",
                "The forum's slug (forums.csv).",
                source="forum__slug",
                constraints={"required": True},
            ),
            Column("key", "string", "The figure's key within its forum.", constraints={"required": True}),
            Column("metric", "string", "What is counted.", constraints=choices(ForumFigure.Metric)),
            Column("label", "string", "What exactly, in the source's terms."),
            Column("value", "number", "The number."),
            Column("unit", "string", "ISO 4217 currency or a unit (documents, companies)."),
            Column("period", "string", "Period it covers, e.g. 2015."),
            Column("is_approximate", "boolean", "Whether the source gives it as approximate."),
            Column("source_url", "string", "Where it was reported."),
            Column("source_publication_url", "string", "The source's own address.", source="source__url"),
            Column("source_quote", "string", "The source's words, verbatim."),
            Column("reported_on", "date", "When it was reported."),
        ],
    ),
]
BY_NAME = {resource.name: resource for resource in RESOURCES}
