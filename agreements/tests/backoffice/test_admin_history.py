"""The audit trail in the admin: the history page in Russian, reverting a version, mistyped history URLs."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from agreements.models import Agreement, Region, Sector, StatusChange
from agreements.tests.admin_forms import form_data
from agreements.tests.factories import make_agreement, make_forum, make_party


def change_url(obj):
    return reverse(f"admin:agreements_{obj._meta.model_name}_change", args=[obj.pk])


def history_url(obj):
    return reverse(f"admin:agreements_{obj._meta.model_name}_history", args=[obj.pk])


def revert_url(obj, record):
    return reverse(
        f"admin:agreements_{obj._meta.model_name}_simple_history", args=[obj.pk, record.history_id]
    )


def pks(model, codes):
    return [str(pk) for pk in model.objects.filter(code__in=codes).values_list("pk", flat=True)]


def history_table(response) -> str:
    body = response.content.decode()
    start = body.index('id="change-history"')
    return body[start : body.index("</table>", start)]


def edit(client, obj, **changes):
    data = form_data(client.get(change_url(obj)))
    data.update(changes)
    response = client.post(change_url(obj), data)
    assert response.status_code == 302, response.content.decode()


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests start from a flushed database: migrations' reference data is gone."""
    call_command("load_reference_data", verbosity=0)


# Transactional, so that on PostgreSQL a request runs in autocommit as in production: there the revert's
# edit-conflict check (SELECT … FOR UPDATE) outside a transaction was a 500 (TransactionManagementError).
@pytest.mark.django_db(transaction=True)
def test_it_reverts_a_version_from_the_rendered_revert_page(admin_client, reference_data):
    agreement = make_agreement(slug="a", title="Первая версия", regions=["KZ-31"], sectors=["20"])
    StatusChange.objects.create(agreement=agreement, status="signed")
    agreement.refresh_from_db()
    before = agreement.history.first()
    edit(
        admin_client,
        agreement,
        title="Вторая версия",
        regions=pks(Region, ["KZ-11", "KZ-15"]),
        sectors=pks(Sector, ["21"]),
    )
    page = admin_client.get(revert_url(agreement, before))
    assert page.status_code == 200
    assert "Первая версия" in page.content.decode()

    response = admin_client.post(revert_url(agreement, before), form_data(page))

    assert response.status_code == 302, response.content.decode()
    agreement.refresh_from_db()
    assert agreement.title == "Первая версия"
    assert list(agreement.regions.values_list("code", flat=True)) == ["KZ-31"]
    assert list(agreement.sectors.values_list("code", flat=True)) == ["20"]
    assert agreement.status == "signed"  # the timeline's latest step, not the version's status
    assert "первая версия" in agreement.search_text.lower()
    assert agreement.history.first().history_user.username == "admin"
    assert "успешно" in admin_client.get(response["Location"]).content.decode()


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_revert_over_a_change_made_after_the_revert_page_was_opened(
    admin_client, reference_data
):
    agreement = make_agreement(slug="a", title="Первая версия")
    before = agreement.history.first()
    edit(admin_client, agreement, title="Вторая версия")
    page = admin_client.get(revert_url(agreement, before))
    edit(admin_client, agreement, title="Третья версия")

    response = admin_client.post(revert_url(agreement, before), form_data(page))

    assert response.status_code == 200
    assert "Пока вы редактировали, эту запись изменил(а)" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.title == "Третья версия"


@pytest.mark.django_db
def test_it_reverts_a_party_and_its_agreements_find_the_old_name(admin_client):
    party = make_party(name="Старое название")
    agreement = make_agreement(slug="a", parties=[party, make_party(country="RU")])
    before = party.history.first()
    edit(admin_client, party, name="Новое название")
    page = admin_client.get(revert_url(party, before))

    assert admin_client.post(revert_url(party, before), form_data(page)).status_code == 302

    party.refresh_from_db()
    assert party.name == "Старое название"
    agreement.refresh_from_db()
    assert "старое название" in agreement.search_text.lower()


@pytest.mark.django_db
def test_it_reverts_a_forum(admin_client):
    forum = make_forum(title="Форум до правки")
    before = forum.history.first()
    edit(admin_client, forum, title="Форум после правки")
    page = admin_client.get(revert_url(forum, before))

    assert admin_client.post(revert_url(forum, before), form_data(page)).status_code == 302

    forum.refresh_from_db()
    assert forum.title == "Форум до правки"


@pytest.mark.django_db
def test_it_shows_the_history_with_russian_labels(admin_client):
    agreement = make_agreement(slug="a", title="Первая версия", regions=["KZ-31"])
    edit(
        admin_client,
        agreement,
        title="Вторая версия",
        kind=Agreement.Kind.MOU,
        is_published="",
        regions=pks(Region, ["KZ-11"]),
    )

    response = admin_client.get(history_url(agreement))

    assert response.status_code == 200
    table = history_table(response)
    assert "Что изменилось" in table and "Кто" in table
    assert "<strong>Название:</strong> Первая версия" in table
    assert "Регионы реализации:" in table and "Акмолинская область (KZ-11)" in table
    assert "Меморандум" in table or "меморандум" in table  # the kind's label, not its code
    assert "опубликовано" in table.lower() and "да&nbsp;&rarr;&nbsp;нет" in table
    assert "создано" in table
    for english in ("None", "Changes", "Changed by", "Change reason", ">changes<", "title:", "regions:"):
        assert english not in table, english


@pytest.mark.django_db
def test_it_shows_a_dash_for_a_record_nobody_signed(admin_client):
    agreement = make_agreement(slug="a")  # saved by code: no user, no reason

    table = history_table(admin_client.get(history_url(agreement)))

    assert "None" not in table and "Нет" not in table
    assert "—" in table


@pytest.mark.parametrize(
    "url",
    [
        "/admin/agreements/agreement/{pk}/history/999999/",
        "/admin/agreements/agreement/{pk}/history/abc/",
        "/admin/agreements/agreement/{pk}/history/{other_version}/",
        "/admin/agreements/agreement/abc/history/",
        "/admin/agreements/agreement/abc/history/1/",
        "/admin/agreements/agreement/999999/history/",
        "/admin/agreements/party/abc/history/",
        "/admin/agreements/forum/{pk}/history/x/",
    ],
)
@pytest.mark.django_db
def test_it_answers_404_to_a_mistyped_history_url(admin_client, url):
    agreement = make_agreement(slug="a")
    other = make_agreement(slug="b")
    url = url.format(pk=agreement.pk, other_version=other.history.first().history_id)

    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url, {"title": "x"}).status_code == 404


@pytest.mark.django_db
def test_it_shows_party_and_forum_histories_with_field_labels(admin_client):
    party, forum = make_party(name="До"), make_forum(title="До")
    edit(admin_client, party, name="После")
    edit(admin_client, forum, title="После")

    for record, label in ((party, "Полное название:"), (forum, "Название:")):
        table = history_table(admin_client.get(history_url(record)))
        assert f"<strong>{label}</strong> До&nbsp;&rarr;&nbsp;После" in table
        assert "None" not in table


@pytest.mark.django_db
def test_it_shows_the_history_in_the_admins_language_whatever_the_browser_asks(admin_client):
    # The admin is Russian only (no /en/admin/): an English browser gets the same Russian headings.
    agreement = make_agreement(slug="a", title="Первая версия")
    edit(admin_client, agreement, title="Вторая версия")

    for language in ("ru", "en"):
        table = history_table(admin_client.get(history_url(agreement), HTTP_ACCEPT_LANGUAGE=language))
        assert '<th scope="col">Что изменилось</th>' in table and "<strong>Название:</strong>" in table
        for english in ("None", "Changed by", "Change reason", "Date/time", "Object", "title:"):
            assert english not in table, (language, english)
    assert admin_client.get("/en" + history_url(agreement)).status_code == 404
