"""The Kazakh site in Chromium: no Russian UI string left on /kk/ pages, the language switch moves
between the three languages keeping the path and the query, plurals, and axe-core on /kk/ pages.

"Untranslated" is judged against the catalogue: any visible text (or placeholder, label, title) that
is exactly a Russian msgid whose Kazakh msgstr differs is a UI string that was not translated. Data
(agreement titles, party names, sector names without a Kazakh source) stays Russian and is not a msgid.
"""

import re

import pytest
from playwright.sync_api import expect

from agreements import catalogs
from agreements.tests.axe import assert_accessible

pytestmark = [pytest.mark.browser]

KAZAKH_PAGES = [
    "/kk/",
    "/kk/agreements/",
    "/kk/agreements/?region=KZ-31",
    "/kk/agreements/xiii-02-akmola-industrial-bearings/",
    "/kk/forums/kz-ru-interregional-forum-xiii/",
    "/kk/regions/KZ-11/",
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
TAG = re.compile(r"<[^>]+>")
CYRILLIC_WORD = re.compile(r"[а-яё]{2}", re.IGNORECASE)
PAGE_TEXTS = """() => {
  const texts = [];
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (parent && parent.closest('script, style')) continue;
    texts.push(walker.currentNode.textContent);
  }
  for (const element of document.querySelectorAll('[placeholder], [aria-label], [title], [alt]')) {
    for (const name of ['placeholder', 'aria-label', 'title', 'alt']) {
      if (element.hasAttribute(name)) texts.push(element.getAttribute(name));
    }
  }
  return texts.map((text) => text.replace(/\\s+/g, ' ').trim()).filter(Boolean);
}"""


def russian_ui_strings():
    """Exact Russian texts and patterns (for msgids with placeholders) Kazakh pages must not show."""
    kazakh, russian = catalogs.read_catalog("kk"), catalogs.read_catalog("ru")
    exact, patterns = set(), []
    for message in kazakh:
        if not message.id:
            continue
        sources = [message.id]
        if message.pluralizable:  # the msgid's two forms and Russian's third (2 соглашения)
            sources = {*message.id, *(russian.get(message.id, context=message.context) or message).string}
        translations = message.string if message.pluralizable else [message.string]
        for source in sources:
            if source in translations:
                continue  # the same word in both languages (Форум, Меморандум)
            for piece in TAG.split(source):  # markup splits a message into several text nodes
                words = PLACEHOLDER.split(piece)
                if not CYRILLIC_WORD.search(piece.replace("%(", "")):
                    continue  # only placeholders or punctuation: nothing to translate there
                if len(words) == 1:
                    exact.add(piece.strip())
                else:
                    regex = r"\s*\S+\s*".join(re.escape(word.strip()) for word in words)
                    patterns.append(re.compile(f"^{regex}$"))
    exact.discard("")
    return exact, patterns


@pytest.mark.parametrize("path", KAZAKH_PAGES)
def test_it_leaves_no_russian_ui_string_on_kazakh_pages(live_registry, page, path):
    exact, patterns = russian_ui_strings()
    page.goto(f"{live_registry.url}{path}")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    texts = page.evaluate(PAGE_TEXTS)
    untranslated = sorted({t for t in texts if t in exact or any(p.match(t) for p in patterns)})
    assert not untranslated, f"Russian UI strings on {path}: {untranslated}"
    # Counting words are Kazakh, and a name without a Kazakh form is marked as Russian.
    for name in page.locator('span[lang="ru"]').all_text_contents():
        assert name.strip(), "an empty fallback name"


def test_it_moves_between_the_three_languages_keeping_path_and_query(live_registry, page):
    page.goto(f"{live_registry.url}/kk/agreements/?region=KZ-31&sort=title")
    switch = page.locator(".languages")
    expect(switch).to_contain_text("Қазақша")
    expect(switch).to_contain_text("Русский")
    expect(switch).to_contain_text("English")
    expect(page.locator(".result-count")).to_contain_text("2 келісім табылды")

    page.locator('a[data-language="ru"]').click()
    expect(page).to_have_url(re.compile(r"/agreements/\?region=KZ-31&sort=title$"))
    assert "/en/" not in page.url and "/kk/" not in page.url
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator(".result-count")).to_contain_text("Найдено 2 соглашения")

    page.locator('a[data-language="en"]').click()
    expect(page).to_have_url(re.compile(r"/en/agreements/\?region=KZ-31&sort=title$"))
    expect(page.locator(".result-count")).to_contain_text("2 agreements found")

    page.locator('a[data-language="kk"]').click()
    expect(page).to_have_url(re.compile(r"/kk/agreements/\?region=KZ-31&sort=title$"))
    expect(page.locator('[data-facet="region"]')).to_contain_text("Жамбыл облысы")


def test_it_counts_in_kazakh(live_registry, page):
    page.goto(f"{live_registry.url}/kk/agreements/?region=KZ-11")
    expect(page.locator(".result-count")).to_have_text(re.compile(r"^\s*1 келісім табылды\s*$"))
    page.goto(f"{live_registry.url}/kk/")
    expect(page.locator("main")).to_contain_text("12 келісім")
    expect(page.locator("main")).to_contain_text("1 форум")


@pytest.mark.parametrize("path", ["/kk/", "/kk/agreements/"])
def test_it_passes_axe_in_kazakh(live_registry, page, path):
    page.goto(f"{live_registry.url}{path}")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    assert_accessible(page)
