"""read_announcement: the seed read with no hand correction, the contract's shape, party matching in
oblique cases against existing parties, and every kind of bad input refused with a Russian message."""

from pathlib import Path

import pytest

from agreements.backoffice.announcements.amounts import find_amounts
from agreements.backoffice.announcements.reader import AnnouncementError, read_announcement

SEED = (Path(__file__).resolve().parents[3] / "fixtures/sources/xiii-forum-announcement.txt").read_text(
    "utf-8"
)
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seed_text():
    return SEED


def test_it_finds_the_seeds_twelve_documents_and_their_kinds(seed_text):
    agreements = read_announcement(seed_text)["agreements"]
    assert [a["kind"] for a in agreements] == [
        "mou", "memorandum", "agreement", "agreement_of_intent", "agreement", "mou", "mou", "memorandum",
        "memorandum_of_intent", "agreement", "memorandum_of_cooperation", "agreement_of_intent",
    ]  # fmt: skip


def test_it_reads_regions_countries_and_sectors_of_the_seed(seed_text):
    agreements = read_announcement(seed_text)["agreements"]
    assert [a["regions"] for a in agreements] == [
        ["KZ-31"], ["KZ-11"], ["RU-MOS"], [], [], ["KZ-19"], ["KZ-31"], [], [], ["KZ-71"], [], [],
    ]  # fmt: skip
    assert agreements[8]["countries"] == ["RU", "KZ", "BY"]
    assert agreements[8]["evidence"]["countries"]["BY"] == "Республике Беларусь"
    assert agreements[0]["evidence"]["regions"]["KZ-31"] == "Жамбылской области"
    assert set(agreements[0]["sectors"]) == {"20", "08"}
    assert agreements[4]["sectors"] == ["21"]


def test_it_splits_parties_and_legal_forms_in_order(seed_text):
    first, *_rest, last = read_announcement(seed_text)["agreements"]
    assert [(p["name"], p["legal_form"], p["country"]) for p in first["parties"]] == [
        ("Министерство по инвестициям и развитию РК", "", "KZ"),
        ("Акимат Жамбылской области", "", "KZ"),
        ("Еврохим", "МХК", ""),
    ]
    assert [(p["name"], p["legal_form"], p["country"]) for p in last["parties"]] == [
        ("ITS compani", "ТОО", "KZ"),
        ("Поликомплекс", "ООО", "RU"),
    ]
    assert first["title"] == (
        "Меморандум о взаимопонимании между Министерством по инвестициям и развитию РК, "
        "акиматом Жамбылской области и МХК «Еврохим»"
    )


def test_it_keeps_the_verbatim_line_as_quote(seed_text):
    third = read_announcement(seed_text)["agreements"][2]
    assert third["quote"].startswith("соглашение между АО «НК КТЖ» и компанией COALCO Development»")
    assert third["quote"] in seed_text


def test_it_reads_the_forum_figures(seed_text):
    figures = {f["key"]: f for f in read_announcement(seed_text)["figures"]}
    assert figures["documents"]["value"] == 56
    assert figures["documents"]["quote"] and figures["documents"]["unit"] == "documents"
    assert (figures["total_amount"]["value"], figures["total_amount"]["unit"]) == (3_000_000_000, "USD")
    assert figures["companies"]["value"] == 6453
    assert figures["trade_turnover"]["value"] == 14_570_000_000
    assert (figures["export"]["value"], figures["import"]["value"]) == (4_340_000_000, 10_230_000_000)


def test_it_returns_the_contracts_keys_and_types(seed_text):
    proposal = read_announcement(seed_text)
    assert set(proposal) == {"figures", "agreements"}
    for figure in proposal["figures"]:
        assert {"key", "value", "unit", "quote", "evidence"} <= set(figure)
        assert isinstance(figure["value"], int | float)
    for agreement in proposal["agreements"]:
        assert {
            "kind", "title", "subject", "parties", "regions", "countries", "sectors", "amount", "currency",
            "quote", "evidence",
        } <= set(agreement)  # fmt: skip
        assert all(isinstance(agreement[key], list) for key in ("regions", "countries", "sectors"))
        assert agreement["amount"] is None or isinstance(agreement["amount"], int | float)
        for party in agreement["parties"]:
            assert {"name", "legal_form", "country", "match", "evidence"} <= set(party)


def test_it_matches_existing_parties_in_oblique_cases(seeded, seed_text):
    agreements = read_announcement(seed_text)["agreements"]
    assert agreements[3]["parties"][0]["match"] == "eurasian-development-bank"  # «Евразийском банком»
    assert [p["match"] for p in agreements[9]["parties"]] == [
        "autonomous-cluster-fund-pit",
        "akimat-astana",  # «акиматом г. Астана»
        "skolkovo-technopark",
    ]
    assert all(p["match"] for a in agreements for p in a["parties"])


def test_it_leaves_an_unknown_party_unmatched(seeded):
    text = (
        "В рамках форума подписаны документы:\n- соглашение между Евразийским банком развития и ТОО «Новая "
        "Степь» о строительстве теплиц в Костанайской области на сумму 1,75 млрд тенге."
    )
    (agreement,) = read_announcement(text)["agreements"]
    assert [p["match"] for p in agreement["parties"]] == ["eurasian-development-bank", None]
    assert agreement["parties"][1] == {
        "name": "Новая Степь", "legal_form": "ТОО", "country": "KZ", "match": None,
        "evidence": "ТОО «Новая Степь»",
    }  # fmt: skip
    assert (agreement["amount"], agreement["currency"], agreement["regions"]) == (
        1_750_000_000,
        "KZT",
        ["KZ-39"],
    )


def test_it_reads_a_document_named_in_a_sentence():
    text = (
        "На форуме в Омске акимат Павлодарской области и Правительство Омской области подписали "
        "соглашение о сотрудничестве в сфере переработки зерна. Стороны обсудили логистику."
    )
    (agreement,) = read_announcement(text)["agreements"]
    assert agreement["kind"] == "agreement"
    assert [p["name"] for p in agreement["parties"]] == [
        "Акимат Павлодарской области",
        "Правительство Омской области",
    ]
    assert agreement["regions"] == ["KZ-55", "RU-OMS"]


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("1,75 млрд тенге", 1_750_000_000, "KZT"),
        ("83 млн долларов", 83_000_000, "USD"),
        ("3 млрд долларов США", 3_000_000_000, "USD"),
        ("4, 34 млрд долларов США", 4_340_000_000, "USD"),
        ("500 миллионов рублей", 500_000_000, "RUB"),
        ("6 тыс 453", 6453, ""),
    ],
)
def test_it_reads_amounts(text, value, currency):
    (amount,) = find_amounts(text)
    assert (amount.value, amount.currency) == (value, currency)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "пуст"),
        ("   \n\t ", "пуст"),
        (
            "В Астане прошёл форум. Стороны обсудили сотрудничество в сфере логистики и торговли.",
            "не найдено",
        ),
        ("x7#@!" * 220_000, "слишком длинный"),
        ("%$#@!*&^ 1234 ###" * 50, "почти нет слов"),
        ("PK\x03\x04\x00\x00меморандум между" * 20, "двоичный"),
        (
            "The forum signed a memorandum between the bank and the company about a new plant.",
            "не на русском",
        ),
        (
            "Форум аясында Жамбыл облысының әкімдігі мен компания арасында өзара түсіністік туралы "
            "меморандум қол қойылды. Құжат зауыт құрылысын қарастырады.",
            "казахском",
        ),
    ],
)
def test_it_refuses_bad_input_with_a_russian_message(text, message):
    with pytest.raises(AnnouncementError) as error:
        read_announcement(text)
    assert message in str(error.value)


def test_it_sees_a_new_alias_at_once(seeded):
    from agreements.models import Party, PartyAlias

    text = "Итоги форума:\n- меморандум между ЕАБ Развития и ТОО «Новая Степь» о строительстве теплиц."
    assert read_announcement(text)["agreements"][0]["parties"][0]["match"] is None
    PartyAlias.objects.create(party=Party.objects.get(slug="eurasian-development-bank"), name="ЕАБ Развития")
    assert read_announcement(text)["agreements"][0]["parties"][0]["match"] == "eurasian-development-bank"


@pytest.mark.parametrize(
    "line", ["- меморандум", "Подписали меморандум.", "- соглашение между", "- меморандум между » и «"]
)
def test_it_reads_a_bare_document_line_without_failing(line):
    proposal = read_announcement("Итоги форума в Астане: стороны обсудили торговлю и логистику.\n" + line)
    assert all(isinstance(a["parties"], list) for a in proposal["agreements"])


def test_it_reads_protocols_and_road_maps_as_other_documents():
    text = (
        "Подписаны:\n"
        "- протокол о намерениях между управлением сельского хозяйства ЗКО и Министерством сельского "
        "хозяйства Оренбургской области;\n"
        "- план мероприятий (дорожная карта) между Правительством Оренбургской области и акиматом "
        "Западно-Казахстанской области по реализации Соглашения о сотрудничестве на 2026–2028 годы.\n"
        "В плане работы форума — выставка."
    )
    protocol, plan = read_announcement(text)["agreements"]
    assert (protocol["kind"], protocol["title"][:21]) == ("other", "Протокол о намерениях")
    assert protocol["regions"] == ["KZ-27", "RU-ORE"]
    assert plan["kind"] == "other"
    assert [p["name"] for p in plan["parties"]] == [
        "Правительство Оренбургской области",
        "Акимат Западно-Казахстанской области",
    ]


def test_it_reads_a_kind_complement_with_an_adjective_and_more_words_before_the_parties():
    text = (
        "- Меморандум о межрегиональном сотрудничестве и промышленной кооперации между акиматом "
        "Актюбинской области и акиматом Костанайской области."
    )
    (memo,) = read_announcement(text)["agreements"]
    assert memo["kind"] == "memorandum_of_cooperation"
    assert [p["name"] for p in memo["parties"]] == [
        "Акимат Актюбинской области",
        "Акимат Костанайской области",
    ]


def test_it_splits_a_party_opened_by_an_adjective_and_drops_an_unnamed_group():
    text = (
        "- меморандум между акиматом Туркестанской области и иранской компанией «Ardabil Petrochemical Co» "
        "о строительстве завода;\n"
        "- меморандум между ТОО «Green Land Alatau» и российскими инвесторами о строительстве теплиц."
    )
    iranian, group = read_announcement(text)["agreements"]
    assert [p["name"] for p in iranian["parties"]] == [
        "Акимат Туркестанской области",
        "Ardabil Petrochemical Co",
    ]
    assert iranian["parties"][1]["country"] == ""  # the reader infers KZ and RU only; never guessed
    assert [p["name"] for p in group["parties"]] == ["Green Land Alatau"]


def test_it_reads_the_total_right_after_the_forums_count_of_documents():
    text = (
        "По итогам форума заключено 11 меморандумов о сотрудничестве на сумму более 200 млрд тенге.\n"
        "- меморандум между ТОО «А» и ООО «Б» на общую сумму 5 млрд тенге."
    )
    figures = {f["key"]: (f["value"], f["unit"]) for f in read_announcement(text)["figures"]}
    assert figures == {"documents": (11, "documents"), "total_amount": (200_000_000_000, "KZT")}


def test_it_gives_a_party_that_is_a_whole_region_its_country_and_region():
    text = "- соглашение между акиматом Кызылординской области и Республикой Татарстан о сотрудничестве."
    (agreement,) = read_announcement(text)["agreements"]
    assert [(p["name"], p["country"]) for p in agreement["parties"]] == [
        ("Акимат Кызылординской области", "KZ"),
        ("Республика Татарстан", "RU"),
    ]
    assert agreement["regions"] == ["KZ-43", "RU-TA"]


def test_it_takes_the_bodies_after_mezhdu_not_the_officials_who_signed():
    text = (
        "Аким Акмолинской области и губернатор Курганской области подписали протокол по реализации "
        "соглашения о торгово-экономическом сотрудничестве между акиматом Акмолинской области и "
        "Правительством Курганской области."
    )
    (protocol,) = read_announcement(text)["agreements"]
    assert protocol["kind"] == "other"
    assert [p["name"] for p in protocol["parties"]] == [
        "Акимат Акмолинской области",
        "Правительство Курганской области",
    ]
    assert protocol["regions"] == ["KZ-11", "RU-KGN"]


def test_it_reads_the_headline_only_when_the_body_names_no_document():
    headline = "Алтайский край и ВКО подписали протокол о развитии отношений"
    body = (
        "В Барнауле подписан протокол о развитии двусторонних отношений между Правительством Алтайского "
        "края и акиматом Восточно-Казахстанской области. Протокол предусматривает обмен делегациями."
    )
    (protocol,) = read_announcement(headline + "\n\n" + body)["agreements"]
    assert [p["name"] for p in protocol["parties"]] == [
        "Правительство Алтайского края",
        "Акимат Восточно-Казахстанской области",
    ]
    (alone,) = read_announcement(headline + "\n\nСтороны обсудили торговлю.")["agreements"]
    assert alone["kind"] == "other"


def test_it_reads_a_document_with_no_parties_and_no_region_from_a_quoted_name():
    text = (
        "Подписаны:\n"
        "- соглашение между Правительством Российской Федерации и Правительством Республики Казахстан о "
        "создании особой природной зоны «Алтай»;\n"
        "- протокол о пунктах пропуска через границу."
    )
    agreement, protocol = read_announcement(text)["agreements"]
    assert agreement["regions"] == []  # «Алтай» names the zone; the text does not place it
    assert (protocol["title"], protocol["parties"]) == ("Протокол", [])


def test_it_ends_the_parties_at_a_period_and_names_a_region_party_by_its_reference_name():
    text = (
        "- план мероприятий по развитию сотрудничества между Астраханской областью и Атырауской "
        "областью на 2025–2027 годы."
    )
    (plan,) = read_announcement(text)["agreements"]
    assert [(p["name"], p["country"]) for p in plan["parties"]] == [
        ("Астраханская область", "RU"),
        ("Атырауская область", "KZ"),
    ]
    assert plan["title"] == "План мероприятий между Астраханской областью и Атырауской областью"
    assert plan["regions"] == ["RU-AST", "KZ-23"]
