"""The forum page (views.forum_detail): its announced figures as localized, human numbers."""

import pytest
from django.urls import reverse

FORUM = "kz-ru-interregional-forum-xiii"


def figures_text(response) -> str:
    body = response.content.decode()
    table = body[body.index('<table class="figures">') : body.index("</table>")]
    return table.replace("\u00a0", " ")


@pytest.mark.django_db
def test_it_writes_the_figures_in_russian_words_and_plurals(client, seeded):
    response = client.get(reverse("forum_detail", args=[FORUM]))
    assert response.status_code == 200
    text = figures_text(response)
    for expected in ["56 документов", "6 453 компании", "≈ 3 млрд долларов США", "14,57 млрд долларов США"]:
        assert expected in text, expected
    assert "documents" not in text and "companies" not in text and "000 000" not in text
    assert '<data value="3000000000">' in text  # the exact value stays machine-readable


@pytest.mark.django_db
def test_it_writes_the_figures_in_english(client, seeded):
    response = client.get("/en/forums/" + FORUM + "/")
    assert response.status_code == 200
    text = figures_text(response)
    for expected in ["56 documents", "6,453 companies", "≈ USD 3 billion", "USD 14.57 billion"]:
        assert expected in text, expected
