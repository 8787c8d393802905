"""No lost edits: agreements, parties, forums and sources saved from the rendered page, and a second
concurrent save refused."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement, Forum, Source
from agreements.tests.admin_forms import form_data
from agreements.tests.factories import make_agreement, make_forum, make_party

CONFLICT = "Пока вы редактировали, эту запись изменил(а)"


def change_url(obj):
    return reverse(f"admin:agreements_{obj._meta.model_name}_change", args=[obj.pk])


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor(db):
    user = User.objects.create_user("editor", password="x", is_staff=True, first_name="Айгуль")
    user.groups.add(Group.objects.get(name="Редакторы"))
    return user


def make_source():
    return Source.objects.create(slug="announcement", title="Анонс форума")


RECORDS = {
    "agreement": (lambda: make_agreement(slug="a"), "title"),
    "party": (make_party, "name"),
    "forum": (make_forum, "title"),
    "source": (make_source, "title"),
}


@pytest.mark.parametrize("kind", RECORDS)
@pytest.mark.django_db
def test_it_renders_the_version_token_on_the_change_page(admin_client, kind):
    make, _ = RECORDS[kind]
    record = make()

    body = admin_client.get(change_url(record)).content.decode()

    token = re.search(r'<input type="hidden" name="loaded_version" value="([^"]+)"', body)
    assert token, "the page has no version token: every save would be refused as a conflict"
    record.refresh_from_db()
    assert token.group(1) == record.updated.isoformat()


@pytest.mark.parametrize("kind", RECORDS)
@pytest.mark.django_db
def test_it_saves_what_the_rendered_page_sends(client, editor, kind):
    make, field = RECORDS[kind]
    record = make()
    client.force_login(editor)
    data = form_data(client.get(change_url(record)))
    data[field] = "Исправленное название"

    response = client.post(change_url(record), data)

    assert response.status_code == 302, response.content.decode()
    record.refresh_from_db()
    assert getattr(record, field) == "Исправленное название"
    assert "успешно изменен" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("kind", RECORDS)
@pytest.mark.django_db
def test_it_refuses_the_second_of_two_concurrent_saves(editor, admin_user, kind):
    make, field = RECORDS[kind]
    record = make()
    first, second = logged_in(editor), logged_in(admin_user)
    first_data = form_data(first.get(change_url(record)))
    second_data = form_data(second.get(change_url(record)))
    first_data[field] = "Правка редактора"
    assert first.post(change_url(record), first_data).status_code == 302
    second_data[field] = "Правка администратора"

    response = second.post(change_url(record), second_data)

    assert response.status_code == 200
    body = response.content.decode()
    assert CONFLICT in body and "Откройте текущую версию" in body
    if kind != "source":  # sources keep no history: the message cannot say who
        assert f"{CONFLICT} Айгуль" in body
    record.refresh_from_db()
    assert getattr(record, field) == "Правка редактора"


@pytest.mark.django_db
def test_it_adds_records_with_an_empty_token(admin_client):
    page = admin_client.get(reverse("admin:agreements_forum_add"))
    data = form_data(page)
    assert data["loaded_version"] == ""
    data.update({"title": "Новый форум", "slug": "novyi-forum"})

    response = admin_client.post(reverse("admin:agreements_forum_add"), data)

    assert response.status_code == 302, response.content.decode()
    assert Forum.objects.filter(slug="novyi-forum").exists()


@pytest.mark.django_db
def test_it_shows_a_viewer_no_version_token(client):
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.groups.add(Group.objects.get(name="Наблюдатели"))
    client.force_login(viewer)
    agreement = make_agreement(slug="a")

    for record in (agreement, agreement.party_links.first().party):
        response = client.get(change_url(record))
        assert response.status_code == 200
        assert "loaded_version" not in response.content.decode()
        assert "Loaded version" not in response.content.decode()
    assert Agreement.objects.count() == 1
