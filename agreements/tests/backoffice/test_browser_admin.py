"""The admin in a real browser, used as staff use it: log in, edit, save, revert.

The change form's hidden version token was once missing from the page, so every save of an existing
agreement was refused as an edit conflict while tests that built the POST from the form object passed.
"""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from agreements.models import Agreement, Party

pytestmark = [pytest.mark.browser]

PASSWORD = "проверка-входа-42"
SLUG = "xiii-02-akmola-industrial-bearings"


def log_in(page, base_url):
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Имя пользователя").fill("admin")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(f"{base_url}/admin/")


@pytest.fixture
def admin_page(live_registry, page):
    User.objects.create_superuser("admin", "admin@example.org", PASSWORD, first_name="Айгуль")
    log_in(page, live_registry.url)
    return page


def save(page):
    page.get_by_role("button", name="Сохранить", exact=True).click()


def test_it_saves_an_edited_agreement(live_registry, admin_page):
    agreement = Agreement.objects.get(slug=SLUG)
    admin_page.goto(f"{live_registry.url}/admin/agreements/agreement/{agreement.pk}/change/")
    admin_page.locator("#id_title").fill("Меморандум о подшипниках (исправлено)")

    save(admin_page)

    expect(admin_page.locator(".messagelist .success")).to_contain_text("успешно изменен")
    expect(admin_page).to_have_url(re.compile(r"/admin/agreements/agreement/$"))
    agreement.refresh_from_db()
    assert agreement.title == "Меморандум о подшипниках (исправлено)"
    assert agreement.slug == SLUG  # the page's slug script leaves a saved address alone


def test_it_saves_an_edited_party(live_registry, admin_page):
    party = Agreement.objects.get(slug=SLUG).party_links.first().party
    admin_page.goto(f"{live_registry.url}/admin/agreements/party/{party.pk}/change/")
    admin_page.locator("#id_short_name").fill("ЕПК-тест")

    save(admin_page)

    expect(admin_page.locator(".messagelist .success")).to_contain_text("успешно изменен")
    assert Party.objects.get(pk=party.pk).short_name == "ЕПК-тест"


def test_it_reverts_a_version_from_the_history(live_registry, admin_page):
    agreement = Agreement.objects.get(slug=SLUG)
    original_title = agreement.title
    change = f"{live_registry.url}/admin/agreements/agreement/{agreement.pk}/change/"
    admin_page.goto(change)
    admin_page.locator("#id_title").fill("Неудачная правка")
    save(admin_page)
    expect(admin_page.locator(".messagelist .success")).to_be_visible()

    admin_page.goto(f"{change.removesuffix('change/')}history/")
    history = admin_page.locator("#change-history")
    expect(history).to_contain_text("Что изменилось")
    expect(history).to_contain_text("Название:")
    expect(history).not_to_contain_text("None")
    history.get_by_role("link", name=original_title).first.click()
    expect(admin_page.locator("#id_title")).to_have_value(original_title)
    admin_page.get_by_role("button", name="Восстановить").first.click()

    expect(admin_page.locator(".messagelist .success")).to_contain_text("успешно")
    agreement.refresh_from_db()
    assert agreement.title == original_title


def test_it_refuses_the_second_of_two_tabs_saving_the_same_agreement(live_registry, admin_page, context):
    agreement = Agreement.objects.get(slug=SLUG)
    change = f"{live_registry.url}/admin/agreements/agreement/{agreement.pk}/change/"
    other = context.new_page()  # the same session: one person, two tabs
    admin_page.goto(change)
    other.goto(change)
    admin_page.locator("#id_title").fill("Правка в первой вкладке")
    save(admin_page)
    expect(admin_page.locator(".messagelist .success")).to_be_visible()

    other.locator("#id_title").fill("Правка во второй вкладке")
    save(other)

    expect(other.locator(".errornote, .errorlist").first).to_be_visible()
    expect(other.locator("#content")).to_contain_text("Пока вы редактировали, эту запись изменил(а) Айгуль")
    agreement.refresh_from_db()
    assert agreement.title == "Правка в первой вкладке"
