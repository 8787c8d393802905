"""The word index (agreements/public/facetindex/words.py): a search's matches and relevance from
postings kept in memory, the same as SQL's, kept current from the change log."""

import pytest
from django.core.management import call_command
from django.db import connection

from agreements import backend
from agreements.models import Agreement
from agreements.public.dataversion import data_version
from agreements.public.facetindex import snapshots as indexsnapshots
from agreements.public.facetindex.words import SNAPSHOTS, Built, WordIndex, WordIndexes
from agreements.public.listing import residuals as residuals_module
from agreements.public.listing.residuals import word_indexes
from agreements.search import apply_search, query_words, refresh_search_fields
from agreements.tests.factories import make_agreement, make_party

LIST = "/agreements/"
QUERIES = [
    "зерно",
    "поставки зерна",
    "зерна Альфа",
    "меморандум",
    "удобрений завод",
    "и",  # a stop word alone: nothing, as in SQL
    "и зерно",  # a stop word beside a word: the word alone
    "abc_def",  # a word the parser splits in two
    "космос",  # no agreement has it
]

postgresql_only = pytest.mark.skipif(
    not backend.has_word_index(), reason="the word index is PostgreSQL's (SQLite's FTS5 answers from itself)"
)


def make_texts():
    alpha = make_party(name="Компания Альфа")
    return [
        make_agreement(title="Соглашение о поставках зерна", subject="Логистика", parties=[alpha]),
        make_agreement(title="Меморандум о сотрудничестве", subject="Поставки зерна и муки"),
        make_agreement(title="Зерно: поставки зерна в Китай", subject="Зерновой терминал abc_def"),
        make_agreement(title="Строительство завода удобрений", subject="Минеральные удобрения"),
        make_agreement(title="Черновик о зерне", published=False),
    ]


def sql_matches(query: str) -> dict[int, int]:
    return dict(apply_search(Agreement.objects.public(), query).values_list("pk", "search_rank"))


def index_matches(index: WordIndex, query: str) -> dict[int, int]:
    return index.matches(backend.query_lexemes(query_words(query))).as_dict()


def retitle(agreement: Agreement, title: str) -> None:
    agreement.title = title
    agreement.save()
    refresh_search_fields(Agreement.objects.filter(pk=agreement.pk))


@postgresql_only
@pytest.mark.django_db
def test_it_matches_and_ranks_as_sql_does(db):
    make_texts()
    index = WordIndex.build()
    for query in QUERIES:
        assert index_matches(index, query) == sql_matches(query), query


@postgresql_only
@pytest.mark.django_db
def test_it_ranks_by_how_many_words_the_title_has(db):
    grain, memo, china, _plant, _draft = make_texts()
    ranks = index_matches(WordIndex.build(), "поставки зерна")
    assert ranks == {grain.pk: 2, memo.pk: 0, china.pk: 2}


@postgresql_only
@pytest.mark.django_db
def test_it_is_updated_from_the_changed_agreements_alone(db):
    grain, memo, china, plant, draft = make_texts()
    index = WordIndex.build()
    retitle(memo, "Меморандум о поставках зерна")
    retitle(grain, "Соглашение о поставках угля")
    Agreement.objects.filter(pk=china.pk).update(is_published=False)
    Agreement.objects.filter(pk=draft.pk).update(is_published=True)
    new = make_agreement(title="Зерно для Альфы")
    updated = index.updated({grain.pk, memo.pk, china.pk, draft.pk, new.pk})
    assert updated.overlay.keys() == {grain.pk, memo.pk, draft.pk, new.pk}  # china is unpublished
    for query in [*QUERIES, "угля", "черновик"]:
        assert index_matches(updated, query) == sql_matches(query), query
    assert index_matches(index, "угля") == {}  # the index it was updated from is untouched
    assert plant.pk in index_matches(updated, "удобрений")


@pytest.mark.django_db
def test_it_leaves_searches_to_sql_inside_a_transaction(db, settings):
    settings.SEARCH_WORD_INDEX = True
    make_texts()
    indexes = WordIndexes()
    assert indexes.matches(["зерно"]) is None
    assert indexes.built is None and not indexes.building()


def test_it_is_off_on_sqlite_and_when_disabled(settings):
    settings.SEARCH_WORD_INDEX = True
    assert WordIndexes.enabled() == backend.has_word_index()
    settings.SEARCH_WORD_INDEX = False
    assert not WordIndexes.enabled()


@pytest.fixture
def committed(transactional_db, settings):
    """Committed agreements (the change log holds committed versions only), the index on."""
    call_command("load_reference_data", verbosity=0)
    settings.SEARCH_WORD_INDEX = True
    texts = make_texts()
    yield texts
    word_indexes.forget()


@pytest.fixture
def asked_sql(monkeypatch):
    """The parameters of every search matched in SQL in full."""
    calls = []
    original = residuals_module.query

    def spy(filterset, names, only=None):
        if only is None and "q" in names and residuals_module.searched(filterset, names) is None:
            calls.append(filterset.form.cleaned_data["q"])
        return original(filterset, names, only)

    monkeypatch.setattr(residuals_module, "query", spy)
    return calls


def listed(client, **params) -> list[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [agreement.pk for agreement in response.context["page"].object_list]


@postgresql_only
def test_it_answers_the_listing_once_built_and_shows_an_edit_at_the_next_request(client, committed):
    grain, memo, china, _plant, _draft = committed
    assert listed(client, q="поставки зерна") == [
        grain.pk,
        china.pk,
        memo.pk,
    ]  # SQL: the index is being built
    word_indexes.wait()
    assert word_indexes.built is not None
    assert not connection.in_atomic_block
    retitle(memo, "Меморандум о поставках зерна")
    # Title matches first (two words each), ties by id: the edit shows at once, from the index.
    assert listed(client, q="зерна поставки") == [grain.pk, memo.pk, china.pk]
    assert word_indexes.built.index.overlay.keys() == {memo.pk}
    assert listed(client, q="зерна", sort="relevance", party=grain.party_links.first().party.slug) == [
        grain.pk
    ]


@postgresql_only
def test_it_searches_in_sql_until_built(client, committed, asked_sql):
    listed(client, q="зерно")
    word_indexes.wait()
    listed(client, q="меморандум")
    assert asked_sql == ["зерно"]


@postgresql_only
def test_it_loads_the_host_snapshot_instead_of_building(committed, settings, tmp_path, monkeypatch):
    settings.FACET_INDEX_SNAPSHOTS = str(tmp_path / "snapshots")
    word_indexes.start()
    word_indexes.wait()
    assert indexsnapshots.snapshot_path(SNAPSHOTS).exists()
    first = word_indexes.built
    memo = committed[1]
    retitle(memo, "Меморандум о поставках угля")
    word_indexes.built = None  # another worker, starting
    monkeypatch.setattr(WordIndex, "build", lambda: pytest.fail("built although a snapshot was there"))
    word_indexes.start()
    word_indexes.wait()
    assert word_indexes.built.version != first.version  # brought to the version of the edit
    assert word_indexes.built.index.overlay.keys() == {memo.pk}
    word_indexes.discard_snapshot()
    assert not indexsnapshots.snapshot_path(SNAPSHOTS).exists()


@postgresql_only
def test_it_installs_a_build_caught_up_to_the_version_searches_reached_meanwhile(committed):
    memo = committed[1]
    word_indexes.start()
    word_indexes.wait()
    before = word_indexes.built
    retitle(memo, "Меморандум о поставках угля")
    fresh = Built(before.version, WordIndex.build())  # a build that read its version before the edit
    ahead = word_indexes.at(data_version())  # a search brought the index past the build's version
    assert ahead is not None and ahead.overlay.keys() == {memo.pk}
    word_indexes.install(fresh)
    assert word_indexes.built.version == data_version()  # not thrown away for being behind
    assert word_indexes.built.index.anywhere is fresh.index.anywhere
    assert index_matches(word_indexes.built.index, "угля") == sql_matches("угля") == {memo.pk: 1}


@postgresql_only
def test_it_sends_a_search_behind_the_index_to_sql_without_a_rebuild(committed, monkeypatch):
    word_indexes.start()
    word_indexes.wait()
    old = word_indexes.built.version
    retitle(committed[1], "Меморандум о поставках угля")
    word_indexes.at(data_version())
    monkeypatch.setattr(word_indexes, "start_background_build", lambda: pytest.fail("a full build started"))
    # A request that read the version before the edit, reaching the lock after another's update.
    assert word_indexes.update_now(old) is None


@postgresql_only
def test_it_finds_no_words_in_an_agreement_written_without_its_vector(client, committed):
    word_indexes.start()
    word_indexes.wait()
    bare = Agreement.objects.create(
        title="Зерно без вектора", slug="bare", is_published=True, source_url="https://news.example/bare"
    )
    assert Agreement.objects.get(pk=bare.pk).search_vector is None
    found = listed(client, q="зерно")  # no 500: as in SQL, it is not found
    assert set(found) == set(sql_matches("зерно")) and bare.pk not in found
    assert bare.pk in word_indexes.built.index.overlay


@postgresql_only
def test_it_does_not_retry_a_failed_build_at_every_search(committed, monkeypatch, caplog):
    def broken():
        raise TypeError("a snapshot written by other code")

    monkeypatch.setattr(WordIndex, "build", broken)
    word_indexes.start()
    word_indexes.wait()
    assert word_indexes.built is None
    assert "Word index not built" in caplog.text
    word_indexes.start_background_build()
    assert not word_indexes.building()  # RETRY_AFTER seconds first; SQL answers meanwhile
