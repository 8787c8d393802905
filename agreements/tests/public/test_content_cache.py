"""The listing's sidebar and charts are cached by what they show, not by the data version: after an
edit, a filter whose counts and labels did not change reuses them (agreements/public/listing/caching.py)."""

import pytest

from agreements.models import Agreement, Region
from agreements.public.listing import fragments
from agreements.public.views import listing
from agreements.tests.factories import make_agreement

pytestmark = pytest.mark.django_db
URL = "/agreements/?region=RU-MOW"


@pytest.fixture
def rendered(monkeypatch):
    """The templates rendered by the listing's view and its fragments, by name."""
    names = []
    original = listing.render_to_string

    def spy(template_name, *args, **kwargs):
        names.append(template_name)
        return original(template_name, *args, **kwargs)

    monkeypatch.setattr(listing, "render_to_string", spy)
    monkeypatch.setattr(fragments, "render_to_string", spy)
    return names


@pytest.fixture
def two_regions():
    return make_agreement(regions=["KZ-75"]), make_agreement(regions=["RU-MOW"])


def test_it_reuses_the_sidebar_when_an_edit_changes_none_of_its_counts(client, rendered, two_regions):
    almaty, _moscow = two_regions
    assert client.get(URL).status_code == 200
    assert rendered.count("public/_facets.html") == 1
    almaty.title = "Соглашение о поставках зерна"
    almaty.save()
    response = client.get(URL)
    assert response.status_code == 200
    assert "public/agreement_list.html" in rendered[1:]  # the page itself is new
    assert rendered.count("public/_facets.html") == 1
    assert rendered.count("public/_listing_overview.html") == 1


def test_it_renders_the_sidebar_again_when_its_counts_change(client, rendered, two_regions):
    almaty, _moscow = two_regions
    client.get(URL)
    almaty.regions.add(Region.objects.get(code="RU-MOW"))
    response = client.get(URL)
    assert rendered.count("public/_facets.html") == 2
    assert response.context["page"].paginator.count == 2


def test_it_renders_the_sidebar_again_when_a_label_changes(client, rendered, two_regions):
    client.get(URL)
    Region.objects.filter(code="KZ-75").update(name_ru="Алматы (город)")
    response = client.get(URL)
    assert rendered.count("public/_facets.html") == 2
    assert "Алматы (город)" in response.content.decode()


def test_it_keeps_languages_apart(client, rendered, two_regions):
    client.get(URL)
    client.get("/en" + URL)
    assert rendered.count("public/_facets.html") == 2
    assert Agreement.objects.count() == 2


def test_it_renders_only_the_facet_whose_counts_an_edit_changed(client, rendered, two_regions):
    _almaty, moscow = two_regions
    client.get(URL)
    assert rendered.count("public/_facet_group.html") == 6
    moscow.kind = Agreement.Kind.MOU
    moscow.save()
    response = client.get(URL)
    assert rendered.count("public/_facets.html") == 2  # the sidebar's counts changed
    assert rendered.count("public/_facet_group.html") == 7  # of its groups, the kinds alone
    assert {o.value: o.count for o in response.context["facets"]["kind"]} == {"mou": 1}
