"""axe-core on the public pages a reader meets (issue #14): no critical or serious violation on the
home page, the listing (filtered, empty, on a phone), an agreement and a forum, in both languages."""

import pytest

from agreements.tests.axe import assert_accessible

pytestmark = [pytest.mark.browser]

PAGES = [
    "/",
    "/agreements/?region=KZ-31",
    "/agreements/?region=KZ-31&kind=agreement",  # empty, with suggestions
    "/agreements/?signed_from=2016-01-01",  # empty, with the undated note
    "/agreements/xiii-01-eurochem-karatau-fertilisers/",
    "/forums/kz-ru-interregional-forum-xiii/",
]


@pytest.mark.parametrize("language", ["", "/en"])
def test_it_has_no_serious_accessibility_violations(live_registry, page, language):
    for path in PAGES:
        page.goto(live_registry.url + language + path)
        assert_accessible(page)


def test_it_has_no_serious_accessibility_violations_on_a_phone_with_pages(live_registry, page, settings):
    settings.AGREEMENTS_PER_PAGE = 2  # page numbers shown
    page.set_viewport_size({"width": 375, "height": 800})
    for path in ["/agreements/?page=3", "/agreements/?q=xyzqwe"]:
        page.goto(live_registry.url + path)
        assert_accessible(page)
