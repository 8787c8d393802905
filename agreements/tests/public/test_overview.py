"""The overview: the region map and the charts on the listing and the home page (issue #15)."""

import csv
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from agreements.models import Country, ForumFigure, Region, Sector
from agreements.public import charts, regionmap
from agreements.public.filters import reference_ids
from agreements.public.listing import fragments
from agreements.public.listing.facets import current_index
from agreements.reference import __file__ as reference_init
from agreements.tests.factories import make_agreement, make_forum, make_party

LIST = reverse("agreement_list")
HOME = reverse("home")
REGIONS_CSV = reference_init.replace("__init__.py", "regions.csv")


def tiles(html: str) -> dict[str, int]:
    """data-region → data-count of the map's tiles."""
    return {
        code: int(n)
        for code, n in re.findall(r'class="tile [^"]*" data-region="([^"]+)" data-count="(\d+)"', html)
    }


def facet_counts_in_sidebar(html: str, facet: str) -> dict[str, int]:
    block = re.search(rf'data-facet="{facet}">(.*?)</section>', html, re.S).group(1)
    return {
        value: int(n)
        for value, n in re.findall(r'data-value="([^"]+)".*?class="facet-count">(\d+)<', block, re.S)
    }


def chart_counts(html: str, key: str) -> dict[str, int]:
    block = re.search(rf'data-chart="{key}">(.*?)</figure>', html, re.S).group(1)
    return {value: int(n) for value, n in re.findall(r'data-value="([^"]*)" data-count="(\d+)"', block)}


def test_it_lays_out_exactly_the_regions_of_the_reference_data():
    with open(REGIONS_CSV, encoding="utf-8") as file:
        reference = {row["code"] for row in csv.DictReader(file)}
    places = regionmap.layout()
    assert set(places) == reference
    assert len([c for c in places if c.startswith("KZ-")]) == 20
    assert len([c for c in places if c.startswith("RU-")]) == 83
    assert len({(p.row, p.col) for p in places.values()}) == len(places), "two regions share a tile"
    assert len({p.label for p in places.values()}) == len(places), "two tiles share a label"
    for row, col in [(row, col) for _code, row, col in regionmap.COUNTRY_LABELS]:
        assert all((p.row, p.col) != (row, col) for p in places.values()), "a country name covers a tile"


@pytest.mark.django_db
def test_it_lays_out_every_region_in_the_database():
    assert set(Region.objects.values_list("code", flat=True)) == set(regionmap.layout())


@pytest.mark.parametrize(
    ("maximum", "floors"), [(0, []), (1, [1]), (2, [1, 2]), (12, [1, 2, 4, 7]), (2000, [1, 7, 45, 300])]
)
def test_it_colours_counts_in_at_most_four_rising_classes(maximum, floors):
    assert regionmap.class_floors(maximum) == floors
    if floors:
        assert regionmap.class_of(maximum, floors) == len(floors)
        assert regionmap.class_of(0, floors) == 0


def test_it_names_every_class_range_in_the_legend():
    legend = regionmap.legend([1, 2, 4, 7], 12)
    assert [item["label"] for item in legend] == ["нет соглашений", "1", "2–3", "4–6", "7–12"]


def test_it_links_each_region_keeping_the_other_filters():
    names = {"KZ-31": "Жамбылская область", "RU-MOS": "Московская область"}
    data = regionmap.region_map({"KZ-31": 3}, names, {"sector": ["C"], "region": ["RU-MOS"]}, "/agreements/")
    by_code = {tile["code"]: tile for tile in data["tiles"]}
    assert by_code["KZ-31"]["url"] == "/agreements/?region=KZ-31&sector=C"
    assert by_code["KZ-31"]["title"] == "Жамбылская область: 3 соглашения"
    assert by_code["RU-MOS"]["selected"] and not by_code["KZ-31"]["selected"]
    assert by_code["RU-MOS"]["css"] == "c0" and by_code["KZ-31"]["css"] != "c0"


def test_it_lists_a_region_without_a_tile_under_the_map_instead_of_dropping_it():
    names = {"KZ-31": "Жамбылская область", "KZ-99": "Новая область"}
    data = regionmap.region_map({"KZ-99": 2}, names, {}, "/agreements/")
    assert [tile["code"] for tile in data["tiles"]] == ["KZ-31"]
    assert [(tile["code"], tile["count"]) for tile in data["unplaced"]] == [("KZ-99", 2)]


@pytest.mark.django_db
def test_it_shows_a_database_region_missing_from_the_layout_on_the_listing(client, db):
    kz = Country.objects.get(code="KZ")
    Region.objects.create(
        code="KZ-99", country=kz, name_ru="Новая область", name_en="New Region", kind="region"
    )
    make_agreement(regions=["KZ-99"])
    html = client.get(LIST).content.decode()
    assert 'data-region="KZ-99" data-unplaced' in html
    assert "Новая область: 1 соглашение" in html
    assert len(tiles(html)) == 103


def test_it_writes_svg_coordinates_unlocalized(settings):
    settings.LANGUAGE_CODE = "ru"
    data = regionmap.region_map({}, {"RU-MOW": "Москва"}, {}, "/agreements/")
    assert "," not in data["tiles"][0]["text_x"]


@pytest.mark.django_db
def test_it_maps_and_charts_the_same_counts_as_the_facets(client, seeded):
    for params in ({}, {"region": "KZ-31"}, {"sector": "C", "kind": "mou"}):
        html = client.get(LIST, params).content.decode()
        regions = facet_counts_in_sidebar(html, "region")
        assert {code: n for code, n in tiles(html).items() if n} == regions
        assert len(tiles(html)) == 103
        sidebar_sectors = facet_counts_in_sidebar(html, "sector")
        assert chart_counts(html, "sector") == {
            code: n for code, n in sidebar_sectors.items() if not code.isdigit()
        }  # the chart shows sections, the sidebar sections and their divisions
        assert chart_counts(html, "status") == facet_counts_in_sidebar(html, "status")


@pytest.mark.django_db
def test_it_changes_the_charts_with_the_filters(client, seeded):
    everything = chart_counts(client.get(LIST).content.decode(), "status")
    filtered = chart_counts(client.get(LIST, {"region": "KZ-31"}).content.decode(), "status")
    assert sum(everything.values()) == 12 and sum(filtered.values()) == 2


@pytest.mark.django_db
def test_it_adds_no_query_to_the_listing(
    client, db, django_assert_num_queries, django_assert_max_num_queries, monkeypatch
):
    parties = [make_party(), make_party(country="RU")]
    for n in range(60):
        make_agreement(
            slug=f"bulk-{n}", parties=parties, regions=["KZ-31", "RU-MOS"][: 1 + n % 2], sectors=["21"]
        )
    for model in (Region, Sector, Country):
        reference_ids(model)  # a running site has its reference codes cached
    current_index()
    params = {"region": "KZ-31", "sector": "C"}
    with monkeypatch.context() as patched:
        patched.setattr(fragments, "listing_overview", lambda counts, filters: "")
        with django_assert_max_num_queries(100) as without:
            client.get(LIST, params)
    with django_assert_num_queries(len(without.captured_queries)):
        html = client.get(LIST, {**params, "kind": "agreement"}).content.decode()
    assert tiles(html)["KZ-31"] == 60


@pytest.mark.django_db
def test_it_shows_the_whole_registry_on_the_home_page(client, seeded):
    html = client.get(HOME).content.decode()
    assert len(tiles(html)) == 103
    assert tiles(html)["KZ-31"] == 2
    for key in ("sector", "country", "kind", "status", "forum", "announced"):
        assert f'data-chart="{key}"' in html
    assert chart_counts(html, "forum") == {"kz-ru-interregional-forum-xiii": 12}
    assert "Объявлено на форуме и в реестре" in html


@pytest.mark.django_db
def test_it_compares_announced_documents_and_amounts_with_the_registry(db):
    forum = make_forum(slug="forum-a")
    make_agreement(forum=forum, amount=Decimal("1500000000"), currency="USD")
    make_agreement(forum=forum, amount=Decimal("7"), currency="KZT")
    make_agreement(forum=forum, published=False, amount=Decimal("900"), currency="USD")
    common = {"forum": forum, "source_url": "https://example.org/a", "source_quote": "цитата"}
    ForumFigure.objects.create(key="docs", metric="documents", value=10, unit="documents", **common)
    ForumFigure.objects.create(
        key="sum", metric="total_amount", value=3_000_000_000, unit="USD", is_approximate=True, **common
    )
    from agreements.public.listing.facets import Option

    (found,) = charts.announced_vs_registry([Option("forum-a", forum.title, 2)])
    documents, amounts = found["charts"]
    assert [row["display"] for row in documents["rows"]] == ["10", "2"]
    assert [row["display"] for row in amounts["rows"]] == ["≈ 3 млрд USD", "1,50 млрд USD"]
    assert amounts["figure"].source_quote == "цитата"


def test_it_cuts_long_labels_in_the_svg_only():
    chart = charts.bars("sector", [{"label": "Ж" * 80, "value": 5}, {"label": "short", "value": 0}])
    first, second = chart["rows"]
    assert len(first["short"]) == charts.LABEL_CHARS and first["label"] == "Ж" * 80
    assert first["width"] == "70.0%" and second["width"] == "0.0%"


@pytest.mark.django_db
def test_it_draws_the_overview_in_english_at_en(client, seeded):
    html = client.get("/en/").content.decode()
    assert "Agreements by region of Kazakhstan and Russia" in html
    assert 'aria-label="Zhambyl Region: 2 agreements"' in html
    assert "Announced at the forum and in the registry" in html
    assert "Where: agreements by region" in client.get("/en/agreements/").content.decode()
