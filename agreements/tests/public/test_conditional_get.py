"""Repeat visits to the listing, the home page and the exports get 304 while the data is unchanged."""

import pytest

from agreements.models import Agreement
from agreements.tests.factories import make_agreement

URLS = ["/", "/agreements/?region=KZ-31", "/en/agreements/", "/agreements/export.csv?kind=mou"]


@pytest.mark.parametrize("url", URLS)
def test_it_answers_304_to_a_repeat_visit(client, seeded, url):
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    if first.streaming:  # read the export to its end, as a browser would, ending its query
        b"".join(first.streaming_content)
    repeat = client.get(url, headers={"if-none-match": etag})
    assert repeat.status_code == 304
    assert repeat["ETag"] == etag
    assert not repeat.content


def test_it_changes_the_etag_when_an_agreement_is_edited(client, seeded):
    etag = client.get("/agreements/")["ETag"]
    agreement = Agreement.objects.public().first()
    agreement.title = "Новое название"
    agreement.save()  # recorded in history: the data version moves
    response = client.get("/agreements/", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Новое название" in response.content.decode()


def test_it_gives_each_language_and_filter_its_own_etag(client, seeded):
    etags = {client.get(url)["ETag"] for url in ["/agreements/", "/en/agreements/", "/agreements/?kind=mou"]}
    assert len(etags) == 3


def test_it_puts_no_etag_on_a_refused_request(client, seeded):
    response = client.get("/agreements/?region=XX-99")
    assert response.status_code == 400
    assert not response.has_header("ETag")


def test_it_answers_a_304_without_rendering_or_counting(client, db, django_assert_num_queries):
    make_agreement()
    etag = client.get("/agreements/")["ETag"]
    with django_assert_num_queries(1):  # the data version, nothing else
        assert client.get("/agreements/", headers={"if-none-match": etag}).status_code == 304


def test_it_reads_the_data_version_once_for_a_cached_page(client, db, django_assert_num_queries):
    make_agreement()
    client.get("/agreements/")
    with django_assert_num_queries(1):
        assert client.get("/agreements/").status_code == 200
