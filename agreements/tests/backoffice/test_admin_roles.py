"""Roles: editors edit agreements but not reference data; viewers change nothing."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from agreements.models import Region
from agreements.tests.admin_forms import form_data
from agreements.tests.factories import make_agreement


def staff(name: str, group: str) -> User:
    user = User.objects.create_user(name, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.mark.django_db
def test_it_creates_the_two_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Редакторы", "Наблюдатели"}


@pytest.mark.django_db
def test_it_lets_an_editor_change_an_agreement(client):
    client.force_login(staff("editor", "Редакторы"))
    agreement = make_agreement(slug="a")
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    data = form_data(client.get(url))
    data["title"] = "Исправлено"
    assert client.post(url, data).status_code == 302
    assert client.get(reverse("admin:agreements_agreement_add")).status_code == 200


@pytest.mark.django_db
def test_it_forbids_an_editor_to_change_a_region(client):
    client.force_login(staff("editor", "Редакторы"))
    region = Region.objects.get(code="KZ-31")
    url = reverse("admin:agreements_region_change", args=[region.pk])
    assert client.get(url).status_code == 200  # may look
    response = client.post(
        url, {"code": "KZ-31", "name_ru": "Взлом", "name_en": "x", "kind": "oblast", "country": "KZ"}
    )
    assert response.status_code == 403
    assert Region.objects.get(code="KZ-31").name_ru == "Жамбылская область"
    assert client.get(reverse("admin:agreements_region_add")).status_code == 403


@pytest.mark.django_db
def test_it_lets_a_viewer_look_but_change_nothing(client):
    client.force_login(staff("viewer", "Наблюдатели"))
    agreement = make_agreement(slug="a", title="Как было")
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    assert client.get(reverse("admin:agreements_agreement_changelist")).status_code == 200
    assert client.get(url).status_code == 200
    assert client.post(url, {"title": "Взлом"}).status_code == 403
    assert client.get(reverse("admin:agreements_agreement_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:agreements_agreement_delete", args=[agreement.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    agreement.refresh_from_db()
    assert agreement.title == "Как было"
