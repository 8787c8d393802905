"""The site in Kazakh under /kk/: pages, the language switch, and the reference data's Kazakh names,
with a visible Russian fallback where no source has a Kazakh one (agreements/reference)."""

import re

import pytest
from django.utils import translation

from agreements.models import Country, Region, Sector


@pytest.mark.django_db
def test_it_has_kazakh_names_from_the_reference_sources():
    assert not Country.objects.filter(name_kk="").exists()  # iso-codes translates every country
    assert Country.objects.get(code="RU").name_kk == "Ресей"
    assert Country.objects.get(code="KR").name_kk == "Оңтүстік Корея"  # the common name's translation
    assert not Region.objects.filter(country_id="KZ", name_kk="").exists()  # all 20 Kazakh regions
    assert Region.objects.filter(country_id="RU").exclude(name_kk="").count() == 46  # CLDR's
    assert Region.objects.get(code="RU-MOW").name_kk == "Мәскеу"
    assert not Sector.objects.exclude(name_kk="").exists()  # no committed source yet: Russian shown


@pytest.mark.django_db
def test_it_names_regions_in_the_active_language():
    region = Region.objects.get(code="KZ-31")
    fallback = Region.objects.get(code="RU-BEL")
    with translation.override("kk"):
        assert (region.name, region.name.lang) == ("Жамбыл облысы", "kk")
        assert (fallback.name, fallback.name.lang) == ("Белгородская область", "ru")
    with translation.override("en"):
        assert region.name == "Zhambyl Region"
    assert region.name == "Жамбылская область"


def test_it_serves_the_home_page_in_kazakh(client, seeded):
    response = client.get("/kk/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="kk">' in html
    assert "Келісімдер тізілімі" in html
    assert "<strong>12</strong> келісім" in html
    assert "Жамбыл облысы" in html
    # Sector names have no Kazakh source: shown in Russian, marked, with a note.
    assert '<span lang="ru">Обрабатывающие производства</span>' in html
    assert "Салалардың және Ресейдің кейбір өңірлерінің қазақша атаулары" in html


def test_it_keeps_path_and_query_in_the_language_switch(client, seeded):
    response = client.get("/kk/agreements/?region=KZ-31&sort=title")
    assert response.status_code == 200
    links = re.findall(
        r'<a href="([^"]+)" hreflang="(\w+)" lang="\w+" data-language="\w+">([^<]+)</a>',
        response.content.decode(),
    )
    assert links == [
        ("/agreements/?region=KZ-31&amp;sort=title", "ru", "Русский"),
        ("/en/agreements/?region=KZ-31&amp;sort=title", "en", "English"),
    ]
    assert '<span aria-current="true" lang="kk">Қазақша</span>' in response.content.decode()
    assert "2 келісім табылды" in response.content.decode()


def test_it_marks_a_region_without_a_kazakh_name(client, seeded):
    response = client.get("/kk/regions/RU-BEL/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1><span lang="ru">Белгородская область</span>' in html
    assert "Анықтамалықта қазақша атауы жоқ" in html
    named = client.get("/kk/regions/KZ-31/").content.decode()
    assert "<h1>Жамбыл облысы" in named and '<dd lang="ru">Жамбылская область</dd>' in named


def test_it_answers_404_in_kazakh(client, seeded):
    response = client.get("/kk/regions/KZ-99/")
    assert response.status_code == 404
    assert "Бет табылмады" in response.content.decode()


def test_it_gives_the_api_kazakh_names(client, seeded):
    response = client.get("/api/regions/KZ-31/?lang=kk")
    assert response.status_code == 200
    assert response.json()["name"] == "Жамбыл облысы"
    assert response.json()["name_kk"] == "Жамбыл облысы"
    assert response.json()["country"]["name"] == "Қазақстан"
