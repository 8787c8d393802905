"""After a change, a listing page is answered as it was while one rendering of the new version is
made in the background (agreements/public/listing/pagecache.py), as production serves it."""

import threading

import pytest
from django.core.management import call_command

from agreements.models import Region
from agreements.public.listing import pagecache
from agreements.public.listing.facets import builds
from agreements.public.views import listing as views
from agreements.tests.factories import make_agreement

URL = "/agreements/?region=RU-MOW"


@pytest.fixture
def moscow(transactional_db, settings):
    """A committed agreement: the background rendering reads through a connection of its own."""
    settings.SERVE_PAGES_WHILE_RENDERING = True
    call_command("load_reference_data", verbosity=0)
    yield make_agreement(title="Соглашение о поставках зерна", regions=["RU-MOW"])
    pagecache.wait_for_renderings()


@pytest.fixture
def held():
    """Set to let a background rendering finish: until then the readers meet the previous page
    however fast they ask (without it, a quick rendering could land between two reads)."""
    gate = threading.Event()
    yield gate
    gate.set()


@pytest.fixture
def renderings(monkeypatch, held):
    """How many times the listing's page was rendered, in any thread."""
    calls = []
    original = views.render_listing

    def counted(*args, **kwargs):
        calls.append(1)
        if threading.current_thread() is not threading.main_thread():
            assert held.wait(30), "the test never let the background rendering finish"
        return original(*args, **kwargs)

    monkeypatch.setattr(views, "render_listing", counted)
    return calls


def retitle(agreement, title: str) -> None:
    agreement.title = title
    agreement.save()


def test_it_answers_the_previous_page_while_the_new_one_is_rendered(client, moscow):
    first = client.get(URL)
    assert first.status_code == 200 and first.has_header("ETag")
    retitle(moscow, "Соглашение о поставках муки")

    meanwhile = client.get(URL)
    assert meanwhile.status_code == 200
    assert "поставках зерна" in meanwhile.content.decode()
    assert not meanwhile.has_header("ETag")  # it is not the version the request read

    pagecache.wait_for_renderings()
    after = client.get(URL)
    assert "поставках муки" in after.content.decode()
    assert after.has_header("ETag") and after["ETag"] != first["ETag"]


def test_it_renders_a_changed_page_once_however_many_ask(client, moscow, renderings, held):
    client.get(URL)
    retitle(moscow, "Соглашение о поставках муки")
    for _ in range(5):
        assert "поставках зерна" in client.get(URL).content.decode()
    held.set()
    pagecache.wait_for_renderings()
    for _ in range(5):
        assert "поставках муки" in client.get(URL).content.decode()
    assert len(renderings) == 2  # the first visit's and the change's


def test_it_asks_the_shared_cache_for_the_rendering_lock_once_per_process(client, moscow, renderings, held):
    from django.core.cache import caches

    client.get(URL)
    retitle(moscow, "Соглашение о поставках муки")
    store, asked = caches["pages"], []
    add = store.add
    monkeypatch_add = lambda key, *args, **kwargs: asked.append(key) or add(key, *args, **kwargs)  # noqa: E731
    store.add = monkeypatch_add
    try:
        for _ in range(5):
            assert "поставках зерна" in client.get(URL).content.decode()
    finally:
        del store.add
    assert len(asked) == 1  # not one round trip per reader of the previous page
    held.set()
    pagecache.wait_for_renderings()
    assert "поставках муки" in client.get(URL).content.decode()


def test_it_renders_in_the_request_a_page_never_rendered_before(client, moscow, renderings):
    retitle(moscow, "Соглашение о поставках муки")
    assert "поставках муки" in client.get(URL).content.decode()
    assert len(renderings) == 1


def test_it_renders_in_the_request_when_turned_off(client, moscow, settings):
    client.get(URL)
    settings.SERVE_PAGES_WHILE_RENDERING = False
    retitle(moscow, "Соглашение о поставках муки")
    assert "поставках муки" in client.get(URL).content.decode()


def test_a_failed_background_rendering_leaves_the_page_to_the_next_request(client, moscow, monkeypatch):
    client.get(URL)
    retitle(moscow, "Соглашение о поставках муки")
    original = views.render_listing

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views, "render_listing", broken)
    assert "поставках зерна" in client.get(URL).content.decode()
    pagecache.wait_for_renderings()

    monkeypatch.setattr(views, "render_listing", original)
    assert "поставках зерна" in client.get(URL).content.decode()  # rendering again, not locked out
    pagecache.wait_for_renderings()
    assert "поставках муки" in client.get(URL).content.decode()


def test_it_answers_the_previous_page_unparsed_and_drops_it_once_the_url_no_longer_stands(client, moscow):
    url = URL + "&sort=title"
    assert client.get(url).status_code == 200
    Region.objects.filter(code="RU-MOW").update(code="RU-MSK")  # the filter's value is gone
    client.get(url)  # reference data: the facet index is built again, in the background
    builds.wait()

    meanwhile = client.get(url)  # the previous page, while the new one is made
    assert meanwhile.status_code == 200 and not meanwhile.has_header("ETag")
    pagecache.wait_for_renderings()
    response = client.get(url)
    assert response.status_code == 400 and "RU-MOW" in response.content.decode()
