"""The listing in Chromium (issue #14): empty results that explain themselves, a phone-sized screen,
page numbers, and the skip link to the results as the first Tab stop."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]


def test_it_explains_an_empty_search_and_offers_what_to_remove(live_registry, page):
    page.goto(f"{live_registry.url}/agreements/?region=KZ-31&kind=agreement")
    expect(page.locator(".result-count")).to_have_text("Найдено 0 соглашений")
    expect(page.locator(".chips .chip:not(.chip-clear)")).to_have_count(2)
    expect(page.get_by_role("link", name="Сбросить всё")).to_be_visible()
    expect(page.get_by_role("link", name="Сбросить все фильтры")).to_be_visible()
    # The facets stay, counted under the other filters; the chosen region is there at 0.
    expect(page.locator('[data-facet="region"] a[data-value="KZ-31"] .facet-count')).to_have_text("0")
    expect(page.locator('[data-facet="region"] a[data-value="KZ-71"]')).to_be_visible()
    suggestions = page.locator(".relaxations li")
    expect(suggestions).to_have_count(2)
    expect(suggestions.first).to_contain_text("Регион: KZ-31 · Жамбылская область")
    expect(suggestions.first).to_contain_text("3 соглашения")
    suggestions.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/agreements/\?kind=agreement$"))
    expect(page.locator(".result")).to_have_count(3)


def test_it_says_how_many_undated_agreements_a_date_filter_leaves_out(live_registry, page):
    page.goto(f"{live_registry.url}/agreements/?signed_from=2016-01-01")
    expect(page.locator(".result-count")).to_have_text("Найдено 0 соглашений")
    expect(page.get_by_test_id("undated")).to_contain_text("12 соглашений без даты подписания")
    page.get_by_role("link", name="Сбросить все фильтры").click()
    expect(page.locator(".result")).to_have_count(12)


def test_it_puts_a_filters_control_at_the_top_of_a_phone_screen(live_registry, page):
    page.set_viewport_size({"width": 375, "height": 800})
    for path in ["/agreements/", "/agreements/?region=KZ-31", "/agreements/?q=xyzqwe"]:
        page.goto(live_registry.url + path)
        control = page.locator(".filters-jump")
        expect(control).to_be_visible()
        assert control.bounding_box()["y"] < 400, f"{path}: «Фильтры» is below the first screen"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
    control.click()
    expect(page).to_have_url(re.compile(r"#filters$"))
    expect(page.locator('[data-facet="region"]')).to_be_in_viewport()
    page.locator(".to-results a").click()
    expect(page.locator(".result-count")).to_be_in_viewport()


def test_it_hides_the_filters_control_where_the_facets_are_beside_the_results(live_registry, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_registry.url}/agreements/")
    expect(page.locator(".filters-jump")).to_be_hidden()


def test_it_numbers_the_pages(live_registry, page, settings):
    settings.AGREEMENTS_PER_PAGE = 2  # 12 agreements: 6 pages
    page.goto(f"{live_registry.url}/agreements/?page=3")
    numbers = page.locator(".page-numbers a")
    expect(numbers).to_have_text(["1", "2", "3", "4", "5", "6"])
    expect(page.locator('.page-numbers a[aria-current="page"]')).to_have_text("3")
    page.locator(".page-numbers a", has_text="6").click()
    expect(page).to_have_url(re.compile(r"\?page=6$"))
    expect(page.locator('.page-numbers a[aria-current="page"]')).to_have_text("6")
    expect(page.locator(".result")).to_have_count(2)
    page.locator(".page-numbers a", has_text="1").click()
    expect(page.locator('.page-numbers a[aria-current="page"]')).to_have_text("1")


def test_it_makes_the_skip_link_to_the_results_the_first_tab_stop(live_registry, page):
    page.goto(f"{live_registry.url}/agreements/?region=KZ-31")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("К результатам")
    expect(focused).to_be_visible()  # shown when focused
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#results$"))
    expect(page.locator("#results")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is inside the results, not the 50 facet links
    assert page.evaluate("document.activeElement.closest('#results') !== null")
