import re
from datetime import date

import pytest
from django import forms
from django.http import QueryDict
from django.urls import reverse

from agreements.models import Agreement, Country, Region, Sector
from agreements.public import querystrings
from agreements.public.filters import AgreementFilterForm, public_filterset, reference_ids
from agreements.public.listing import results
from agreements.public.listing.facets import current_index
from agreements.search import title_sort_key
from agreements.tests.factories import make_agreement, make_forum, make_party

LIST = reverse("agreement_list")


def listed_slugs(response) -> set[str]:
    return {agreement.slug for agreement in response.context["page"].object_list}


def count(response) -> int:
    return response.context["page"].paginator.count


@pytest.mark.django_db
def test_it_filters_by_region(client, seeded):
    response = client.get(LIST, {"region": "KZ-31"})
    assert response.status_code == 200
    assert listed_slugs(response) == {
        "xiii-01-eurochem-karatau-fertilisers",
        "xiii-07-kaznex-technonicol-stone-wool-taraz",
    }


@pytest.mark.django_db
def test_it_ors_repeated_values_of_one_parameter(client, seeded):
    response = client.get(LIST, {"region": ["KZ-31", "KZ-11"]})
    assert count(response) == 3


@pytest.mark.django_db
def test_it_includes_divisions_when_filtering_by_section(client, seeded):
    section = client.get(LIST, {"sector": "C"})
    division = client.get(LIST, {"sector": "21"})
    assert "xiii-05-karaganda-pharma-biocad-technology-transfer" in listed_slugs(section)
    assert listed_slugs(division) == {"xiii-05-karaganda-pharma-biocad-technology-transfer"}
    assert listed_slugs(client.get(LIST, {"sector": "C21"})) == listed_slugs(division)
    listed = Agreement.objects.filter(slug__in=listed_slugs(section))
    assert all(a.sectors.filter(parent__code="C").exists() for a in listed)


@pytest.mark.django_db
def test_it_ands_different_parameters(client, seeded):
    response = client.get(LIST, {"sector": "C", "party_country": "RU", "region": "KZ-31"})
    assert listed_slugs(response) == {
        "xiii-01-eurochem-karatau-fertilisers",
        "xiii-07-kaznex-technonicol-stone-wool-taraz",
    }
    assert listed_slugs(client.get(LIST, {"sector": "21", "party_country": "RU"})) == {
        "xiii-05-karaganda-pharma-biocad-technology-transfer"
    }


@pytest.mark.django_db
def test_it_matches_a_country_through_regions_or_countries_of_implementation(client, seeded):
    belarus = client.get(LIST, {"country": "BY"})
    assert listed_slugs(belarus) == {"xiii-09-edb-interskol-power-tools"}
    russia = listed_slugs(client.get(LIST, {"country": "RU"}))
    assert "xiii-03-ktzh-coalco-central-dry-port" in russia  # via RU-MOS
    assert "xiii-09-edb-interskol-power-tools" in russia  # named directly


@pytest.mark.django_db
def test_it_filters_by_party_forum_kind_and_status(client, seeded):
    assert count(client.get(LIST, {"party": "eurasian-development-bank"})) == 2
    assert count(client.get(LIST, {"forum": "kz-ru-interregional-forum-xiii"})) == 12
    assert count(client.get(LIST, {"kind": "mou"})) == 3
    assert count(client.get(LIST, {"status": "announced"})) == 12
    assert count(client.get(LIST, {"status": "signed"})) == 0


@pytest.mark.django_db
def test_it_filters_by_signed_date(client, db):
    from datetime import date

    make_agreement(slug="old", signed_on=date(2016, 10, 3))
    make_agreement(slug="new", signed_on=date(2024, 5, 1))
    assert listed_slugs(client.get(LIST, {"signed_from": "2020-01-01"})) == {"new"}
    assert listed_slugs(client.get(LIST, {"signed_to": "2020-01-01"})) == {"old"}


@pytest.mark.django_db
def test_it_never_lists_an_agreement_twice(client, db):
    make_agreement(slug="many", regions=["KZ-31", "KZ-11", "KZ-71"], sectors=["20", "21", "C"])
    response = client.get(LIST, {"region": ["KZ-31", "KZ-11"], "sector": ["C", "20"], "country": "KZ"})
    assert [a.slug for a in response.context["page"].object_list] == ["many"]


@pytest.mark.django_db
def test_it_counts_each_facet_option_as_applying_it_would(client, seeded):
    response = client.get(LIST, {"party_country": "RU", "sector": "C"})
    facets = response.context["facets"]
    checked = 0
    for name, options in facets.items():
        for option in options:
            for item in [option, *option.children]:
                if item.selected:
                    continue
                # The count is what the list shows with this option alone for its parameter.
                alone = {**response.context["params"], name: [item.value]}
                assert count(client.get(LIST + querystrings.encode(alone))) == item.count, (name, item.value)
                checked += 1
    assert checked > 10


@pytest.mark.django_db
def test_it_counts_facets_under_the_other_filters_only(client, seeded):
    response = client.get(LIST, {"region": "KZ-31"})
    regions = {o.value: o.count for o in response.context["facets"]["region"]}
    # The region facet ignores the region filter itself, as Datasette does.
    assert regions["KZ-31"] == 2 and regions["KZ-11"] == 1
    kinds = {o.value: o.count for o in response.context["facets"]["kind"]}
    assert kinds == {"mou": 2}


@pytest.mark.django_db
def test_it_shows_active_filters_as_removable_chips(client, seeded):
    response = client.get(LIST, {"region": "KZ-31", "kind": "mou"})
    chips = response.context["chips"]
    assert {chip["label"] for chip in chips} >= {"KZ-31 · Жамбылская область", "меморандум о взаимопонимании"}
    region_chip = next(c for c in chips if "KZ-31" in c["label"])
    assert "region" not in region_chip["url"] and "kind=mou" in region_chip["url"]


@pytest.mark.django_db
def test_it_sorts(client, seeded):
    titles = [a.title for a in client.get(LIST, {"sort": "title"}).context["page"].object_list]
    assert titles == sorted(titles, key=title_sort_key)
    reverse_titles = [a.title for a in client.get(LIST, {"sort": "-title"}).context["page"].object_list]
    assert reverse_titles == sorted(titles, key=title_sort_key, reverse=True)


@pytest.mark.django_db
def test_it_pages_by_fifty(client, db):
    parties = [make_party(), make_party(country="RU")]
    for n in range(55):
        make_agreement(slug=f"a-{n:03d}", parties=parties)
    first = client.get(LIST)
    assert len(first.context["page"].object_list) == 50
    second = client.get(LIST, {"page": 2})
    assert len(second.context["page"].object_list) == 5
    assert 'rel="next"' in first.content.decode()


@pytest.mark.django_db
def test_it_makes_a_constant_number_of_queries_whatever_the_page_size(
    client, db, django_assert_max_num_queries
):
    parties = [make_party(), make_party(country="RU")]
    for n in range(210):
        make_agreement(
            slug=f"bulk-{n}",
            parties=parties,
            regions=["KZ-31", "RU-MOS"][: 1 + n % 2],
            sectors=["21", "C", "52"][n % 3 :],
        )
    for model in (Region, Sector, Country):
        reference_ids(model)  # a running site has its reference codes cached
    current_index()  # and its facet index built (once per data version, see the next test)
    with django_assert_max_num_queries(12):
        response = client.get(LIST, {"region": "KZ-31"})
    assert count(response) == 210
    with django_assert_max_num_queries(12):
        client.get(LIST, {"sector": "C", "party_country": "RU", "kind": "agreement"})


@pytest.mark.django_db
def test_it_builds_the_facet_index_in_a_constant_number_of_queries(db, django_assert_num_queries):
    parties = [make_party(), make_party(country="RU")]
    for n in range(60):
        make_agreement(slug=f"bulk-{n}", parties=parties, regions=["KZ-31", "RU-MOS"], sectors=["21", "52"])
    # The data version, the agreements' order, four reference tables, their kinds, statuses, forums
    # and dates, and four link tables.
    with django_assert_num_queries(11):
        index = current_index()
    assert index.size == 60
    with django_assert_num_queries(1):  # the data version only: unchanged, so the index is kept
        assert current_index() is index


@pytest.mark.django_db
def test_it_hides_drafts_from_the_list_counts_facets_and_search(client, seeded):
    draft = make_agreement(
        slug="draft",
        title="Черновик о поставках удобрений",
        regions=["KZ-31"],
        sectors=["20"],
        published=False,
    )
    response = client.get(LIST, {"region": "KZ-31"})
    assert draft.slug not in listed_slugs(response)
    assert count(response) == 2
    assert {o.value: o.count for o in response.context["facets"]["region"]}["KZ-31"] == 2
    assert draft.slug not in listed_slugs(client.get(LIST, {"q": "черновик"}))
    assert count(client.get(LIST, {"q": "удобрения"})) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"region": "KZ-99"},
        {"region": "<script>"},
        {"sector": "ZZ"},
        {"country": "XX"},
        {"party": "nobody"},
        {"forum": "nothing"},
        {"kind": "treaty"},
        {"status": "lost"},
        {"signed_from": "2020-13-45"},
        {"signed_to": "yesterday"},
        {"sort": "price"},
        {"q": "я" * 10_000},
        {"region": "K" * 10_000},
        {"region": [f"KZ-{n}" for n in range(200)]},
        {"kind": ["agreement"] * 51},  # choices are checked one by one; their number is not
        {"q": ["завод"] * 51},  # a single-valued field keeps the last value and would hide the rest
        {"region": "KZ-31\x00"},
        {"q": "завод\x00"},
        {"party": "eurochem\x00"},
        {"sort": "title\x00"},
        {"signed_from": "2020-01-01\x00"},
        {"kind": "mou\x00"},
        {"status": ["announced", "\x00"]},
        {"country": "\x00"},
        {"utm_source": "x" * 9000},  # ignored parameters count towards the query's size too
    ],
)
@pytest.mark.django_db
def test_it_answers_bad_parameters_with_a_clear_400(client, seeded, params):
    response = client.get(LIST, params)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Запрос не понят" in body
    assert response.context["errors"]


@pytest.mark.parametrize("page_number", ["abc", "999999", "-1", "0", "1.5", ""])
@pytest.mark.django_db
def test_it_renders_any_page_number(client, seeded, page_number):
    response = client.get(LIST, {"page": page_number})
    assert response.status_code == 200
    assert count(response) == 12


@pytest.mark.django_db
def test_it_ignores_unknown_and_repeated_parameters(client, seeded):
    response = client.get(LIST + "?utm_source=x&region=KZ-31&region=KZ-31&fbclid=y")
    assert response.status_code == 200
    assert count(response) == 2


@pytest.mark.django_db
def test_it_links_the_excel_download_with_the_current_filters(client, seeded):
    body = client.get(LIST, {"region": "KZ-31", "q": "завод"}).content.decode()
    link = re.search(r'href="([^"]*export\.xlsx[^"]*)"', body).group(1)
    assert "region=KZ-31" in link and "q=" in link


@pytest.mark.django_db
def test_it_serves_english_at_en(client, seeded):
    response = client.get("/en" + LIST, {"region": "KZ-31"})
    assert response.status_code == 200
    assert response.context["LANGUAGE_CODE"] == "en"
    assert {o.label for o in response.context["facets"]["region"]} >= {"Zhambyl Region"}


@pytest.mark.django_db
def test_it_serves_russian_without_a_prefix_whatever_the_browser_asks(client, seeded):
    response = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["LANGUAGE_CODE"] == "ru"


def test_it_keeps_drafts_out_of_the_public_queryset_used_by_the_list():
    from agreements.public.filters import public_filterset

    assert "is_published" in str(public_filterset({}).queryset.query)
    assert Agreement.objects.public().query.where


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prefix", "forum_word", "country_name", "region_name"),
    [("", "форум", "Россия", "Жамбылская область"), ("/en", "forum", "Russia", "Zhambyl Region")],
)
def test_it_shows_each_item_with_its_forum_parties_in_order_and_regions(
    client, db, prefix, forum_word, country_name, region_name
):
    forum = make_forum(number=13)
    first = make_party("Первая", slug="first", legal_form="ТОО")
    second = make_party("Вторая", slug="second", country="RU")
    third = make_party("Третья", slug="third", country=None)
    make_agreement(
        slug="shown", parties=[second, first, third], regions=["KZ-31"], forum=forum, subject="Предмет"
    )
    body = client.get(prefix + LIST).content.decode()
    item = re.search(r'<li class="result">.*?</li>', body, re.S).group(0)
    assert f'href="{prefix}{LIST}shown/"' in item
    assert f'href="{prefix}/forums/{forum.slug}/">13 {forum_word}</a>' in item
    parties = re.findall(r'<a href="[^"]*/parties/([^/]+)/">([^<]+)</a>', item)
    assert parties == [("second", "Вторая"), ("first", "ТОО «Первая»"), ("third", "Третья")]
    assert f'<abbr title="{country_name}">RU</abbr>' in item
    assert f'<a href="{prefix}/regions/KZ-31/">{region_name}</a>' in item
    assert "Предмет" in item


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"region": ["KZ-31"]},
        {"sort": "title"},
        {"sort": "-signed", "q": "соглашение"},
        {"sort": "signed"},
    ],
)
def test_it_lists_every_page_in_the_order_sql_sorts_it(client, db, settings, monkeypatch, params):
    settings.AGREEMENTS_PER_PAGE = 3
    from_bitsets = []
    spied = results.ids_in_listing_order
    monkeypatch.setattr(
        results, "ids_in_listing_order", lambda *a: from_bitsets.append(spied(*a)) or from_bitsets[-1]
    )
    parties = [make_party(), make_party(country="RU")]
    dates = [date(2024, 1, 1), None, date(2023, 5, 5), date(2024, 1, 1)]
    for n in range(10):  # ties on date and title, undated ones, two regions
        make_agreement(
            title=f"Соглашение {n % 3}",
            signed_on=dates[n % 4],
            parties=parties,
            regions=["KZ-31"] if n % 2 else ["RU-MOS"],
        )
    make_agreement(title="Соглашение 0", signed_on=date(2024, 1, 1), parties=parties, published=False)
    filterset = public_filterset(params)
    assert filterset.is_valid()
    expected = [agreement.slug for agreement in filterset.qs]
    shown, pages = [], (len(expected) + 2) // 3
    for number in range(1, pages + 1):
        response = client.get(LIST, {**params, "page": number})
        shown += [item.slug for item in response.context["agreements"]]
    assert shown == expected and len(expected) >= 5
    # The default order's pages came from the facet bitset, the others from their own query.
    assert all(ids is not None for ids in from_bitsets)
    assert len(from_bitsets) == (0 if params.get("sort", "-signed") != "-signed" else pages)


@pytest.mark.django_db
def test_it_names_a_query_wide_error_on_the_page(client, seeded):
    response = client.get(LIST, {"region": "KZ-31", "junk": "x" * 9000})
    assert response.status_code == 400
    assert "query" in response.context["errors"]
    assert "Запрос слишком длинный" in response.content.decode()


@pytest.mark.django_db
def test_it_accepts_fifty_values_of_a_parameter(client, seeded):
    assert client.get(LIST, {"kind": ["agreement"] * 50}).status_code == 200


@pytest.mark.django_db
def test_it_answers_a_draft_only_party_as_an_unknown_one(client, seeded):
    party = make_party(slug="only-in-a-draft")
    make_agreement(slug="draft", published=False, parties=[party])
    response = client.get(LIST, {"party": party.slug})
    assert response.status_code == 400
    assert "Неизвестный участник: only-in-a-draft" in response.content.decode()


@pytest.mark.django_db
def test_it_answers_a_thousand_parameters_with_a_400(client, seeded):
    # Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields before the filter sees them.
    assert client.get(LIST + "?" + "&".join(f"k{n}=1" for n in range(1100))).status_code == 400


def test_it_refuses_nul_in_any_parameter_whichever_field_reads_it():
    class Form(AgreementFilterForm):
        anything = forms.Field(required=False)  # a field with no validator of its own

    form = Form(QueryDict("anything=a%00b"))
    assert not form.is_valid()
    assert "anything" in form.errors
    assert Form(QueryDict("anything=ab")).is_valid()


# --- An empty result explains itself (issue #14, item 2) ------------------------------------------

EMPTY_RESULTS = [
    {"q": "xyzqwe"},
    {"q": "Eurochem"},
    {"signed_from": "2016-01-01"},
    {"region": "KZ-31", "kind": "agreement"},
    {"status": "signed"},
]


@pytest.mark.django_db
@pytest.mark.parametrize("params", EMPTY_RESULTS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_it_explains_an_empty_result_with_chips_facets_and_what_to_remove(client, seeded, params):
    response = client.get(LIST, params)
    assert response.status_code == 200 and count(response) == 0
    body = response.content.decode()
    assert "Найдено 0 соглашений" in body
    assert len(response.context["chips"]) == len(params)
    assert 'class="chip chip-clear"' in body and "Сбросить все фильтры" in body
    assert 'data-facet="region"' in body and 'id="filters"' in body  # the sidebar is there
    relaxations = response.context["relaxations"]
    assert {r["title"] for r in relaxations} == {
        str(public_filterset({}).filters[name].label) for name in params
    }
    for relaxation in relaxations:
        # Each suggestion counts what its link lists.
        assert count(client.get(LIST + relaxation["url"])) == relaxation["count"] > 0
        assert relaxation["url"] in body


@pytest.mark.django_db
def test_it_suggests_the_filter_whose_removal_finds_most_first(client, seeded):
    relaxations = client.get(LIST, {"region": "KZ-31", "kind": "agreement"}).context["relaxations"]
    assert [(r["title"], r["removed"], r["count"]) for r in relaxations] == [
        ("Регион", "KZ-31 · Жамбылская область", 3),
        ("Вид документа", "соглашение", 2),
    ]


@pytest.mark.django_db
def test_it_keeps_a_chosen_option_in_its_facet_when_it_finds_nothing(client, seeded):
    response = client.get(LIST, {"region": "KZ-31", "kind": "agreement"})
    regions = {o.value: (o.count, o.selected) for o in response.context["facets"]["region"]}
    assert regions["KZ-31"] == (0, True) and regions["KZ-71"] == (1, False)
    kinds = {o.value: (o.count, o.selected) for o in response.context["facets"]["kind"]}
    assert kinds == {"mou": (2, False), "agreement": (0, True)}
    statuses = client.get(LIST, {"status": "signed"}).context["facets"]["status"]
    assert {o.value: o.count for o in statuses} == {"announced": 12, "signed": 0}


@pytest.mark.django_db
def test_it_says_how_many_agreements_a_date_filter_leaves_out_for_having_no_date(client, db):
    make_agreement(slug="dated", signed_on=date(2024, 5, 1), regions=["KZ-31"])
    make_agreement(slug="undated-here", regions=["KZ-31"])
    make_agreement(slug="undated-elsewhere", regions=["KZ-11"])
    response = client.get(LIST, {"signed_from": "2020-01-01", "region": "KZ-31"})
    assert listed_slugs(response) == {"dated"}
    assert response.context["hints"].undated == 1  # under the other filters: KZ-31 only
    assert "Ещё 1 соглашение без даты подписания" in response.content.decode()
    assert client.get(LIST, {"region": "KZ-31"}).context["hints"].undated == 0  # no date filter
    assert 'data-testid="undated"' not in client.get(LIST, {"region": "KZ-31"}).content.decode()


@pytest.mark.django_db
def test_it_explains_an_empty_result_within_the_query_budget(client, seeded, django_assert_max_num_queries):
    for model in (Region, Sector, Country):
        reference_ids(model)
    current_index()
    # The page's queries, plus one per filter the index does not hold (here the search and a date).
    with django_assert_max_num_queries(10):
        response = client.get(LIST, {"q": "xyzqwe", "signed_from": "2016-01-01", "region": "KZ-31"})
    assert count(response) == 0 and len(response.context["relaxations"]) == 3


@pytest.mark.django_db
def test_it_answers_an_empty_result_in_english(client, seeded):
    body = client.get("/en/agreements/", {"q": "xyzqwe"}).content.decode()
    assert "0 agreements found" in body and "Clear all filters" in body and "without “Search: xyzqwe”" in body


# --- Paging, skip links, the «Фильтры» control (item 5) -------------------------------------------


@pytest.mark.django_db
def test_it_numbers_the_pages_first_last_and_around_the_current_one(client, db, settings):
    settings.AGREEMENTS_PER_PAGE = 2
    parties = [make_party(), make_party(country="RU")]
    for n in range(40):
        make_agreement(slug=f"p-{n:02d}", parties=parties, regions=["KZ-31"])
    response = client.get(LIST, {"region": "KZ-31", "page": 10})
    links = response.context["page_links"]
    assert [link and link["number"] for link in links] == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert [link["number"] for link in links if link and link["current"]] == [10]
    body = response.content.decode()
    paging = body[body.index('class="pagination"') :]
    assert paging.count('aria-current="page"') == 1
    assert 'aria-current="page" aria-label="Страница 10 из 20"' in paging
    assert "?region=KZ-31&amp;page=20" in body and 'href="/agreements/?region=KZ-31"' in body


@pytest.mark.django_db
def test_it_puts_the_skip_link_to_the_results_first_and_a_filters_control_at_the_top(client, seeded):
    body = client.get(LIST, {"region": "KZ-31"}).content.decode()
    first_link = re.search(r"<a [^>]*>", body[body.index("<body") :]).group(0)
    assert 'href="#results"' in first_link and "skip-link" in first_link
    assert 'id="results"' in body and 'id="filters"' in body
    assert body.index('class="filters-jump') < body.index('class="filters-form"')
    assert "Фильтры <span" in body and "(1 выбран)" in body


@pytest.mark.django_db
def test_it_says_how_many_agreements_a_facet_knows_a_value_for(client, seeded):
    response = client.get(LIST)
    assert response.context["sidebar"].count('class="facet-coverage"') == 2  # region and country
    assert "есть у 6 из 12 соглашений" in response.context["sidebar"]  # regions
    narrowed = client.get(LIST, {"party": "eurasian-development-bank"})
    assert "есть у 0 из 2 соглашений" in narrowed.context["sidebar"]


@pytest.mark.django_db
def test_it_sorts_titles_whatever_their_case_cyrillic_included(client, db, django_assert_max_num_queries):
    parties = [make_party(), make_party(country="RU")]
    for title in [
        "яблоневый сад",
        "Берёзовая роща",
        "«Альфа» и «Бета»",
        "арбуз",
        "Ель",
        "ёлка",
        "Zeta",
        "alpha",
    ]:
        make_agreement(title=title, parties=parties)
    current_index()
    with django_assert_max_num_queries(12):
        titles = [a.title for a in client.get(LIST, {"sort": "title"}).context["page"].object_list]
    assert titles == [
        "alpha",
        "Zeta",
        "«Альфа» и «Бета»",
        "арбуз",
        "Берёзовая роща",
        "ёлка",  # ё sorts as е: «елка» before «ель»
        "Ель",
        "яблоневый сад",
    ]
    assert [a.title for a in client.get(LIST, {"sort": "-title"}).context["page"].object_list] == titles[::-1]
    # Undated agreements, the default order's last, break the tie by the same key.
    assert [a.title for a in client.get(LIST).context["page"].object_list] == titles
