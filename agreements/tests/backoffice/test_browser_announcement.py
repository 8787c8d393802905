"""«Импорт из сообщения» in a real browser: log in, paste the press release, preview, confirm.

A fresh registry (reference data only, not the seed), so the seed's documents are all new.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import expect

from agreements.models import Agreement

pytestmark = [pytest.mark.browser]

SEED_TEXT = (Path(settings.BASE_DIR) / "fixtures" / "sources" / "xiii-forum-announcement.txt").read_text()


@pytest.fixture
def fresh_registry(transactional_db, live_server, browser_type_launch_args):
    call_command("load_reference_data", verbosity=0)
    User.objects.create_superuser("admin", "admin@example.org", "secret-password")
    return live_server


def test_it_imports_an_announcement_through_the_admin(fresh_registry, page):
    page.goto(f"{fresh_registry.url}/admin/agreements/agreement/")
    page.get_by_label("Имя пользователя").fill("admin")
    page.get_by_label("Пароль").fill("secret-password")
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("link", name="Импорт из сообщения").click()

    page.get_by_label("Текст сообщения").fill(SEED_TEXT)
    page.get_by_label("…или новый форум: название").fill("XIII Форум межрегионального сотрудничества")
    page.get_by_role("button", name="Показать, что в тексте").click()

    expect(page.locator("fieldset.agreement")).to_have_count(12)
    expect(page.locator("#figures tr.figure").first).to_contain_text("двухсторонних документов")
    # A correction typed into the preview is what gets saved.
    page.locator('input[name="agreements-0-title"]').fill("Меморандум о Каратау (исправлено)")
    page.get_by_role("button", name="Сохранить черновики").click()

    expect(page.locator(".messagelist")).to_contain_text("Создано черновиков: 12")
    expect(page.locator("#result_list")).to_contain_text("Меморандум о Каратау (исправлено)")
    assert Agreement.objects.filter(is_published=False).count() == 12
