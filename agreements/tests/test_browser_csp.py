"""Every public page and the admin work under the strict Content Security Policy: a real browser
reports no violation on them, with the admin's autocomplete widgets and prepopulated slugs in use.

Skipped, with the reason, when /usr/bin/chromium is missing (REQUIRE_BROWSER=1 makes that a failure).
"""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from agreements.models import Agreement

pytestmark = [pytest.mark.browser]

# Chromium reports a blocked resource on the console ("Refused to … because it violates the following
# Content Security Policy directive"); the listener also catches violations that log nothing.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def violations(page):
    found = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            found.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "CSP violation" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: found.append(f"{page.url}: script error {error}"))
    return found


def visit(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")


def test_it_shows_every_public_page_without_a_violation(live_registry, page, violations):
    base = live_registry.url
    detail = f"{base}/agreements/xiii-01-eurochem-karatau-fertilisers/"
    for url in [f"{base}/", f"{base}/agreements/", f"{base}/agreements/?region=KZ-31&sort=-updated", detail]:
        visit(page, url)
    # The pages an agreement links to: its forum, parties, regions, sectors and source.
    visit(page, detail)
    linked = {}
    for href in page.locator("main a[href]").evaluate_all("links => links.map(a => a.href)"):
        kind = re.search(r"/(forums|parties|regions|sectors|sources)/", href)
        if kind:
            linked.setdefault(kind.group(1), href)
    assert set(linked) == {"forums", "parties", "regions", "sectors", "sources"}, linked
    for url in linked.values():
        visit(page, url)
    visit(page, f"{base}/en/agreements/")
    assert violations == [], "\n".join(violations)


def log_in(page, base):
    User.objects.create_superuser("root", password="a long enough password")
    visit(page, f"{base}/admin/login/")
    page.get_by_label("Имя пользователя").fill("root")
    page.get_by_label("Пароль").fill("a long enough password")
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_it_works_in_the_admin_without_a_violation(live_registry, page, violations):
    base = live_registry.url
    log_in(page, base)
    visit(page, f"{base}/admin/agreements/agreement/")
    page.locator("#changelist-filter, #result_list").first.wait_for()
    agreement = Agreement.objects.order_by("pk").first()
    visit(page, f"{base}/admin/agreements/agreement/{agreement.pk}/change/")
    # Open every autocomplete (select2) widget and let it fetch its choices.
    selections = page.locator(".select2-selection")
    assert selections.count() >= 5
    for index in range(selections.count()):
        selections.nth(index).scroll_into_view_if_needed()
        selections.nth(index).click()
        expect(page.locator(".select2-results__option").first).to_be_visible()
        page.keyboard.press("Escape")
    # The prepopulated slug follows the name as it is typed (admin's prepopulate.js, no inline script).
    visit(page, f"{base}/admin/agreements/party/add/")
    page.locator("#id_name").press_sequentially("Тестовая компания")
    expect(page.locator("#id_slug")).not_to_have_value("")
    # The export form's "select all" toggle, bound from a static file instead of an inline handler.
    visit(page, f"{base}/admin/agreements/agreement/export/")
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]:visible')
    expect(fields.first).to_be_checked()
    page.locator("input.select-toggle").uncheck()
    expect(fields.first).not_to_be_checked()
    for url in [
        f"{base}/admin/agreements/agreement/add/",
        f"{base}/admin/agreements/agreement/import/",
        f"{base}/admin/agreements/agreement/{agreement.pk}/history/",
        f"{base}/admin/axes/accessattempt/",
    ]:
        visit(page, url)
    assert violations == [], "\n".join(violations)
