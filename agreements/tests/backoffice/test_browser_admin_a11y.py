"""The admin in a browser at 1280 px: no page wider than the window, and axe-core finds nothing critical
or serious on the pages staff use most (the autocompletes named by static/registry-admin/a11y.js)."""

import pytest
from django.contrib.auth.models import User

from agreements.models import Agreement
from agreements.tests.axe import assert_accessible
from agreements.tests.backoffice.test_browser_admin import PASSWORD, SLUG, log_in

pytestmark = [pytest.mark.browser]


@pytest.fixture
def staff_page(live_registry, page):
    User.objects.create_superuser("admin", "admin@example.org", PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_registry.url)
    return page


def admin_pages():
    agreement = Agreement.objects.get(slug=SLUG)
    party = agreement.party_links.first().party
    return [
        "/admin/",
        "/admin/agreements/agreement/",
        f"/admin/agreements/agreement/{agreement.pk}/change/",
        f"/admin/agreements/party/{party.pk}/change/",
        "/admin/agreements/agreement/import/",
        f"/admin/agreements/agreement/{agreement.pk}/history/",
    ]


def opened(page, url):
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(100)  # a11y.js names the autocompletes just after load


def test_no_admin_page_is_wider_than_a_1280_px_window(live_registry, staff_page):
    for path in admin_pages():
        opened(staff_page, live_registry.url + path)
        width = staff_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, (path, width)


def test_axe_finds_nothing_critical_or_serious_on_the_admin_pages(live_registry, staff_page):
    for path in admin_pages():
        opened(staff_page, live_registry.url + path)
        assert_accessible(staff_page)


def test_an_added_inline_row_is_named_too(live_registry, staff_page):
    agreement = Agreement.objects.get(slug=SLUG)
    opened(staff_page, f"{live_registry.url}/admin/agreements/agreement/{agreement.pk}/change/")
    staff_page.locator("#party_links-group .add-row a").click()
    staff_page.wait_for_timeout(100)
    combobox = staff_page.locator("#party_links-group tr.dynamic-party_links").last.locator(
        ".select2-selection"
    )
    assert combobox.get_attribute("aria-label") == "Участник"
    assert_accessible(staff_page)
