import pytest
from django.contrib import admin
from django.urls import reverse

from agreements.models import ForumFigure, PartyAlias, Source
from agreements.tests.factories import make_agreement, make_forum, make_party


@pytest.fixture
def one_of_each(db):
    source = Source.objects.create(slug="s", title="Источник")
    forum = make_forum()
    ForumFigure.objects.create(
        forum=forum, key="docs", metric="documents", value=56, unit="documents", source=source
    )
    party = make_party()
    PartyAlias.objects.create(party=party, name="Другое написание")
    make_agreement(forum=forum, parties=[party, make_party(country="RU")], regions=["KZ-31"], sectors=["21"])


def admin_urls():
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        yield reverse("admin:{}_{}_changelist".format(*info))
        if model._meta.app_label != "axes":  # django-axes records attempts itself: no add page
            yield reverse("admin:{}_{}_add".format(*info))
        obj = model._default_manager.first()
        if obj is not None:
            yield reverse("admin:{}_{}_change".format(*info), args=[obj.pk])


@pytest.mark.django_db
def test_it_renders_every_admin_page_for_a_superuser(admin_client, one_of_each):
    urls = list(admin_urls())
    assert len(urls) >= 20
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(reverse("admin:agreements_agreement_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_it_speaks_russian(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert "Реестр соглашений" in response.content.decode()
    assert "Соглашения" in response.content.decode()
