"""In Chromium, under the site's Content-Security-Policy: the JSON-LD data block is not blocked
(a browser never runs it) and the citation's BibTeX opens without any script."""

import json

import pytest

pytestmark = [pytest.mark.browser]

SLUG = "xiii-01-eurochem-karatau-fertilisers"


def test_it_shows_json_ld_and_the_citation_without_a_csp_violation(live_registry, page):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    response = page.goto(f"{live_registry.url}/agreements/{SLUG}/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers.get("content-security-policy", "")
    block = page.locator('script[type="application/ld+json"]').text_content()
    assert json.loads(block)["identifier"] == SLUG
    page.get_by_text("BibTeX").click()
    assert page.locator("pre.citation-bibtex").is_visible()
    assert f"@misc{{registry-{SLUG}," in page.locator("pre.citation-bibtex").text_content()
    assert not [text for text in messages if "Content Security Policy" in text]
