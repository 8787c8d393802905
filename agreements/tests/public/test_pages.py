"""Home, agreement detail, and the party, region, sector, forum and source pages."""

import pytest
from django.urls import reverse

from agreements.models import Agreement
from agreements.tests.factories import make_agreement, make_forum

EUROCHEM = "xiii-01-eurochem-karatau-fertilisers"


@pytest.mark.django_db
def test_it_shows_every_field_of_an_agreement(client, seeded):
    response = client.get(reverse("agreement_detail", args=[EUROCHEM]))
    assert response.status_code == 200
    body = response.content.decode()
    agreement = Agreement.objects.get(slug=EUROCHEM)
    assert f"<h1>{agreement.title}".replace("«", "&laquo;")[:10] in body or agreement.title[:20] in body
    for text in [
        "Жамбылская область",
        "KZ-31",
        "Министерство по инвестициям и развитию РК",
        "Казахстан",
        "Россия",
        "меморандум о взаимопонимании",
        "объявлено",
        "20",
        "08",
    ]:
        assert text in body, text
    assert "фосфоритового бассейна Каратау" in body  # the verbatim quote
    assert reverse("source_detail", args=["xiii-forum-announcement"]) in body
    assert "<title>" in body and "Хлебные" not in body


@pytest.mark.django_db
def test_it_hides_unpublished_agreements(client, db):
    draft = make_agreement(slug="draft", published=False)
    assert client.get(reverse("agreement_detail", args=[draft.slug])).status_code == 404
    assert client.get(reverse("agreement_detail", args=["no-such-thing"])).status_code == 404


@pytest.mark.django_db
def test_it_lists_a_partys_agreements(client, seeded):
    response = client.get(reverse("party_detail", args=["eurasian-development-bank"]))
    assert response.status_code == 200
    assert response.context["total"] == 2
    body = response.content.decode()
    assert "Евразийском банком развития" in body  # the alias, as the source spells it
    assert "?party=eurasian-development-bank" in body


@pytest.mark.django_db
def test_it_lists_a_regions_agreements(client, seeded):
    response = client.get(reverse("region_detail", args=["KZ-31"]))
    assert response.status_code == 200
    assert response.context["total"] == 2
    assert client.get(reverse("region_detail", args=["kz-31"])).status_code == 200
    assert client.get(reverse("region_detail", args=["KZ-00"])).status_code == 404


@pytest.mark.django_db
def test_it_lists_a_sections_agreements_including_its_divisions(client, seeded):
    response = client.get(reverse("sector_detail", args=["C"]))
    assert response.status_code == 200
    assert response.context["total"] == 8
    assert len(response.context["divisions"]) == 24
    assert client.get(reverse("sector_detail", args=["21"])).context["total"] == 1


@pytest.mark.django_db
def test_it_shows_a_forum_with_its_figures_and_progress(client, seeded):
    response = client.get(reverse("forum_detail", args=["kz-ru-interregional-forum-xiii"]))
    assert response.status_code == 200
    assert response.context["recorded"] == 12 and response.context["announced"] == 56
    body = response.content.decode()
    assert "12 из 56" in body
    assert "6453" in body.replace("\xa0", "").replace(" ", "")
    assert "источник не называет даты" in body


@pytest.mark.django_db
def test_it_hides_drafts_on_forum_and_party_pages(client, seeded):
    draft = make_agreement(slug="draft", published=False)
    forum = reverse("forum_detail", args=["kz-ru-interregional-forum-xiii"])
    Agreement.objects.filter(pk=draft.pk).update(forum=Agreement.objects.get(slug=EUROCHEM).forum)
    assert client.get(forum).context["recorded"] == 12
    party = draft.party_links.first().party  # known only from the draft: no page at all
    assert client.get(reverse("party_detail", args=[party.slug])).status_code == 404


@pytest.mark.django_db
def test_it_shows_the_source_text_verbatim(client, seeded):
    response = client.get(reverse("source_detail", args=["xiii-forum-announcement"]))
    assert response.status_code == 200
    assert "меморануд между ТОО" in response.content.decode()


@pytest.mark.django_db
def test_it_summarises_the_registry_on_the_home_page(client, seeded):
    make_agreement(slug="draft", published=False)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["totals"]["agreements"] == 12
    assert response.context["latest_forum"].slug == "kz-ru-interregional-forum-xiii"
    body = response.content.decode()
    assert "?region=KZ-31" in body and "?sector=C" in body


@pytest.mark.django_db
def test_it_links_each_page_to_its_english_version(client, seeded):
    body = client.get(reverse("agreement_list") + "?region=KZ-31").content.decode()
    assert 'href="/en/agreements/?region=KZ-31"' in body


@pytest.mark.parametrize("language", ["", "/en"])
@pytest.mark.parametrize(
    "path",
    [
        "/regions/%00/",
        "/sectors/%00/",
        "/regions/KZ-%0031/",
        "/sectors/2%000/",
        "/parties/%00/",
        "/forums/a%00b/",
        "/sources/%00/",
        "/agreements/%00/",
        "/regions/" + "K" * 5000 + "/",
        "/sectors/%ZZ/",
        "/regions/%C3%28/",
        "/sectors/C21/",
    ],
)
@pytest.mark.django_db
def test_it_answers_a_malformed_path_segment_with_a_404(client, seeded, language, path):
    assert client.get(language + path).status_code == 404


@pytest.mark.django_db
def test_it_counts_only_published_records_of_a_source(client, seeded):
    source = Agreement.objects.get(slug=EUROCHEM).source
    make_agreement(slug="draft", published=False, source=source)
    response = client.get(reverse("source_detail", args=[source.slug]))
    assert response.context["recorded"] == 12
    assert response.context["recorded"] == Agreement.objects.public().filter(source=source).count()


@pytest.mark.django_db
def test_it_counts_only_parties_and_forums_of_published_agreements_on_the_home_page(client, seeded):
    totals = client.get(reverse("home")).context["totals"]
    make_agreement(slug="draft", published=False, forum=make_forum())  # two new parties, a new forum
    assert client.get(reverse("home")).context["totals"] == totals
