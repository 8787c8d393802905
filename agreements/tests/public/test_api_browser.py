"""The API's documentation page in Chromium, under the site's Content Security Policy."""

import pytest

pytestmark = [pytest.mark.browser]


def test_it_renders_the_api_documentation_with_nothing_blocked(live_registry, page, settings):
    settings.API_THROTTLE_RATE = None
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(f"{live_registry.url}/api/docs/")
    operation = page.locator("#operations-agreements-agreements_list")
    operation.wait_for(timeout=15_000)  # drawn by Swagger UI from /api/schema/
    operation.locator("button").first.click()
    page.get_by_text("region").first.wait_for()
    assert not [m for m in messages if "Content Security Policy" in m or "Refused" in m], messages
