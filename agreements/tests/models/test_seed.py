"""The XIII forum seed (fixtures/seed/xiii_forum.json): every fact comes from its source text."""

import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from agreements.models import (
    Agreement,
    AgreementParty,
    Country,
    Forum,
    ForumFigure,
    Party,
    PartyAlias,
    Region,
    Sector,
    Source,
)

pytestmark = pytest.mark.django_db

SOURCE_SLUG = "xiii-forum-announcement"
FORUM_SLUG = "kz-ru-interregional-forum-xiii"
EDB = "eurasian-development-bank"
KAZNEX = "kaznex-invest"
PIT = "autonomous-cluster-fund-pit"

# The source's typos, which normalised fields must not repeat.
TYPOS = [
    "меморануд",
    "рналищации",
    "средтв",
    "каменой",
    "иновационной",
    " м сорбитола",
    "%",
    "Development»",
    "Евразийском",
    "о намерении ",
]

EXPECTED_REGIONS = {
    "xiii-01-eurochem-karatau-fertilisers": {"KZ-31"},
    "xiii-02-akmola-industrial-bearings": {"KZ-11"},
    "xiii-03-ktzh-coalco-central-dry-port": {"RU-MOS"},
    "xiii-06-kaznex-lukoil-lubricants-almaty-region": {"KZ-19"},
    "xiii-07-kaznex-technonicol-stone-wool-taraz": {"KZ-31"},
    "xiii-10-pit-astana-skolkovo-smart-astana": {"KZ-71"},
}
EXPECTED_COUNTRIES = {
    "xiii-04-edb-russian-copper-kundyzy-mine": {"KZ"},
    "xiii-08-semaz-gaz-bus-assembly": {"KZ"},
    "xiii-09-edb-interskol-power-tools": {"RU", "KZ", "BY"},
}
EXPECTED_SECTORS = {
    "xiii-01-eurochem-karatau-fertilisers": {"20", "08"},
    "xiii-02-akmola-industrial-bearings": {"28"},
    "xiii-03-ktzh-coalco-central-dry-port": {"52"},
    "xiii-04-edb-russian-copper-kundyzy-mine": {"07"},
    "xiii-05-karaganda-pharma-biocad-technology-transfer": {"21"},
    "xiii-06-kaznex-lukoil-lubricants-almaty-region": {"19"},
    "xiii-07-kaznex-technonicol-stone-wool-taraz": {"23"},
    "xiii-08-semaz-gaz-bus-assembly": {"29"},
    "xiii-09-edb-interskol-power-tools": {"28"},
    "xiii-10-pit-astana-skolkovo-smart-astana": {"72", "52"},
    "xiii-11-pit-akademgorodok-technology-platforms": {"72"},
    "xiii-12-its-polikompleks-grain-processing": {"10", "20"},
}


def source_file_text() -> str:
    path = Path(settings.BASE_DIR) / "fixtures" / "sources" / f"{SOURCE_SLUG}.txt"
    return path.read_text(encoding="utf-8")


def list_items() -> list[str]:
    """The source's list items, without the leading dash and the spaces after it."""
    return [re.sub(r"^-\s*", "", line) for line in source_file_text().split("\n") if line.startswith("-")]


def codes(manager, field="code") -> set[str]:
    return set(manager.values_list(field, flat=True))


def test_it_loads_the_twelve_listed_agreements_published_and_announced(seeded):
    agreements = Agreement.objects.filter(forum__slug=FORUM_SLUG)
    assert agreements.count() == 12
    assert Agreement.objects.count() == 12
    assert set(agreements.values_list("is_published", flat=True)) == {True}
    assert set(agreements.values_list("status", flat=True)) == {Agreement.Status.ANNOUNCED}
    assert set(agreements.values_list("source__slug", flat=True)) == {SOURCE_SLUG}
    assert set(agreements.values_list("source_url", flat=True)) == {""}


def test_it_keeps_each_source_quote_verbatim_in_the_texts_order(seeded):
    text = source_file_text()
    quotes = [a.source_quote for a in Agreement.objects.order_by("slug")]
    for quote in quotes:
        assert quote
        assert quote in text
    assert quotes == list_items()


def test_it_fills_the_source_text_from_the_file(seeded):
    source = Source.objects.get(slug=SOURCE_SLUG)
    assert source.text == source_file_text()
    assert source.url == ""
    assert source.published_on is None


def test_it_gives_every_agreement_at_least_two_parties_in_order(seeded):
    for agreement in Agreement.objects.all():
        orders = list(agreement.party_links.order_by("order").values_list("order", flat=True))
        assert len(orders) >= 2, agreement.slug
        assert orders == list(range(len(orders))), agreement.slug


def test_it_assigns_roles_only_where_the_text_supports_them(seeded):
    roles = {
        (link.agreement.slug, link.party.slug): link.role
        for link in AgreementParty.objects.select_related("agreement", "party")
    }
    special = {key: role for key, role in roles.items() if role != AgreementParty.Role.SIGNATORY}
    assert special == {
        ("xiii-01-eurochem-karatau-fertilisers", "akimat-zhambyl-region"): "host_authority",
        ("xiii-02-akmola-industrial-bearings", "akimat-akmola-region"): "host_authority",
        ("xiii-10-pit-astana-skolkovo-smart-astana", "akimat-astana"): "host_authority",
        ("xiii-09-edb-interskol-power-tools", EDB): "financier",
    }


def test_it_references_only_existing_region_and_sector_codes(seeded):
    region_codes = codes(Region.objects)
    sector_codes = codes(Sector.objects)
    country_codes = codes(Country.objects)
    for agreement in Agreement.objects.all():
        assert codes(agreement.regions) <= region_codes
        assert codes(agreement.sectors) <= sector_codes
        assert codes(agreement.countries) <= country_codes
        # The most precise NACE level the text supports: divisions, not sections.
        assert not agreement.sectors.filter(parent__isnull=True).exists(), agreement.slug


def test_it_sets_only_the_regions_the_text_names(seeded):
    actual = {a.slug: codes(a.regions) for a in Agreement.objects.all()}
    assert actual == {slug: EXPECTED_REGIONS.get(slug, set()) for slug in actual}
    zhambyl = Agreement.objects.filter(regions__code="KZ-31")
    assert codes(zhambyl, "slug") == {
        "xiii-01-eurochem-karatau-fertilisers",
        "xiii-07-kaznex-technonicol-stone-wool-taraz",
    }
    assert not Agreement.objects.filter(regions__code="KZ-75").exists()


def test_it_sets_countries_only_where_the_text_names_countries_and_no_region(seeded):
    actual = {a.slug: codes(a.countries) for a in Agreement.objects.all()}
    assert actual == {slug: EXPECTED_COUNTRIES.get(slug, set()) for slug in actual}
    for slug in EXPECTED_COUNTRIES:
        assert slug not in EXPECTED_REGIONS


def test_it_sets_the_expected_sectors(seeded):
    assert {a.slug: codes(a.sectors) for a in Agreement.objects.all()} == EXPECTED_SECTORS


def test_it_keeps_one_party_each_for_the_repeated_organisations(seeded):
    for slug in (EDB, KAZNEX, PIT):
        party = Party.objects.get(slug=slug)
        assert party.agreements.distinct().count() == 2, slug
    assert Party.objects.filter(name__icontains="KAZNEX").count() == 1
    assert Party.objects.filter(name__icontains="Евразийск").count() == 1
    assert Party.objects.filter(name__icontains="ПИТ").count() == 1
    assert codes(Party.objects.get(slug=EDB).aliases, "name") == {
        "Евразийском банком развития",
        "Евразийским банком развития",
    }
    assert codes(Party.objects.get(slug=PIT).aliases, "name") == {
        "Автономным кластерным фондом «ПИТ»",
        "АКФ «ПИТ»",
    }
    text = source_file_text()
    for alias in PartyAlias.objects.all():
        assert alias.name in text


def test_it_stores_the_eurasian_development_bank_as_international(seeded):
    bank = Party.objects.get(slug=EDB)
    assert bank.country_id is None
    assert bank.kind == Party.Kind.INTERNATIONAL
    assert bank.short_name == "ЕАБР"
    assert bank.name == "Евразийский банк развития"


def test_it_applies_the_country_and_region_rules_to_parties(seeded):
    assert Party.objects.count() == 24
    assert not Party.objects.filter(country__isnull=True).exclude(slug=EDB).exists()
    for party in Party.objects.filter(legal_form__in=["ООО", "ЗАО", "ОАО"]):
        assert party.country_id == "RU", party.slug
    for party in Party.objects.filter(legal_form="ТОО"):
        assert party.country_id == "KZ", party.slug
    assert Party.objects.get(slug="interskol").country_id == "RU"
    assert Party.objects.get(slug=KAZNEX).country_id == "KZ"
    for slug in ("coalco-development", "lukoil-lubricants", "technonicol", "skolkovo-technopark"):
        party = Party.objects.get(slug=slug)
        assert (party.country_id, party.legal_form) == ("RU", ""), slug
    homes = {p.slug: p.home_region.code for p in Party.objects.filter(home_region__isnull=False)}
    assert homes == {
        "akimat-zhambyl-region": "KZ-31",
        "akimat-akmola-region": "KZ-11",
        "akimat-astana": "KZ-71",
        "sez-chemical-park-taraz": "KZ-31",
        "novosibirsk-akademgorodok-technopark": "RU-NVS",
    }
    bearings = Party.objects.get(slug="european-bearing-corporation")
    assert bearings.display_name == "ОАО «Европейская подшипниковая корпорация»"
    for party in Party.objects.all():
        assert not party.name.startswith("«"), party.slug
        assert not party.name.startswith(tuple(f"{form} " for form in Party.LegalForm.values)), party.slug


def test_it_records_no_dates_amounts_or_links(seeded):
    assert not Agreement.objects.filter(signed_on__isnull=False).exists()
    assert not Agreement.objects.filter(amount__isnull=False).exists()
    assert set(Agreement.objects.values_list("currency", flat=True)) == {""}
    assert not Party.objects.exclude(website="").exists()
    assert not ForumFigure.objects.exclude(source_url="").exists()
    assert not ForumFigure.objects.filter(reported_on__isnull=False).exists()


def test_it_fixes_the_sources_typos_in_normalised_fields(seeded):
    texts = []
    for agreement in Agreement.objects.all():
        texts += [agreement.title, agreement.subject]
    for party in Party.objects.all():
        texts += [party.name, party.short_name]
    forum = Forum.objects.get(slug=FORUM_SLUG)
    texts += [forum.title, forum.theme, forum.description]
    for text in texts:
        for typo in TYPOS:
            assert typo not in text, (typo, text)
    # The quotes, by contrast, keep the typos as published.
    quotes = "\n".join(Agreement.objects.values_list("source_quote", flat=True))
    for typo in ("меморануд", "рналищации", "средтв", "каменой", "иновационной", " м сорбитола"):
        assert typo in quotes


def test_it_records_the_forum_without_dates(seeded):
    forum = Forum.objects.get(slug=FORUM_SLUG)
    assert forum.number == "XIII"
    assert forum.city == "Астана"
    assert forum.theme == "Развитие транспортно-логистического потенциала Евразийского пространства"
    assert forum.start_date is None
    assert forum.end_date is None
    assert forum.description


def test_it_records_the_forum_figures_with_their_source(seeded):
    forum = Forum.objects.get(slug=FORUM_SLUG)
    figures = {f.key: f for f in forum.figures.all()}
    expected = {
        "documents": ("documents", Decimal("56"), "documents", "", False),
        "total_amount": ("total_amount", Decimal("3000000000"), "USD", "", True),
        "companies": ("companies", Decimal("6453"), "companies", "", False),
        "trade_turnover": ("trade_turnover", Decimal("14570000000"), "USD", "2015", False),
        "export": ("export", Decimal("4340000000"), "USD", "2015", False),
        "import": ("import", Decimal("10230000000"), "USD", "2015", False),
    }
    actual = {key: (f.metric, f.value, f.unit, f.period, f.is_approximate) for key, f in figures.items()}
    assert actual == expected
    text = source_file_text()
    for figure in figures.values():
        assert figure.source.slug == SOURCE_SLUG
        assert figure.source_quote
        assert figure.source_quote in text
    assert figures["companies"].label == "компании с российским участием, работающие в Казахстане"
    assert forum.announced_documents() == 56


def test_it_changes_nothing_when_loaded_twice(seeded):
    models = [Agreement, AgreementParty, Party, PartyAlias, Forum, ForumFigure, Source]
    counts = {model: model.objects.count() for model in models}
    timestamps = {
        model: dict(model.objects.values_list("pk", "updated")) for model in (Agreement, Party, Forum)
    }
    history = {
        model: model.history.count() for model in (Agreement, Party, PartyAlias, AgreementParty, Forum)
    }
    stems = dict(Agreement.objects.values_list("pk", "search_stems"))

    out = StringIO()
    call_command("load_seed", stdout=out)

    assert {model: model.objects.count() for model in models} == counts
    assert {
        model: dict(model.objects.values_list("pk", "updated")) for model in (Agreement, Party, Forum)
    } == timestamps
    assert {
        model: model.history.count() for model in (Agreement, Party, PartyAlias, AgreementParty, Forum)
    } == history
    assert dict(Agreement.objects.values_list("pk", "search_stems")) == stems
    assert Source.objects.get(slug=SOURCE_SLUG).text == source_file_text()
    # The loader promises to write only what differs: on a second run, nothing.
    assert re.search(r"\b0 written\b", out.getvalue()), out.getvalue()


def test_it_records_history_for_the_seeded_rows(seeded):
    assert Agreement.history.count() >= 12
    assert Party.history.count() >= 24


def test_it_fills_the_search_fields(seeded):
    for agreement in Agreement.objects.all():
        assert agreement.search_stems.strip(), agreement.slug
        assert agreement.title in agreement.search_text
    fertilisers = Agreement.objects.get(slug="xiii-01-eurochem-karatau-fertilisers")
    assert " удобрен" in fertilisers.search_stems
    bank = Agreement.objects.get(slug="xiii-04-edb-russian-copper-kundyzy-mine")
    assert "Евразийском банком развития" in bank.search_text
