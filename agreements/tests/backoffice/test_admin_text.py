"""Characters XML cannot hold are refused by every admin form, inlines included, with a clear error."""

import pytest
from django.urls import reverse

from agreements.backoffice.forms import RegistryModelForm
from agreements.models import Party, PartyAlias
from agreements.tests.admin_forms import form_data, inline_prefix
from agreements.tests.factories import make_agreement, make_party
from agreements.text import XML_ILLEGAL, find_xml_illegal, strip_xml_illegal

ILLEGAL = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\ufffe", "\uffff", "\ud800", "\udfff"]
ALLOWED = ["\t", "\n", "\r", " ", "ё", "«", "—", "\u00a0", "\ufffd", "😀", "Ә"]


@pytest.mark.parametrize("char", ILLEGAL)
def test_it_finds_and_strips_each_illegal_character(char):
    text = f"Меморандум{char} о сотрудничестве"
    match = find_xml_illegal(text)
    assert match is not None and match.group() == char and match.start() == len("Меморандум")
    assert strip_xml_illegal(text) == "Меморандум о сотрудничестве"
    assert XML_ILLEGAL.search(text)


def test_it_keeps_every_character_xml_can_hold():
    text = "".join(ALLOWED)
    assert find_xml_illegal(text) is None
    assert strip_xml_illegal(text) == text


def change_url(obj):
    return reverse(f"admin:agreements_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.mark.django_db
def test_it_refuses_a_vertical_tab_in_an_agreement_title(admin_client):
    agreement = make_agreement(slug="a", title="Как было")
    data = form_data(admin_client.get(change_url(agreement)))
    data["title"] = "Соглашение\x0bо поставках"

    response = admin_client.post(change_url(agreement), data)

    assert response.status_code == 200
    body = response.content.decode()
    assert "невидимый управляющий символ U+000B (знак №11)" in body
    agreement.refresh_from_db()
    assert agreement.title == "Как было"


@pytest.mark.django_db
def test_it_refuses_a_control_character_in_a_textarea_and_names_the_field(admin_client):
    agreement = make_agreement(slug="a")
    response = admin_client.get(change_url(agreement))
    data = form_data(response)
    data["subject"] = "Поставки\x1fудобрений"

    response = admin_client.post(change_url(agreement), data)

    assert response.status_code == 200
    assert (
        response.context["adminform"]
        .form.errors["subject"][0]
        .startswith("Текст содержит невидимый управляющий символ U+001F")
    )


@pytest.mark.django_db
def test_it_refuses_an_illegal_character_in_an_inline(admin_client):
    party = make_party(name="ТОО Ромашка")
    response = admin_client.get(change_url(party))
    data = form_data(response)
    prefix = inline_prefix(response, "partyalias")
    data[f"{prefix}-0-name"] = "Рома\x0cшка"  # a form feed pasted from a PDF

    response = admin_client.post(change_url(party), data)

    assert response.status_code == 200
    assert "U+000C (знак №5)" in response.content.decode()
    assert not PartyAlias.objects.exists()


@pytest.mark.django_db
def test_it_refuses_an_illegal_character_in_a_new_source(admin_client):
    add = reverse("admin:agreements_source_add")
    data = form_data(admin_client.get(add))
    data.update({"slug": "s", "title": "Анонс", "text": "Текст\x01публикации"})

    response = admin_client.post(add, data)

    assert response.status_code == 200
    assert "U+0001" in response.content.decode()


@pytest.mark.django_db
def test_it_refuses_lone_surrogates_in_a_form():
    form_class = type(
        "PartyForm", (RegistryModelForm,), {"Meta": type("Meta", (), {"model": Party, "fields": ["name"]})}
    )
    form = form_class({"name": "Ромашка\ud83d"})
    assert not form.is_valid()
    assert "U+D83D" in form.errors["name"][0]
