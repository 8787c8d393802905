"""The forum page in Chromium: its figures as human numbers in Russian and English (issue #14)."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

FORUM = "/forums/kz-ru-interregional-forum-xiii/"


def test_it_writes_the_forum_figures_in_the_readers_language(live_registry, page):
    page.goto(live_registry.url + FORUM)
    values = page.locator("table.figures td.number")
    expect(values).to_have_count(6)
    expect(values).to_have_text(
        [
            "56 документов",
            "≈\u00a03\u00a0млрд\u00a0долларов США",
            "6\u00a0453 компании",
            "14,57\u00a0млрд\u00a0долларов США",
            "4,34\u00a0млрд\u00a0долларов США",
            "10,23\u00a0млрд\u00a0долларов США",
        ]
    )
    page.locator('a[data-language="en"]').click()
    expect(values.first).to_have_text("56 documents")
    expect(values.nth(1)).to_have_text("≈\u00a0USD\u00a03 billion")
    expect(values.nth(2)).to_have_text("6,453 companies")
