"""Russian search: morphology-aware on PostgreSQL (tsvector 'russian') and SQLite (Snowball stems)."""

import pytest
from django.db import connection
from django.urls import reverse

from agreements.models import Agreement, PartyAlias
from agreements.public.filters import public_filterset
from agreements.public.listing import facets, results
from agreements.search import refresh_search_fields, stems
from agreements.tests.factories import make_agreement, make_party

LIST = reverse("agreement_list")


def found(client, query) -> list[str]:
    response = client.get(LIST, {"q": query})
    assert response.status_code == 200
    return [a.slug for a in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("удобрения", "xiii-01-eurochem-karatau-fertilisers"),
        ("подшипники", "xiii-02-akmola-industrial-bearings"),
        ("автобусы", "xiii-08-semaz-gaz-bus-assembly"),
        ("зерно", "xiii-12-its-polikompleks-grain-processing"),
        ("Удобрение", "xiii-01-eurochem-karatau-fertilisers"),
        ("лекарственные средства", "xiii-05-karaganda-pharma-biocad-technology-transfer"),
    ],
)
@pytest.mark.django_db
def test_it_finds_other_word_forms(client, seeded, query, slug):
    assert slug in found(client, query)


@pytest.mark.django_db
def test_it_searches_party_names_and_aliases(client, seeded):
    assert set(found(client, "Евразийский банк")) == {
        "xiii-04-edb-russian-copper-kundyzy-mine",
        "xiii-09-edb-interskol-power-tools",
    }
    assert "xiii-11-pit-akademgorodok-technology-platforms" in found(client, "АКФ")


@pytest.mark.django_db
def test_it_finds_a_new_alias_after_the_party_changes(client, db):
    party = make_party(name="Компания Альфа")
    agreement = make_agreement(slug="alpha", parties=[party, make_party()])
    assert found(client, "Бета") == []
    PartyAlias.objects.create(party=party, name="Бета Групп")
    refresh_search_fields(type(agreement).objects.filter(pk=agreement.pk))
    assert found(client, "Бета") == ["alpha"]


@pytest.mark.django_db
def test_it_ranks_title_matches_first(client, db):
    make_agreement(slug="subject", title="Соглашение о сотрудничестве", subject="Поставки зерна")
    make_agreement(slug="title", title="Соглашение о поставках зерна", subject="Логистика")
    assert found(client, "зерно")[0] == "title"


@pytest.mark.django_db
def test_it_requires_every_word(client, seeded):
    assert found(client, "завод удобрений") == ["xiii-01-eurochem-karatau-fertilisers"]
    assert found(client, "завод космос") == []


@pytest.mark.django_db
def test_it_treats_punctuation_as_plain_text(client, seeded):
    for query in ["'; DROP TABLE x; --", "%", "_", "a & b | !c", "«ПИТ»", ":*"]:
        assert client.get(LIST, {"q": query}).status_code == 200


def test_it_stems_like_postgresql_russian():
    assert stems("минеральных удобрений") == stems("минеральные удобрения")
    assert stems("подшипников") == stems("подшипники")
    assert stems("Ёлка") == stems("елка")


@pytest.mark.django_db
# Every match ranked with the facets; or the first 3, the next page from the kept ranks, the rest in SQL.
@pytest.mark.parametrize(("head", "deepest"), [(1000, 1000), (3, 4)])
@pytest.mark.parametrize("params", [{}, {"region": ["KZ-31"]}])
def test_it_lists_search_pages_in_the_order_sql_ranks_them(
    client, db, settings, monkeypatch, head, deepest, params
):
    monkeypatch.setattr(facets, "RANKED_HEAD", head)
    monkeypatch.setattr(facets, "DEEPEST_RANKED", deepest)
    settings.AGREEMENTS_PER_PAGE = 2
    parties = [make_party(), make_party(country="RU")]
    subjects = ["Поставки зерна", "Зерно, зерно и ещё раз зерно", "Хранение зерна", "Элеватор"]
    for n in range(9):
        make_agreement(
            title=f"Соглашение {n}" + (" о зерне" if n % 3 == 0 else ""),
            subject=subjects[n % 4],
            parties=parties,
            regions=["KZ-31"] if n % 2 else ["RU-MOS"],
        )
    make_agreement(title="Черновик о зерне", parties=parties, regions=["KZ-31"], published=False)
    filterset = public_filterset({"q": "зерно", **params})
    assert filterset.is_valid()
    expected = [agreement.slug for agreement in filterset.qs]  # SQL's order: rank, then id
    from_ranks = []
    spied = results.listed_in_order
    monkeypatch.setattr(results, "listed_in_order", lambda ids: from_ranks.append(number) or spied(ids))
    shown, pages = [], (len(expected) + 1) // 2
    for number in range(1, pages + 1):
        response = client.get(LIST, {"q": "зерно", "page": number, **params})
        shown += [item.slug for item in response.context["agreements"]]
    assert shown == expected and len(expected) >= 3
    # Pages within DEEPEST_RANKED came from the ranks; the others from their own query.
    assert from_ranks == list(range(1, pages + 1) if head >= len(expected) else [1, 2])


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite's")


@sqlite_only
@pytest.mark.django_db
def test_it_keeps_the_sqlite_index_in_step_with_the_stems(client):
    agreement = make_agreement(title="Соглашение о поставках удобрений")
    assert found(client, "удобрения") == [agreement.slug]
    Agreement.objects.filter(pk=agreement.pk).update(title="Соглашение о поставках зерна")
    refresh_search_fields(Agreement.objects.filter(pk=agreement.pk))
    assert found(client, "удобрения") == []
    assert found(client, "зерно") == [agreement.slug]
    agreement.delete()
    assert found(client, "зерно") == []


@sqlite_only
@pytest.mark.django_db
def test_it_searches_sqlite_through_the_index_not_a_scan(client):
    make_agreement(title="Соглашение о поставках удобрений")
    filterset = public_filterset({"q": "удобрений"})
    assert filterset.is_valid()
    with connection.cursor() as cursor:
        sql, params = filterset.qs.query.sql_with_params()
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "VIRTUAL TABLE INDEX" in plan, plan
    assert "search_stems" not in sql.split("WHERE", 1)[1].split("ORDER BY")[0].replace("INSTR", ""), sql


@sqlite_only
@pytest.mark.django_db
def test_it_matches_a_stem_only_at_a_word_start(client):
    agreement = make_agreement(title="Соглашение о переработке зерна")
    assert found(client, "работа") == []  # «работ» is inside «переработк», not at its start
    assert found(client, "переработка") == [agreement.slug]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TOAST storage is PostgreSQL's")
@pytest.mark.django_db
def test_it_keeps_the_search_vector_in_the_table_pages():
    # Ranking reads every match's vector: out of line in TOAST it cost 630 of 900 ms (migration 0021).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute "
            "WHERE attrelid = 'agreements_agreement'::regclass AND attname = 'search_vector'"
        )
        assert cursor.fetchone()[0] == "m"
