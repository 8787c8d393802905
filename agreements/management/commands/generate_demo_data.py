"""Generate a large, realistic, deterministic demo registry for benchmarks and demos.

``manage.py generate_demo_data --agreements 100000 [--seed 1] [--replace]``

Everything it creates has a slug starting with ``demo-`` (agreements, parties, forums), so it never
collides with real records and ``--replace`` can remove exactly what an earlier run made. Names,
titles and subjects are Russian, built from word lists in several grammatical cases («поставки
минеральных удобрений», «о поставках…», «по сборке автобусов», «строительство завода по переработке
зерна»), so the Russian search has real stemming work to do. The same seed gives the same data.

Rows are written with ``bulk_create`` in batches (link tables too) and the search fields are computed
in Python before the insert, with ``agreements.search`` (stems cached per word: the vocabulary is
small), so 100,000 agreements take a minute or two. No history rows are written for demo data.
"""

import copy
import datetime
import random
import re
import sys
import time
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Expression, F, Value
from tqdm import tqdm

from agreements import search
from agreements.models import (
    Agreement,
    AgreementParty,
    Country,
    Forum,
    Party,
    PartyAlias,
    Region,
    Sector,
)

PREFIX = "demo-"
BATCH = 2000
FIRST_DATE = datetime.date(2000, 1, 1)
LAST_DATE = datetime.date(2025, 12, 31)

# --- Word lists ---------------------------------------------------------------------------------

# What is produced or supplied: (nominative, genitive, NACE division, kind): e = equipment, m = materials
# and goods, a = agricultural, r = raw materials, p = power, s = software. The kind decides which
# activities make sense («сборка автобусов», not «сборка зерна»).
PRODUCTS = [
    ("минеральные удобрения", "минеральных удобрений", "20", "m"),
    ("азотные удобрения", "азотных удобрений", "20", "m"),
    ("лакокрасочные материалы", "лакокрасочных материалов", "20", "m"),
    ("подшипники", "подшипников", "28", "e"),
    ("тракторы", "тракторов", "28", "e"),
    ("комбайны", "комбайнов", "28", "e"),
    ("сельскохозяйственная техника", "сельскохозяйственной техники", "28", "e"),
    ("насосное оборудование", "насосного оборудования", "28", "e"),
    ("нефтепромысловое оборудование", "нефтепромыслового оборудования", "28", "e"),
    ("лифты", "лифтов", "28", "e"),
    ("автобусы", "автобусов", "29", "e"),
    ("грузовые автомобили", "грузовых автомобилей", "29", "e"),
    ("легковые автомобили", "легковых автомобилей", "29", "e"),
    ("автокомпоненты", "автокомпонентов", "29", "e"),
    ("железнодорожные вагоны", "железнодорожных вагонов", "30", "e"),
    ("локомотивы", "локомотивов", "30", "e"),
    ("зерно", "зерна", "01", "a"),
    ("пшеница", "пшеницы", "01", "a"),
    ("хлопок", "хлопка", "01", "a"),
    ("мука", "муки", "10", "a"),
    ("мясная продукция", "мясной продукции", "10", "a"),
    ("молочная продукция", "молочной продукции", "10", "a"),
    ("растительное масло", "растительного масла", "10", "a"),
    ("сахар", "сахара", "10", "a"),
    ("комбикорма", "комбикормов", "10", "a"),
    ("цемент", "цемента", "23", "m"),
    ("стекло", "стекла", "23", "m"),
    ("строительные материалы", "строительных материалов", "23", "m"),
    ("стальной прокат", "стального проката", "24", "m"),
    ("медная катанка", "медной катанки", "24", "m"),
    ("алюминиевые профили", "алюминиевых профилей", "24", "m"),
    ("ферросплавы", "ферросплавов", "24", "m"),
    ("лекарственные препараты", "лекарственных препаратов", "21", "m"),
    ("вакцины", "вакцин", "21", "m"),
    ("медицинские изделия", "медицинских изделий", "32", "e"),
    ("полимерная продукция", "полимерной продукции", "22", "m"),
    ("пластиковые трубы", "пластиковых труб", "22", "m"),
    ("шины", "шин", "22", "m"),
    ("трансформаторы", "трансформаторов", "27", "e"),
    ("электродвигатели", "электродвигателей", "27", "e"),
    ("кабельная продукция", "кабельной продукции", "27", "e"),
    ("бытовая техника", "бытовой техники", "27", "e"),
    ("текстиль", "текстиля", "13", "m"),
    ("трикотажные изделия", "трикотажных изделий", "14", "m"),
    ("бумага", "бумаги", "17", "m"),
    ("мебель", "мебели", "31", "m"),
    ("уголь", "угля", "05", "r"),
    ("нефтепродукты", "нефтепродуктов", "19", "m"),
    ("электроэнергия", "электроэнергии", "35", "p"),
    ("программное обеспечение", "программного обеспечения", "62", "s"),
]

# An activity on a product: (nominative, genitive, dative, prepositional, accusative), product kinds,
# and the sector a second link may name (wholesale trade for supplies, repair for servicing).
ACTIVITIES = [
    (("производство", "производства", "производству", "производстве", "производство"), "emarps", None),
    (("поставки", "поставок", "поставкам", "поставках", "поставки"), "emarps", "46"),
    (("сборка", "сборки", "сборке", "сборке", "сборку"), "e", None),
    (("выпуск", "выпуска", "выпуску", "выпуске", "выпуск"), "em", None),
    (("переработка", "переработки", "переработке", "переработке", "переработку"), "a", None),
    (("экспорт", "экспорта", "экспорту", "экспорте", "экспорт"), "emarp", "46"),
    (("разработка", "разработки", "разработке", "разработке", "разработку"), "s", None),
    (("внедрение", "внедрения", "внедрению", "внедрении", "внедрение"), "s", "63"),
    (
        (
            "локализация производства",
            "локализации производства",
            "локализации производства",
            "локализации производства",
            "локализацию производства",
        ),
        "em",
        None,
    ),
    (
        (
            "сервисное обслуживание",
            "сервисного обслуживания",
            "сервисному обслуживанию",
            "сервисном обслуживании",
            "сервисное обслуживание",
        ),
        "e",
        "33",
    ),
]
# What a facility does, in the dative, by product kind: «завод по переработке зерна».
FACILITY_ACTIVITIES = {
    "e": ["производству", "выпуску", "сборке"],
    "m": ["производству", "выпуску"],
    "a": ["переработке", "хранению"],
    "r": ["добыче", "переработке"],
}
# A project on a facility: (nominative, genitive, dative, prepositional, accusative), second sector.
PROJECTS = [
    (("строительство", "строительства", "строительству", "строительстве", "строительство"), "41"),
    (("создание", "создания", "созданию", "создании", "создание"), "42"),
    (("модернизация", "модернизации", "модернизации", "модернизации", "модернизацию"), "33"),
    (("расширение", "расширения", "расширению", "расширении", "расширение"), "43"),
]
FACILITIES_GENITIVE = ["завода", "комбината", "фабрики", "предприятия", "цеха", "производственного комплекса"]
# Cooperation outside manufacturing: (phrase, NACE division).
SERVICES = [
    ("в сфере туризма", "79"),
    ("в области образования", "85"),
    ("в области подготовки кадров", "85"),
    ("в сфере здравоохранения", "86"),
    ("в области логистики и транзита грузов", "52"),
    ("в сфере цифровизации", "62"),
    ("в области геологоразведки", "09"),
    ("в сфере финансирования инвестиционных проектов", "64"),
    ("в сфере жилищного строительства", "41"),
    ("в области водоснабжения", "36"),
    ("в сфере связи", "61"),
    ("в области авиационного сообщения", "51"),
    ("в области переработки отходов", "38"),
    ("в сфере научных исследований", "72"),
]

# A second sector when an agreement names two: finance, engineering, logistics, trade, research.
SECOND_SECTORS = ["64", "71", "52", "46", "72", "85", "49", "66"]

KIND_TITLES = {
    Agreement.Kind.MOU: ["Меморандум о взаимопонимании"],
    Agreement.Kind.MEMORANDUM: ["Меморандум"],
    Agreement.Kind.MEMORANDUM_OF_INTENT: ["Меморандум о намерениях"],
    Agreement.Kind.MEMORANDUM_OF_COOPERATION: ["Меморандум о сотрудничестве"],
    Agreement.Kind.AGREEMENT: ["Соглашение", "Соглашение о сотрудничестве"],
    Agreement.Kind.AGREEMENT_OF_INTENT: ["Соглашение о намерениях"],
    Agreement.Kind.OTHER: ["Договор", "Дорожная карта", "Протокол о намерениях"],
}
KIND_WEIGHTS = {
    Agreement.Kind.MOU: 10,
    Agreement.Kind.MEMORANDUM: 15,
    Agreement.Kind.MEMORANDUM_OF_INTENT: 15,
    Agreement.Kind.MEMORANDUM_OF_COOPERATION: 20,
    Agreement.Kind.AGREEMENT: 25,
    Agreement.Kind.AGREEMENT_OF_INTENT: 10,
    Agreement.Kind.OTHER: 5,
}
STATUS_WEIGHTS = {
    Agreement.Status.ANNOUNCED: 25,
    Agreement.Status.SIGNED: 40,
    Agreement.Status.IN_IMPLEMENTATION: 20,
    Agreement.Status.COMPLETED: 10,
    Agreement.Status.CANCELLED: 5,
}
ROLES = [
    AgreementParty.Role.SIGNATORY,
    AgreementParty.Role.INVESTOR,
    AgreementParty.Role.PARTNER,
    AgreementParty.Role.FINANCIER,
    AgreementParty.Role.TECHNOLOGY_PROVIDER,
    AgreementParty.Role.RECIPIENT,
]
# Currency, share of amounts, (low, high) order of magnitude.
CURRENCIES = [("USD", 50, (5, 9)), ("RUB", 25, (7, 11)), ("KZT", 20, (8, 12)), ("EUR", 5, (5, 8))]

# Party names.
KZ_STEMS = ["Каз", "Астана", "Алатау", "Сарыарка", "Иртыш", "Жетысу", "Тобол", "Арал", "Каспий", "Есиль"]
KZ_STEMS += ["Балхаш", "Тараз", "Шымкент", "Актобе", "Кокше", "Улытау", "Мангыстау", "Атырау"]
RU_STEMS = ["Урал", "Сибирь", "Волга", "Алтай", "Кама", "Ока", "Дон", "Енисей", "Байкал", "Север"]
RU_STEMS += ["Омск", "Тюмень", "Самара", "Кубань", "Нева", "Томь", "Ангара", "Печора"]
MIDDLES = ["Агро", "Маш", "Строй", "Нефть", "Энерго", "Транс", "Металл", "Хим", "Фарм", "Логистик"]
MIDDLES += ["Инвест", "Пром", "Газ", "Снаб", "Текстиль", "Цемент", "Авто", "Мед", "Тех", "Зерно", "Полимер"]
TAILS = ["", "", "", " Холдинг", " Групп", " Трейд", " Сервис", " Инжиниринг", " Технологии", " Экспорт"]
KZ_CITIES = ["Павлодарский", "Карагандинский", "Костанайский", "Актюбинский", "Атырауский", "Шымкентский"]
KZ_CITIES += ["Таразский", "Семейский", "Усть-Каменогорский", "Петропавловский", "Кокшетауский"]
KZ_CITIES += ["Экибастузский", "Темиртауский", "Жезказганский", "Кызылординский", "Алматинский"]
RU_CITIES = ["Челябинский", "Омский", "Новосибирский", "Оренбургский", "Самарский", "Саратовский"]
RU_CITIES += ["Томский", "Курганский", "Тюменский", "Уфимский", "Екатеринбургский", "Барнаульский"]
RU_CITIES += ["Астраханский", "Волгоградский", "Казанский", "Пермский", "Липецкий", "Московский"]
# (noun, adjective ending for its gender)
ORGANISATIONS = [("завод", "ий"), ("комбинат", "ий"), ("фабрика", "ая"), ("компания", "ая")]
ORGANISATIONS += [("предприятие", "ое"), ("объединение", "ое")]
MINISTRIES = {
    "KZ": [
        "Министерство промышленности и строительства Республики Казахстан",
        "Министерство торговли и интеграции Республики Казахстан",
        "Министерство сельского хозяйства Республики Казахстан",
        "Министерство энергетики Республики Казахстан",
        "Министерство национальной экономики Республики Казахстан",
    ],
    "RU": [
        "Министерство промышленности и торговли Российской Федерации",
        "Министерство экономического развития Российской Федерации",
        "Министерство сельского хозяйства Российской Федерации",
        "Министерство энергетики Российской Федерации",
    ],
}
INTERNATIONAL = [
    "Евразийская ассоциация промышленников",
    "Международный фонд приграничного сотрудничества",
    "Евразийский инвестиционный союз",
    "Международная ассоциация перевозчиков Каспия",
    "Евразийский центр агротехнологий",
    "Международный союз производителей удобрений",
]
FORUM_CITIES = [("Астана", "KZ"), ("Омск", "RU"), ("Актобе", "KZ"), ("Челябинск", "RU"), ("Павлодар", "KZ")]
FORUM_CITIES += [("Оренбург", "RU"), ("Уральск", "KZ"), ("Екатеринбург", "RU"), ("Костанай", "KZ")]
FORUM_CITIES += [("Томск", "RU"), ("Атырау", "KZ"), ("Астрахань", "RU"), ("Петропавловск", "KZ")]
FORUM_SERIES = [
    "Форум межрегионального сотрудничества Казахстана и России",
    "Казахстанско-российский промышленный форум",
    "Российско-казахстанский инвестиционный форум",
    "Евразийский агропромышленный форум",
]
TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            *["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p"],
            *["r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "-", "y", "-", "e", "iu", "ia"],
        ],
        strict=True,
    )
)


def translit(text: str) -> str:
    out = []
    for char in text:
        latin = TRANSLIT.get(char.lower())
        if latin is None:
            out.append(char)
        else:
            latin = "" if latin == "-" else latin
            out.append(latin.capitalize() if char.isupper() else latin)
    return "".join(out)


def roman(number: int) -> str:
    numerals = [(40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in numerals:
        while number >= value:
            out += letters
            number -= value
    return out


def genitive_region(name: str) -> str | None:
    """«Жамбылская область» → «Жамбылской области»; None where the simple rules do not apply."""
    rules = [
        (r"^(\S+)ая область$", r"\1ой области"),
        (r"^Республика (.+)$", r"Республики \1"),
        (r"^(\S+)ий край$", r"\1ого края"),
    ]
    for pattern, replacement in rules:
        if re.match(pattern, name):
            return re.sub(pattern, replacement, name)
    return None


def skewed_weights(rng: random.Random, count: int, exponent: float = 1.0) -> list[float]:
    """Zipf-like cumulative weights over ``count`` items in a random order: a few are popular."""
    weights = [1 / (rank**exponent) for rank in range(1, count + 1)]
    rng.shuffle(weights)
    total, cumulative = 0.0, []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


# --- Search fields ------------------------------------------------------------------------------


class _Aliases(list):
    def all(self):
        return self


@dataclass
class SearchParty:
    """What search.agreement_search_text reads from a party, with its aliases already at hand."""

    name: str
    short_name: str
    legal_form: str
    aliases: _Aliases = field(default_factory=_Aliases)


class CachedStems:
    """search.stems(), one word at a time with a cache: the generated vocabulary is a few thousand words."""

    def __init__(self):
        self.cache: dict[str, str] = {}

    def __call__(self, text: str) -> list[str]:
        result = []
        for word in search.words(text):
            stem = self.cache.get(word)
            if stem is None:
                stem = self.cache[word] = search.stems(word)[0]
            result.append(stem)
        return result

    def fill(self, agreement, parties) -> None:
        """The same strings as search.fill_search_fields(agreement, parties)."""
        agreement.title_key = search.title_sort_key(agreement.title)
        agreement.search_text = search.agreement_search_text(agreement, parties)
        agreement.search_stems = " " + " ".join(self(agreement.search_text)) + " "


# --- Deletion -----------------------------------------------------------------------------------


def demo_counts() -> dict[str, int]:
    return {
        "agreements": Agreement.objects.filter(slug__startswith=PREFIX).count(),
        "parties": Party.objects.filter(slug__startswith=PREFIX).count(),
        "forums": Forum.objects.filter(slug__startswith=PREFIX).count(),
    }


def delete_demo_data() -> None:
    """Remove demo-* agreements, parties and forums, and what depends on them, with plain DELETEs.

    The ORM's delete() would load every row and write a history row for each (simple_history's
    post_delete), which takes minutes at 100,000 agreements; demo data has no history to keep.
    Dependent rows are found from the models' relations (link tables, aliases, status timelines,
    history of links), following only CASCADE and DO_NOTHING: a real record that PROTECTs a demo one
    makes the delete fail instead of being removed with it.
    """
    with connection.cursor() as cursor:
        for model in (Agreement, Party, Forum):
            where = connection.ops.quote_name("slug") + " LIKE %s"
            delete_rows(cursor, model, where, [PREFIX + "%"], set())


def delete_rows(cursor, model, where: str, params: list, seen: set) -> None:
    """DELETE the rows of ``model`` matching ``where``, after the rows that cascade from them."""
    from django.db.models import CASCADE, DO_NOTHING

    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    seen = seen | {model}
    for relation in model._meta.get_fields(include_hidden=True):
        if not (
            relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)
        ):
            continue
        related = relation.related_model
        if related in seen or relation.on_delete not in (CASCADE, DO_NOTHING):
            continue
        # Table and column names come from model metadata; the slug pattern stays a parameter.
        inner = f"{quote(relation.field.column)} IN (SELECT {pk} FROM {table} WHERE {where})"  # noqa: S608
        delete_rows(cursor, related, inner, params, seen)
    cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608


# --- Generation ---------------------------------------------------------------------------------


def has_stored_vector() -> bool:
    """PostgreSQL with a stored search vector (search.fill_search_vectors): fill it at insert time."""
    if connection.vendor != "postgresql" or not hasattr(search, "weighted_vector"):
        return False
    try:
        Agreement._meta.get_field("search_vector")
    except FieldDoesNotExist:
        return False
    return True


MARKER = re.compile("\x00(\\w+)\x00")  # a column's place in the compiled search vector


class StoredVector(Expression):
    """search.weighted_vector() computed by the INSERT from the agreement's own texts.

    It stores the same tsvector search.fill_search_vectors() stores with an UPDATE; updating 100,000
    fresh rows would leave as many dead ones and double the table. The app's expression is compiled
    once, with its column references (``F("title")``…) replaced by markers; each row then only swaps
    its own texts in for the markers, which keeps 100,000 inserts fast.
    """

    _template: tuple[str, list] | None = None

    def __init__(self, agreement):
        super().__init__(output_field=Agreement._meta.get_field("search_vector"))
        self.agreement = agreement

    @classmethod
    def template(cls) -> tuple[str, list]:
        if cls._template is None:
            from django.db.models.sql import Query

            def bind(expression):
                if isinstance(expression, F):
                    return Value(f"\x00{expression.name}\x00")
                expression = copy.copy(expression)
                expression.set_source_expressions([bind(e) for e in expression.get_source_expressions()])
                return expression

            query = Query(Agreement)
            resolved = bind(search.weighted_vector()).resolve_expression(
                query, allow_joins=False, for_save=True
            )
            cls._template = query.get_compiler(connection=connection).compile(resolved)
        return cls._template

    def resolve_expression(self, *args, **kwargs):
        return self

    def as_sql(self, compiler, connection):
        sql, params = self.template()
        values = []
        for param in params:
            match = MARKER.fullmatch(param) if isinstance(param, str) else None
            values.append(getattr(self.agreement, match.group(1)) if match else param)
        return sql, values


def timeline_model():
    """The status timeline model (dated status steps), if this version of the app has one."""
    from django.apps import apps

    try:
        return apps.get_model("agreements", "StatusChange")
    except LookupError:
        return None


class Generator:
    def __init__(self, seed: int, agreements: int, progress: bool = True):
        self.rng = random.Random(seed)
        self.total = agreements
        self.progress = progress
        self.stems = CachedStems()
        self.today = datetime.date.today()
        self.regions = {
            country: list(Region.objects.filter(country_id=country).order_by("code"))
            for country in ("KZ", "RU")
        }
        sectors = list(Sector.objects.order_by("code"))
        self.sectors = {s.code: s for s in sectors}
        self.divisions = [s for s in sectors if s.parent_id is not None]
        by_id = {s.pk: s for s in sectors}
        self.parent_code = {s.code: by_id[s.parent_id].code for s in self.divisions}
        self.countries = set(
            Country.objects.filter(code__in=["KZ", "RU", "BY", "UZ", "KG", "CN"]).values_list(
                "code", flat=True
            )
        )
        if not self.regions["KZ"] or not self.regions["RU"] or not self.divisions:
            raise CommandError("Reference data is missing: run `manage.py migrate` (or load_reference_data).")

    # Forums -------------------------------------------------------------------------------

    def make_forums(self) -> list[Forum]:
        rng = self.rng
        count = min(40, max(3, self.total // 25))
        forums, numbers = [], {}
        for i in range(1, count + 1):
            series = FORUM_SERIES[0] if i % 3 != 0 else rng.choice(FORUM_SERIES[1:])
            city, _country = rng.choice(FORUM_CITIES)
            year = 2004 + (i * 21) // count
            start = datetime.date(year, rng.randint(3, 11), rng.randint(1, 27))
            if series == FORUM_SERIES[0]:
                numbers[series] = numbers.get(series, 0) + 1
                number = roman(numbers[series])
                title = f"{number} {series}"
            else:
                number = ""
                title = f"{series} — {year}"
            forums.append(
                Forum(
                    title=title,
                    number=number,
                    slug=f"{PREFIX}forum-{i}",
                    city=city,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=rng.choice([0, 1, 1, 2])),
                    theme=rng.choice(
                        ["Промышленная кооперация", "Агропромышленный комплекс", "Транзит и логистика"]
                    ),
                    description="Демонстрационные данные для нагрузочного тестирования.",
                )
            )
        Forum.objects.bulk_create(forums)
        return forums

    # Parties ------------------------------------------------------------------------------

    def company_name(self, country: str) -> tuple[str, str]:
        """A company name and its abbreviation (empty when the name is a brand)."""
        rng = self.rng
        if rng.random() < 0.55:
            stem = rng.choice(KZ_STEMS if country == "KZ" else RU_STEMS)
            middles = rng.sample(MIDDLES, rng.choice([1, 1, 2]))
            return stem + "".join(middles) + rng.choice(TAILS), ""
        city = rng.choice(KZ_CITIES if country == "KZ" else RU_CITIES)
        noun, ending = rng.choice(ORGANISATIONS)
        product = rng.choice([p for p in PRODUCTS if p[3] in "em"])[1]
        name = f"{city[:-2]}{ending} {noun} {product}"
        short = "".join(word[0] for word in name.split()).upper()
        return name, short

    def make_parties(self) -> tuple[list[Party], dict[int, SearchParty]]:
        rng = self.rng
        count = max(20, self.total // 5)
        taken_aliases = {name.lower() for name in PartyAlias.objects.values_list("name", flat=True)}
        parties, aliases = [], []
        # Authorities first: a ministry or two per country, an akimat or regional government per region.
        for country in ("KZ", "RU"):
            for name in MINISTRIES[country]:
                parties.append(Party(name=name, kind=Party.Kind.GOVERNMENT, country_id=country))
            for region in self.regions[country]:
                genitive = genitive_region(region.name_ru)
                if genitive:
                    head = "Акимат" if country == "KZ" else "Правительство"
                    parties.append(
                        Party(
                            name=f"{head} {genitive}",
                            kind=Party.Kind.REGIONAL_AUTHORITY,
                            country_id=country,
                            home_region=region,
                        )
                    )
        for name in INTERNATIONAL:
            parties.append(Party(name=name, kind=Party.Kind.INTERNATIONAL, country=None))
        names_seen = {p.name for p in parties}
        while len(parties) < count:
            roll = rng.random()
            country = "KZ" if roll < 0.5 else "RU" if roll < 0.97 else rng.choice(["BY", "UZ", "KG", "CN"])
            if country not in self.countries:
                country = "RU"
            name, short = self.company_name(country if country in ("KZ", "RU") else "RU")
            if name in names_seen:
                name = f"{name} {rng.choice(['Плюс', 'Инвест', 'Партнёр', 'Восток', 'Запад', 'Центр'])}"
                if name in names_seen:
                    continue
            names_seen.add(name)
            if country == "KZ":
                legal_form = rng.choices(["ТОО", "АО"], [60, 40])[0]
            elif country == "RU":
                legal_form = rng.choices(["ООО", "ЗАО", "ПАО", "ОАО"], [55, 10, 15, 20])[0]
            else:
                legal_form = ""
            kind = (
                Party.Kind.STATE_COMPANY
                if legal_form == "АО" and rng.random() < 0.3
                else Party.Kind.PRIVATE_COMPANY
            )
            home_region = rng.choice(self.regions[country]) if country in ("KZ", "RU") else None
            parties.append(
                Party(
                    name=name,
                    short_name=short if rng.random() < 0.5 else "",
                    legal_form=legal_form,
                    kind=kind,
                    country_id=country,
                    home_region=home_region,
                    website=f"https://{translit(name.split()[0]).lower()}.example"
                    if rng.random() < 0.2
                    else "",
                )
            )
        for i, party in enumerate(parties, start=1):
            party.slug = f"{PREFIX}party-{i}"
        Party.objects.bulk_create(parties, batch_size=BATCH)

        search_parties = {}
        for party in parties:
            entry = SearchParty(party.name, party.short_name, party.legal_form)
            if rng.random() < 0.15:
                for alias in self.alias_candidates(party):
                    if alias.lower() not in taken_aliases:
                        taken_aliases.add(alias.lower())
                        aliases.append(PartyAlias(party=party, name=alias))
                        entry.aliases.append(aliases[-1])
                        break
            search_parties[party.pk] = entry
        PartyAlias.objects.bulk_create(aliases, batch_size=BATCH)
        return parties, search_parties

    def alias_candidates(self, party: Party) -> list[str]:
        """A transliteration, a typo as sources make them, or the name with its legal form."""
        rng = self.rng
        name = party.name
        candidates = [translit(name)]
        if len(name) > 6:
            i = rng.randrange(1, len(name) - 2)
            if name[i].isalpha() and name[i + 1].isalpha():
                candidates.append(name[:i] + name[i + 1] + name[i] + name[i + 2 :])
        if party.legal_form:
            candidates.append(f"{party.legal_form} {name}")
        rng.shuffle(candidates)
        return candidates

    # Agreements ---------------------------------------------------------------------------

    def topic(self):
        """(nominative, genitive, dative, prepositional, accusative, cooperation phrase, product, division,
        related division)."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.12:
            phrase, division = rng.choice(SERVICES)
            forms = tuple(f"{head} {phrase}" for head in PROJECTS_COOP)
            return (*forms, phrase, None, division, None)
        product = rng.choice(PRODUCTS)
        kind = product[3]
        if roll < 0.4 and kind in FACILITY_ACTIVITIES:
            heads, related = rng.choice(PROJECTS)
            what = (
                f"{rng.choice(FACILITIES_GENITIVE)} по {rng.choice(FACILITY_ACTIVITIES[kind])} {product[1]}"
            )
        else:
            heads, _kinds, related = rng.choice([a for a in ACTIVITIES if kind in a[1]])
            what = product[1]
        forms = tuple(f"{head} {what}" for head in heads)
        return (*forms, f"в области {forms[1]}", product, product[2], related)

    def title(self, kind, topic, parties: list[Party]) -> str:
        rng = self.rng
        prefix = rng.choice(KIND_TITLES[kind])
        _nom, _gen, dative, prepositional, _acc, coop = topic[:6]
        if "сотрудничестве" in prefix:
            body = f"{prefix} {coop}"
        elif "намерениях" in prefix or prefix == "Дорожная карта":
            body = f"{prefix} по {dative}"
        else:
            body = f"{prefix} {'об' if prepositional[0] in 'аоуэи' else 'о'} {prepositional}"
        names = [p.display_name for p in parties]
        between = ", ".join(names[:-1]) + " и " + names[-1]
        return f"{body} между {between}"[:500]

    def subject(self, topic, regions: list[Region], amount_phrase: str) -> str:
        rng = self.rng
        nominative, _gen, _dat, prepositional, accusative, _coop, product = topic[:7]
        sentences = [
            rng.choice(
                [
                    f"Стороны договорились {'об' if prepositional[0] in 'аоуэи' else 'о'} {prepositional}.",
                    f"Проект предусматривает {accusative}{amount_phrase}.",
                    f"{nominative[0].upper()}{nominative[1:]}.",
                ]
            )
        ]
        if product and rng.random() < 0.6:
            sentences.append(f"Основная продукция — {product[0]}.")
        capacity = {
            "m": "тыс. тонн в год",
            "a": "тыс. тонн в год",
            "r": "тыс. тонн в год",
            "e": "единиц в год",
        }
        if product and product[3] in capacity and rng.random() < 0.4:
            sentences.append(f"Мощность — {rng.randint(1, 500) * 10} {capacity[product[3]]}.")
        if rng.random() < 0.4:
            sentences.append(f"Будет создано {rng.randint(2, 150) * 10} рабочих мест.")
        if regions and rng.random() < 0.5:
            sentences.append("Место реализации: " + ", ".join(r.name_ru for r in regions) + ".")
        if rng.random() < 0.3:
            start = rng.randint(2005, 2025)
            sentences.append(f"Срок реализации — {start}–{start + rng.randint(1, 6)} годы.")
        return " ".join(sentences)

    def timeline(self, agreement) -> list[tuple[str, datetime.date | None]]:
        """Status steps ending in the agreement's status: announced → signed → in implementation → …"""
        rng, status, signed = self.rng, agreement.status, agreement.signed_on
        S = Agreement.Status

        def later(date, low, high):
            if date is None:
                return None
            return min(date + datetime.timedelta(days=rng.randint(low, high)), self.today)

        if status == S.ANNOUNCED:
            return [(S.ANNOUNCED, signed)]
        steps = [(S.ANNOUNCED, later(signed, -120, -10))] if rng.random() < 0.3 else []
        steps.append((S.SIGNED, signed))
        if status in (S.IN_IMPLEMENTATION, S.COMPLETED):
            steps.append((S.IN_IMPLEMENTATION, later(signed, 30, 400)))
        if status == S.COMPLETED:
            steps.append((S.COMPLETED, later(steps[-1][1], 180, 1500)))
        if status == S.CANCELLED:
            steps.append((S.CANCELLED, later(signed, 60, 900)))
        return steps

    def random_date(self) -> datetime.date:
        last = min(LAST_DATE, self.today)
        return FIRST_DATE + datetime.timedelta(days=self.rng.randrange((last - FIRST_DATE).days + 1))

    def amount(self) -> tuple:
        rng = self.rng
        if rng.random() >= 0.35:
            return None, ""
        currency, _weight, (low, high) = rng.choices(CURRENCIES, [c[1] for c in CURRENCIES])[0]
        value = round(10 ** rng.uniform(low, high), -3)
        return value, currency

    def run(self, stdout) -> dict[str, int]:
        """Insert the forums and parties, then the agreements and their links batch by batch."""
        forums = self.make_forums()
        parties, search_parties = self.make_parties()
        counts = dict.fromkeys(
            ["agreements", "party_links", "region_links", "sector_links", "country_links", "status_steps"], 0
        )
        models = {
            "agreements": Agreement,
            "party_links": AgreementParty,
            "region_links": Agreement.regions.through,
            "sector_links": Agreement.sectors.through,
            "country_links": Agreement.countries.through,
            "status_steps": timeline_model(),
        }
        bar = tqdm(total=self.total, unit="agreements", disable=not self.progress, file=stdout)
        for rows in self.batches(forums, parties, search_parties):
            for key, objects in rows.items():
                if objects:
                    models[key].objects.bulk_create(objects, batch_size=BATCH)
                counts[key] += len(objects)
            bar.update(len(rows.get("agreements", [])))
        bar.close()
        counts["parties"] = len(parties)
        counts["forums"] = len(forums)
        return counts

    def batches(self, forums, parties, search_parties):
        """Each batch twice: its agreements, then (once the caller has inserted them and they have ids)
        their links and status steps. Only this generator uses the random generator, in a fixed order."""
        rng = self.rng
        kz_parties = [p for p in parties if p.country_id == "KZ"]
        ru_parties = [p for p in parties if p.country_id == "RU"]
        kz_cum, ru_cum, all_cum = (
            skewed_weights(rng, len(kz_parties), 0.8),
            skewed_weights(rng, len(ru_parties), 0.8),
            skewed_weights(rng, len(parties), 0.8),
        )
        kz_region_cum = skewed_weights(rng, len(self.regions["KZ"]), 0.9)
        ru_region_cum = skewed_weights(rng, len(self.regions["RU"]), 0.9)
        forum_cum = skewed_weights(rng, len(forums), 0.5)
        kinds, kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        country_sets = [
            ["KZ", "RU"],
            ["KZ", "RU", "BY"],
            ["RU"],
            ["KZ"],
            ["KZ", "RU", "UZ", "KG"],
            ["CN", "KZ"],
        ]
        country_sets = [[c for c in s if c in self.countries] for s in country_sets]
        RegionLink, SectorLink, CountryLink = (
            Agreement.regions.through,
            Agreement.sectors.through,
            Agreement.countries.through,
        )
        StatusChange = timeline_model()
        stored_vector = has_stored_vector()
        for start in range(0, self.total, BATCH):
            batch = []
            for i in range(start + 1, min(start + BATCH, self.total) + 1):
                kind = rng.choices(kinds, kind_weights)[0]
                # Parties: a Kazakh and a Russian one, sometimes a third of any kind.
                chosen = [
                    rng.choices(kz_parties, cum_weights=kz_cum)[0],
                    rng.choices(ru_parties, cum_weights=ru_cum)[0],
                ]
                if rng.random() < 0.35:
                    third = rng.choices(parties, cum_weights=all_cum)[0]
                    if third not in chosen:
                        chosen.append(third)
                if rng.random() < 0.5:
                    chosen[0], chosen[1] = chosen[1], chosen[0]
                # Regions: one, mostly Kazakh; sometimes a Russian one as well.
                regions = [
                    rng.choices(self.regions["KZ"], cum_weights=kz_region_cum)[0]
                    if rng.random() < 0.8
                    else rng.choices(self.regions["RU"], cum_weights=ru_region_cum)[0]
                ]
                if rng.random() < 0.35:
                    second = rng.choices(self.regions["RU"], cum_weights=ru_region_cum)[0]
                    if second not in regions:
                        regions.append(second)
                topic = self.topic()
                division, related = topic[7], topic[8]
                # Mostly the division; sometimes only its section, as a source often allows no more.
                sector_codes = [division if rng.random() < 0.9 else self.parent_code[division]]
                if rng.random() < 0.3:
                    other = related or rng.choice(SECOND_SECTORS)
                    other = other if rng.random() < 0.8 else self.parent_code[other]
                    if other not in sector_codes:
                        sector_codes.append(other)
                forum = rng.choices(forums, cum_weights=forum_cum)[0] if rng.random() < 0.85 else None
                roll = rng.random()
                if roll < 0.08:
                    signed_on = None
                elif forum and roll < 0.75:
                    signed_on = forum.start_date
                else:
                    signed_on = self.random_date()
                amount, currency = self.amount()
                amount_phrase = (
                    f" с объёмом инвестиций {amount:,.0f} {currency}".replace(",", " ") if amount else ""
                )
                agreement = Agreement(
                    slug=f"{PREFIX}agreement-{i}",
                    kind=kind,
                    title=self.title(kind, topic, chosen),
                    subject=self.subject(topic, regions, amount_phrase),
                    forum=forum,
                    status=rng.choices(statuses, status_weights)[0],
                    signed_on=signed_on,
                    amount=amount,
                    currency=currency,
                    is_published=rng.random() < 0.9,
                )
                self.stems.fill(agreement, [search_parties[p.pk] for p in chosen])
                if stored_vector:
                    agreement.search_vector = StoredVector(agreement)
                countries = rng.choice(country_sets) if rng.random() < 0.15 else []
                roles = [AgreementParty.Role.SIGNATORY] + [rng.choice(ROLES) for _ in range(len(chosen) - 1)]
                batch.append((agreement, chosen, roles, regions, sector_codes, countries))
            yield {"agreements": [row[0] for row in batch]}
            keys = ("party_links", "region_links", "sector_links", "country_links", "status_steps")
            rows = {key: [] for key in keys}
            for agreement, chosen, roles, regions, sector_codes, countries in batch:
                rows["party_links"] += [
                    AgreementParty(agreement_id=agreement.pk, party_id=p.pk, role=role, order=order)
                    for order, (p, role) in enumerate(zip(chosen, roles, strict=True))
                ]
                rows["region_links"] += [
                    RegionLink(agreement_id=agreement.pk, region_id=r.pk) for r in regions
                ]
                rows["sector_links"] += [
                    SectorLink(agreement_id=agreement.pk, sector_id=self.sectors[c].pk) for c in sector_codes
                ]
                rows["country_links"] += [
                    CountryLink(agreement_id=agreement.pk, country_id=c) for c in countries
                ]
                if StatusChange is not None:
                    rows["status_steps"] += [
                        StatusChange(agreement_id=agreement.pk, status=status, date=date)
                        for status, date in self.timeline(agreement)
                    ]
            yield rows


# Heads for cooperation outside manufacturing, in the same five cases as PROJECTS.
PROJECTS_COOP = ("сотрудничество", "сотрудничества", "сотрудничеству", "сотрудничестве", "сотрудничество")


def vacuum(analyze: bool) -> None:
    """PostgreSQL: VACUUM (ANALYZE) the demo tables; only ANALYZE inside a transaction (e.g. a test's)."""
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Agreement, AgreementParty, Party, PartyAlias, Forum)]
    tables += [
        getattr(Agreement, name).through._meta.db_table for name in ("regions", "sectors", "countries")
    ]
    if timeline_model() is not None:
        tables.append(timeline_model()._meta.db_table)
    if connection.in_atomic_block:
        command = "ANALYZE " if analyze else None
    else:
        command = "VACUUM (ANALYZE) " if analyze else "VACUUM "
    if command:
        with connection.cursor() as cursor:
            cursor.execute(command + ", ".join(connection.ops.quote_name(t) for t in tables))


class Command(BaseCommand):
    help = (
        "Generate N deterministic demo agreements (slugs demo-*) with parties, forums and links, "
        "for benchmarks. Refuses if demo data exists unless --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agreements", type=int, required=True, help="How many agreements (N).")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same data."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete earlier demo-* agreements, parties and forums first.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, agreements, seed, replace, no_progress, **options):
        if agreements < 1:
            raise CommandError("--agreements must be at least 1.")
        started = time.monotonic()
        existing = demo_counts()
        if any(existing.values()) and not replace:
            raise CommandError(
                "Demo data already exists ({agreements} agreements, {parties} parties, {forums} forums); "
                "pass --replace to delete it and generate again.".format(**existing)
            )
        if any(existing.values()):
            # Deleted and committed first: PostgreSQL can reuse the space of rows deleted by a committed
            # transaction once VACUUM has seen them; deleting and inserting in one transaction would
            # leave the tables twice their size, and every scan twice as slow.
            with transaction.atomic():
                delete_demo_data()
            self.stdout.write("Deleted earlier demo data: {agreements} agreements.".format(**existing))
            vacuum(analyze=False)
        with transaction.atomic():
            generator = Generator(seed, agreements, progress=not no_progress and options["verbosity"] > 0)
            counts = generator.run(sys.stderr)
        # What autovacuum does soon after a bulk insert on a production server: row statistics for the
        # planner and the visibility map index-only scans need. Run here because autovacuum may be off,
        # and benchmarks should see the steady state rather than a fresh bulk load.
        vacuum(analyze=True)
        elapsed = time.monotonic() - started
        self.stdout.write(
            "Generated {agreements} agreements, {parties} parties, {forums} forums, "
            "{party_links} party links, {region_links} region links, {sector_links} sector links, "
            "{country_links} country links, {status_steps} status steps".format(**counts)
            + f" in {elapsed:.1f} s (seed {seed})."
        )
