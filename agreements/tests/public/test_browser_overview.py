"""The overview's map and charts in Chromium: regions, clicks, filters, phone width, axe-core."""

import re

import pytest
from playwright.sync_api import expect

from agreements.tests.axe import assert_accessible

pytestmark = [pytest.mark.browser]

MAP_TILES = ".region-map svg a[data-region]"


def chart_counts(page, key: str) -> dict[str, int]:
    return page.evaluate(
        """key => Object.fromEntries([...document.querySelectorAll(`[data-chart="${key}"] rect.bar`)]
            .map(bar => [bar.dataset.value, Number(bar.dataset.count)]))""",
        key,
    )


def test_it_draws_all_103_regions_on_the_home_page_and_the_listing(live_registry, page):
    for path in ("/", "/agreements/"):
        page.goto(live_registry.url + path)
        expect(page.locator(MAP_TILES)).to_have_count(103)
        codes = page.locator(MAP_TILES).evaluate_all("tiles => tiles.map(tile => tile.dataset.region)")
        assert len(set(codes)) == 103
        assert sum(code.startswith("KZ-") for code in codes) == 20
        tile = page.locator(f'{MAP_TILES}[data-region="KZ-31"]')
        expect(tile).to_have_attribute("aria-label", "Жамбылская область: 2 соглашения")
        expect(tile.locator("title")).to_have_text("Жамбылская область: 2 соглашения")


def test_it_filters_the_listing_when_a_region_is_clicked(live_registry, page):
    page.goto(live_registry.url + "/")
    page.locator(f'{MAP_TILES}[data-region="KZ-31"]').click()
    expect(page).to_have_url(re.compile(r"/agreements/\?region=KZ-31$"))
    expect(page.locator(".result")).to_have_count(2)
    expect(page.locator(f'{MAP_TILES}[data-region="KZ-31"]')).to_have_attribute("aria-current", "true")


def test_it_keeps_the_other_filters_when_a_region_is_clicked(live_registry, page):
    page.goto(live_registry.url + "/agreements/?sector=C")
    page.locator(f'{MAP_TILES}[data-region="KZ-11"]').click()
    expect(page).to_have_url(re.compile(r"/agreements/\?region=KZ-11&sector=C$"))
    expect(page.locator(".result")).to_have_count(1)


def test_it_can_reach_a_region_with_the_keyboard(live_registry, page):
    page.goto(live_registry.url + "/agreements/")
    tile = page.locator(f'{MAP_TILES}[data-region="KZ-31"]')
    tile.focus()
    expect(tile).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"region=KZ-31"))


def test_it_redraws_the_charts_with_the_filters(live_registry, page):
    page.goto(live_registry.url + "/agreements/")
    everything = chart_counts(page, "status")
    sectors = chart_counts(page, "sector")
    page.locator('[data-facet="region"] a[data-value="KZ-31"]').click()
    expect(page.locator(".result")).to_have_count(2)
    assert sum(everything.values()) == 12
    assert sum(chart_counts(page, "status").values()) == 2
    assert chart_counts(page, "sector") != sectors
    # The map shows the other filters' counts, as the region facet does.
    expect(page.locator(f'{MAP_TILES}[data-region="KZ-11"]')).to_have_attribute("data-count", "1")


def test_it_fits_a_phone_and_folds_the_listing_overview(live_registry, page):
    page.set_viewport_size({"width": 375, "height": 800})
    for path in ("/", "/agreements/", "/agreements/?region=KZ-31&sector=C", "/en/"):
        page.goto(live_registry.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
    page.goto(live_registry.url + "/agreements/")
    overview = page.locator("details.overview")
    expect(overview).not_to_have_attribute("open", "")
    overview.locator("summary").click()
    expect(page.locator(MAP_TILES).first).to_be_visible()


def test_it_keeps_the_listing_overview_open_on_a_wide_screen(live_registry, page):
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(live_registry.url + "/agreements/")
    expect(page.locator("details.overview")).to_have_attribute("open", "")
    expect(page.locator('[data-chart="sector"] svg')).to_be_visible()


@pytest.mark.parametrize("path", ["/", "/agreements/", "/agreements/?region=KZ-31", "/en/"])
def test_it_passes_axe_with_the_overview(live_registry, page, path):
    page.goto(live_registry.url + path)
    expect(page.locator(MAP_TILES)).to_have_count(103)
    assert_accessible(page)
