"""The registry in a real browser: Playwright drives Debian's Chromium against a live server.

Skipped, with the reason, when /usr/bin/chromium is missing; CI installs it and sets REQUIRE_BROWSER=1,
which turns that skip into a failure (see conftest.py).
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]


def test_it_narrows_the_list_when_a_region_facet_is_picked(live_registry, page):
    page.goto(f"{live_registry.url}/agreements/")
    expect(page.locator(".result-count")).to_contain_text("12")
    page.locator('[data-facet="region"] a[data-value="KZ-31"]').click()
    expect(page).to_have_url(re.compile(r"/agreements/\?region=KZ-31$"))
    expect(page.locator(".result-count")).to_contain_text("2")
    expect(page.locator(".result")).to_have_count(2)
    expect(page.locator(".chip").first).to_contain_text("KZ-31")
    # Removing the chip brings every agreement back.
    page.locator(".chips a.chip").first.click()
    expect(page.locator(".result")).to_have_count(12)


def test_it_opens_an_agreement_from_the_list(live_registry, page):
    page.goto(f"{live_registry.url}/agreements/?region=KZ-11")
    page.locator(".result-title a").first.click()
    expect(page).to_have_url(re.compile(r"/agreements/xiii-02-akmola-industrial-bearings/$"))
    expect(page.locator("h1")).to_contain_text("Европейская подшипниковая корпорация")
    expect(page.locator("blockquote.quote")).to_contain_text("индустриальных подшипников")
    expect(page).to_have_title(re.compile("Меморандум между акиматом Акмолинской области"))


def test_it_searches_in_russian(live_registry, page):
    page.goto(f"{live_registry.url}/agreements/")
    page.get_by_label("Поиск по названию, предмету и участникам").fill("удобрения")
    page.get_by_label("Поиск по названию, предмету и участникам").press("Enter")
    expect(page).to_have_url(re.compile(r"q=%D1%83%D0%B4"))
    expect(page.locator(".result")).to_have_count(1)
    expect(page.locator(".result-subject")).to_contain_text("минеральных удобрений")


def test_it_switches_to_english_keeping_the_filters(live_registry, page):
    page.goto(f"{live_registry.url}/agreements/?region=KZ-31")
    page.locator('a[data-language="en"]').click()
    expect(page).to_have_url(re.compile(r"/en/agreements/\?region=KZ-31$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Agreements")
    expect(page.locator('[data-facet="region"]')).to_contain_text("Zhambyl Region")
    expect(page.locator(".result-count")).to_contain_text("2")


def test_it_fits_a_phone_screen(live_registry, page):
    page.set_viewport_size({"width": 375, "height": 800})
    for path in [
        "/",
        "/agreements/?region=KZ-31",
        "/agreements/xiii-01-eurochem-karatau-fertilisers/",
        "/forums/kz-ru-interregional-forum-xiii/",
    ]:
        page.goto(live_registry.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the screen"


def test_it_can_be_used_with_the_keyboard(live_registry, page):
    page.goto(f"{live_registry.url}/agreements/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link").first).to_be_focused()
    assert page.locator("main").count() == 1 and page.locator("header").count() == 1
    assert page.locator("nav[aria-label]").count() >= 2
