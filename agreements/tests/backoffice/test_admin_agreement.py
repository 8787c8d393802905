"""The agreement admin: publishing, status history, audit trail, no lost edits, validation, scale."""

import datetime
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from agreements.backoffice.listfilters import SignedYearFilter
from agreements.models import Agreement, AgreementParty, StatusChange
from agreements.tests.admin_forms import form_data, inline_prefix
from agreements.tests.factories import make_agreement, make_forum, make_party

CHANGELIST = reverse("admin:agreements_agreement_changelist")


def change_url(agreement):
    return reverse("admin:agreements_agreement_change", args=[agreement.pk])


def errors_of(response) -> str:
    return response.content.decode() if response.status_code == 200 else ""


@pytest.fixture
def editor(db):
    from django.contrib.auth.models import Group

    user = User.objects.create_user(
        "editor", password="x", is_staff=True, first_name="Айгуль", last_name="Editor"
    )
    user.groups.add(Group.objects.get(name="Редакторы"))
    return user


@pytest.mark.django_db
def test_it_creates_new_agreements_as_drafts(admin_client):
    response = admin_client.get(reverse("admin:agreements_agreement_add"))
    assert response.context["adminform"].form["is_published"].value() is False


@pytest.mark.django_db
def test_it_publishes_and_unpublishes_in_bulk(admin_client):
    drafts = [make_agreement(slug=f"d{n}", published=False) for n in range(3)]
    response = admin_client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [a.pk for a in drafts]}, follow=True
    )
    assert response.status_code == 200
    assert Agreement.objects.public().count() == 3
    admin_client.post(CHANGELIST, {"action": "unpublish", "_selected_action": [drafts[0].pk]})
    assert Agreement.objects.public().count() == 2


@pytest.mark.django_db
def test_it_refuses_to_publish_an_agreement_with_fewer_than_two_parties(admin_client):
    lonely = make_agreement(slug="lonely", parties=[make_party()], published=False)
    response = admin_client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [lonely.pk]}, follow=True
    )
    assert not Agreement.objects.get(pk=lonely.pk).is_published
    assert "не меньше двух сторон" in response.content.decode()


@pytest.mark.django_db
def test_it_saves_a_change_and_records_who_made_it(client, editor):
    client.force_login(editor)
    agreement = make_agreement(slug="a", title="Старое название")
    data = form_data(client.get(change_url(agreement)))
    data["title"] = "Новое название"
    response = client.post(change_url(agreement), data)
    assert response.status_code == 302, errors_of(response)
    agreement.refresh_from_db()
    assert agreement.title == "Новое название"
    latest = agreement.history.first()
    assert latest.history_user == editor
    diff = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in diff.changes if c.field == "title"] == [
        ("title", "Старое название", "Новое название")
    ]


@pytest.mark.django_db
def test_it_shows_the_changes_in_the_history_and_reverts(admin_client):
    agreement = make_agreement(slug="a", title="Первая версия", regions=["KZ-31"])
    before = agreement.history.first()  # the latest version before the edit
    data = form_data(admin_client.get(change_url(agreement)))
    data["title"] = "Вторая версия"
    data["regions"] = [
        str(r) for r in agreement.regions.model.objects.filter(code="KZ-11").values_list("pk", flat=True)
    ]
    assert admin_client.post(change_url(agreement), data).status_code == 302
    history = admin_client.get(reverse("admin:agreements_agreement_history", args=[agreement.pk]))
    assert history.status_code == 200
    body = history.content.decode()
    assert "Первая версия" in body and "Вторая версия" in body
    revert_url = reverse("admin:agreements_agreement_simple_history", args=[agreement.pk, before.history_id])
    form = admin_client.get(revert_url)
    assert form.status_code == 200
    response = admin_client.post(revert_url, form_data(form))
    assert response.status_code == 302, errors_of(response)
    agreement.refresh_from_db()
    assert agreement.title == "Первая версия"
    assert list(agreement.regions.values_list("code", flat=True)) == ["KZ-31"]


@pytest.mark.django_db
def test_it_refuses_the_second_of_two_concurrent_edits(client, editor, admin_user):
    agreement = make_agreement(slug="a", title="Исходное")
    client.force_login(editor)
    first = form_data(client.get(change_url(agreement)))
    other = client_for(admin_user)
    second = form_data(other.get(change_url(agreement)))
    first["title"] = "Правка редактора"
    assert client.post(change_url(agreement), first).status_code == 302
    second["title"] = "Правка администратора"
    response = other.post(change_url(agreement), second)
    assert response.status_code == 200  # the form again, with the conflict
    body = response.content.decode()
    assert "Пока вы редактировали, эту запись изменил(а) Айгуль Editor" in body
    assert "Откройте текущую версию" in body
    agreement.refresh_from_db()
    assert agreement.title == "Правка редактора"


def client_for(user):
    from django.test import Client

    other = Client()
    other.force_login(user)
    return other


@pytest.mark.django_db
def test_it_keeps_a_dated_status_timeline_whose_latest_step_is_current(admin_client):
    agreement = make_agreement(slug="a")
    StatusChange.objects.create(agreement=agreement, status="announced", date=date(2016, 10, 1))
    response = admin_client.get(change_url(agreement))
    data = form_data(response)
    prefix = inline_prefix(response, "statuschange")
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(n + 1),
            f"{prefix}-{n}-status": "signed",
            f"{prefix}-{n}-date": "2016-10-03",
            f"{prefix}-{n}-note": "подписано в Астане",
        }
    )
    assert admin_client.post(change_url(agreement), data).status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "signed"
    assert [s.status for s in agreement.status_changes.all()] == ["announced", "signed"]
    page = admin_client.get(reverse("agreement_detail", args=[agreement.slug])).content.decode()
    assert page.index("объявлено") < page.index("подписано в Астане")
    from django.test import Client

    assert Client().get(reverse("agreement_list"), {"status": "signed"}).context["page"].paginator.count == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("signed_on", "1990-12-31", "раньше 1991 года"),
        ("signed_on", (date.today() + timedelta(days=2)).isoformat(), "в будущем"),
        ("amount", "1000", "Укажите валюту суммы"),
        ("amount", "-5", "больше либо равно 0"),
    ],
)
@pytest.mark.django_db
def test_it_explains_invalid_values_in_russian(admin_client, field, value, message):
    agreement = make_agreement(slug="a")
    data = form_data(admin_client.get(change_url(agreement)))
    data[field] = value
    response = admin_client.post(change_url(agreement), data)
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.django_db
def test_it_requires_two_parties_to_publish_and_each_party_once(admin_client):
    party = make_party()
    agreement = make_agreement(slug="a", parties=[party, make_party(country="RU")], published=True)
    response = admin_client.get(change_url(agreement))
    data = form_data(response)
    prefix = inline_prefix(response, "agreementparty")
    data[f"{prefix}-1-DELETE"] = "on"
    response = admin_client.post(change_url(agreement), data)
    assert "не меньше двух сторон" in response.content.decode()
    data = form_data(admin_client.get(change_url(agreement)))
    data[f"{prefix}-1-party"] = str(party.pk)
    response = admin_client.post(change_url(agreement), data)
    assert response.status_code == 200
    assert AgreementParty.objects.filter(agreement=agreement).count() == 2


@pytest.mark.django_db
def test_it_warns_about_a_probable_duplicate(admin_client):
    forum = make_forum()
    kz, ru = make_party(), make_party(country="RU")
    original = make_agreement(slug="original", forum=forum, parties=[kz, ru])
    copy = make_agreement(slug="copy", forum=forum, parties=[ru, kz])
    data = form_data(admin_client.get(change_url(copy)))
    response = admin_client.post(change_url(copy), data, follow=True)
    body = response.content.decode()
    assert "Возможный дубликат" in body and original.title in body


@pytest.mark.django_db
def test_it_searches_the_changelist_with_the_russian_index(admin_client):
    make_agreement(slug="fert", title="Соглашение о поставках минеральных удобрений")
    make_agreement(slug="bus", title="Меморандум о сборке автобусов")
    response = admin_client.get(CHANGELIST, {"q": "удобрения"})
    assert [a.slug for a in response.context["cl"].result_list] == ["fert"]


@pytest.mark.django_db
def test_it_lists_200_agreements_in_a_constant_number_of_queries(admin_client, django_assert_max_num_queries):
    forum = make_forum()
    parties = [make_party(), make_party(country="RU")]
    make_agreement(slug="first", forum=forum, parties=parties)
    with django_assert_max_num_queries(30) as small:
        admin_client.get(CHANGELIST)
    for n in range(200):
        make_agreement(slug=f"bulk-{n}", forum=forum, parties=parties)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_changelist_filters_by_the_countries_in_use_only(admin_client):
    make_agreement(slug="kz", regions=["KZ-31"])
    make_agreement(slug="ru", regions=["RU-MOS"])
    make_agreement(slug="none")

    response = admin_client.get(reverse("admin:agreements_agreement_changelist"))

    assert response.status_code == 200
    specs = response.context["cl"].filter_specs
    (country_filter,) = [f for f in specs if getattr(f, "field_path", None) == "regions__country"]
    assert sorted(label for _, label in country_filter.lookup_choices) == ["Казахстан", "Россия"]
    filtered = admin_client.get(
        reverse("admin:agreements_agreement_changelist"), {"regions__country__code__exact": "KZ"}
    )
    assert [a.slug for a in filtered.context["cl"].result_list] == ["kz"]


@pytest.mark.django_db
def test_it_filters_the_changelist_by_year_of_signing_and_lists_undated_last(admin_client):
    make_agreement(slug="old", signed_on=datetime.date(2023, 5, 1), title="Б")
    make_agreement(slug="new", signed_on=datetime.date(2025, 9, 2), title="А")
    make_agreement(slug="undated", title="В")
    url = reverse("admin:agreements_agreement_changelist")

    response = admin_client.get(url)

    assert response.status_code == 200
    (years,) = [f for f in response.context["cl"].filter_specs if isinstance(f, SignedYearFilter)]
    assert [value for value, _label in years.lookup_choices] == ["2025", "2024", "2023", "none"]
    assert [a.slug for a in response.context["cl"].result_list] == ["new", "old", "undated"]
    assert [a.slug for a in admin_client.get(url, {"signed_year": "2023"}).context["cl"].result_list] == [
        "old"
    ]
    assert [a.slug for a in admin_client.get(url, {"signed_year": "none"}).context["cl"].result_list] == [
        "undated"
    ]


@pytest.mark.django_db
def test_it_refuses_a_second_undated_step_of_the_same_status_with_a_form_error(admin_client):
    agreement = make_agreement(slug="a")
    StatusChange.objects.create(agreement=agreement, status="announced")
    response = admin_client.get(change_url(agreement))
    data = form_data(response)
    prefix = inline_prefix(response, "statuschange")
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update({f"{prefix}-TOTAL_FORMS": str(n + 1), f"{prefix}-{n}-status": "announced"})
    response = admin_client.post(change_url(agreement), data)
    assert response.status_code == 200
    assert "Статус указывается в истории один раз на дату и один раз без даты." in errors_of(response)
    assert agreement.status_changes.count() == 1


@pytest.mark.django_db
def test_it_publishes_only_an_agreement_with_a_source(admin_client):
    agreement = make_agreement(slug="a", published=False, source_url="")
    data = form_data(admin_client.get(change_url(agreement)))
    data["is_published"] = "on"
    response = admin_client.post(change_url(agreement), data)
    assert response.status_code == 200
    assert "Опубликовать можно только соглашение с источником" in errors_of(response)
    assert not Agreement.objects.get(pk=agreement.pk).is_published
    data["source_url"] = "https://news.example/a"
    assert admin_client.post(change_url(agreement), data).status_code == 302
    assert Agreement.objects.get(pk=agreement.pk).is_published


@pytest.mark.django_db
def test_it_does_not_publish_an_agreement_without_a_source_from_the_list(admin_client):
    agreement = make_agreement(slug="a", published=False, source_url="")
    data = {"action": "publish", "_selected_action": [agreement.pk]}
    response = admin_client.post(CHANGELIST, data, follow=True)
    assert "Не опубликованы (нет источника): " + agreement.title in response.content.decode()
    assert not Agreement.objects.get(pk=agreement.pk).is_published
