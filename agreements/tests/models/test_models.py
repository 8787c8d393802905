from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from agreements.models import Agreement, Country, Region, Sector, StatusChange
from agreements.tests.factories import make_agreement


@pytest.mark.django_db
def test_it_loads_every_kz_and_ru_region():
    assert Region.objects.filter(country_id="KZ").count() == 20
    assert Region.objects.filter(country_id="RU").count() == 83
    zhambyl = Region.objects.get(code="KZ-31")
    assert zhambyl.name_ru == "Жамбылская область"
    assert zhambyl.kind == Region.Kind.OBLAST
    assert Region.objects.get(code="RU-MOW").kind == Region.Kind.FEDERAL_CITY


@pytest.mark.django_db
def test_it_names_every_region_in_russian_and_english():
    assert not Region.objects.filter(name_ru="").exists()
    assert not Region.objects.filter(name_en="").exists()
    assert not Region.objects.filter(country_id="KZ", name_kk="").exists()


@pytest.mark.django_db
def test_it_loads_all_nace_sections_and_divisions():
    assert Sector.objects.filter(parent__isnull=True).count() == 21
    assert Sector.objects.filter(parent__isnull=False).count() == 88
    assert Sector.objects.get(code="21").parent.code == "C"
    assert not Sector.objects.filter(name_ru="").exists()


@pytest.mark.django_db
def test_it_loads_countries_with_russian_names():
    assert Country.objects.get(code="KZ").name_ru == "Казахстан"
    assert Country.objects.get(code="RU").name_ru == "Россия"
    assert Country.objects.get(code="BY").name_ru == "Беларусь"


@pytest.mark.django_db
def test_it_rejects_a_negative_amount():
    agreement = make_agreement()
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.filter(pk=agreement.pk).update(amount=Decimal("-1"), currency="USD")


@pytest.mark.django_db
def test_it_rejects_an_amount_without_currency():
    agreement = make_agreement()
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.filter(pk=agreement.pk).update(amount=Decimal("100"), currency="")


@pytest.mark.django_db
def test_it_rejects_a_duplicate_region_code():
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="KZ-31", country_id="KZ", name_ru="x", name_en="x", kind="oblast")


@pytest.mark.django_db
def test_it_rejects_a_division_without_a_section():
    with pytest.raises(IntegrityError), transaction.atomic():
        Sector.objects.create(code="00", name_ru="x", name_en="x")


@pytest.mark.django_db
def test_it_lists_a_party_once_per_agreement():
    agreement = make_agreement()
    party = agreement.party_links.first().party
    with pytest.raises(IntegrityError), transaction.atomic():
        agreement.party_links.create(party=party, order=9)


@pytest.mark.django_db
def test_it_keeps_drafts_out_of_public():
    published = make_agreement(published=True)
    make_agreement(published=False)
    assert list(Agreement.objects.public()) == [published]


@pytest.mark.django_db
def test_it_rejects_a_second_undated_step_of_the_same_status():
    agreement = make_agreement()
    StatusChange.objects.create(agreement=agreement, status="announced")
    StatusChange.objects.create(agreement=agreement, status="signed")  # another status: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusChange.objects.create(agreement=agreement, status="announced")
    assert agreement.status_changes.count() == 2
