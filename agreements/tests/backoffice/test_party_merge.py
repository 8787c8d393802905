"""Merging duplicate parties: links move, names become aliases, the audit trail shows it."""

import pytest
from django.urls import reverse

from agreements.models import AgreementParty, Party, PartyAlias
from agreements.tests.factories import make_agreement, make_party


@pytest.mark.django_db
def test_it_merges_duplicates_into_the_chosen_party(admin_client):
    edb = make_party(name="Евразийский банк развития", slug="edb", country=None, short_name="ЕАБР")
    typo = make_party(name="Евразийском банком развития", slug="edb-typo", country=None)
    PartyAlias.objects.create(party=typo, name="EDB")
    other = make_party(country="RU")
    both = make_agreement(slug="both", parties=[edb, typo, other])
    only_typo = make_agreement(slug="typo", parties=[typo, other])
    changelist = reverse("admin:agreements_party_changelist")
    page = admin_client.post(changelist, {"action": "merge_parties", "_selected_action": [edb.pk, typo.pk]})
    assert page.status_code == 200 and "Объединить участников" in page.content.decode()
    response = admin_client.post(
        changelist,
        {
            "action": "merge_parties",
            "_selected_action": [edb.pk, typo.pk],
            "confirm": "yes",
            "target": edb.pk,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert not Party.objects.filter(pk=typo.pk).exists()
    assert set(AgreementParty.objects.filter(party=edb).values_list("agreement__slug", flat=True)) == {
        "both",
        "typo",
    }
    assert AgreementParty.objects.filter(agreement=both).count() == 2  # no party twice
    assert set(edb.aliases.values_list("name", flat=True)) >= {"Евразийском банком развития", "EDB"}
    only_typo.refresh_from_db()
    assert "евразийск" in only_typo.search_stems
    assert (
        Party.history.filter(id=typo.pk, history_type="-").get().history_change_reason
        == "Объединение участников"
    )
    assert AgreementParty.history.filter(history_change_reason="Объединение участников").count() == 2
