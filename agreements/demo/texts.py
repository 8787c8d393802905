"""Demo data's words put together: company names and their aliases, an agreement's topic, title,
subject, amount, signing date and status steps. Each takes the generator's random source, so the
order of the calls (generator.py) decides the data a seed gives."""

import datetime
import random
from typing import NamedTuple

from agreements import search
from agreements.demo.vocabulary import (
    ACTIVITIES,
    CURRENCIES,
    FACILITIES_GENITIVE,
    FACILITY_ACTIVITIES,
    FIRST_DATE,
    KIND_TITLES,
    KZ_CITIES,
    KZ_STEMS,
    LAST_DATE,
    MIDDLES,
    ORGANISATIONS,
    PRODUCTS,
    PROJECTS,
    PROJECTS_COOP,
    RU_CITIES,
    RU_STEMS,
    SERVICES,
    TAILS,
    translit,
)
from agreements.models import Agreement

# Products a company can be named after («Павлодарский завод подшипников»): equipment and materials.
NAMED_PRODUCTS = [p for p in PRODUCTS if p[3] in "em"]

# Activities by product kind, for topic(): the same lists the generator always drew from.
ACTIVITIES_BY_KIND = {kind: [a for a in ACTIVITIES if kind in a[1]] for kind in {p[3] for p in PRODUCTS}}

CAPACITY = {"m": "тыс. тонн в год", "a": "тыс. тонн в год", "r": "тыс. тонн в год", "e": "единиц в год"}


def company_name(rng: random.Random, country: str) -> tuple[str, str]:
    """A company name and its abbreviation (empty when the name is a brand)."""
    if rng.random() < 0.55:
        stem = rng.choice(KZ_STEMS if country == "KZ" else RU_STEMS)
        middles = rng.sample(MIDDLES, rng.choice([1, 1, 2]))
        return stem + "".join(middles) + rng.choice(TAILS), ""
    city = rng.choice(KZ_CITIES if country == "KZ" else RU_CITIES)
    noun, ending = rng.choice(ORGANISATIONS)
    product = rng.choice(NAMED_PRODUCTS)[1]
    name = f"{city[:-2]}{ending} {noun} {product}"
    short = "".join(word[0] for word in name.split()).upper()
    return name, short


def alias_candidates(rng: random.Random, name: str, legal_form: str) -> list[str]:
    """A transliteration, a typo as sources make them, or the name with its legal form."""
    candidates = [translit(name)]
    if len(name) > 6:
        i = rng.randrange(1, len(name) - 2)
        if name[i].isalpha() and name[i + 1].isalpha():
            candidates.append(name[:i] + name[i + 1] + name[i] + name[i + 2 :])
    if legal_form:
        candidates.append(f"{legal_form} {name}")
    rng.shuffle(candidates)
    return candidates


def topic(rng: random.Random) -> tuple:
    """(nominative, genitive, dative, prepositional, accusative, cooperation phrase, product, division,
    related division)."""
    roll = rng.random()
    if roll < 0.12:
        phrase, division = rng.choice(SERVICES)
        forms = tuple(f"{head} {phrase}" for head in PROJECTS_COOP)
        return (*forms, phrase, None, division, None)
    product = rng.choice(PRODUCTS)
    kind = product[3]
    if roll < 0.4 and kind in FACILITY_ACTIVITIES:
        heads, related = rng.choice(PROJECTS)
        what = f"{rng.choice(FACILITIES_GENITIVE)} по {rng.choice(FACILITY_ACTIVITIES[kind])} {product[1]}"
    else:
        heads, _kinds, related = rng.choice(ACTIVITIES_BY_KIND[kind])
        what = product[1]
    forms = tuple(f"{head} {what}" for head in heads)
    return (*forms, f"в области {forms[1]}", product, product[2], related)


def about(prepositional: str) -> str:
    return "об" if prepositional[0] in "аоуэи" else "о"


def title(rng: random.Random, kind: str, topic: tuple, names: list[str]) -> str:
    """The document's kind, its topic in the case the kind asks for, and the parties' display names."""
    prefix = rng.choice(KIND_TITLES[kind])
    _nom, _gen, dative, prepositional, _acc, coop = topic[:6]
    if "сотрудничестве" in prefix:
        body = f"{prefix} {coop}"
    elif "намерениях" in prefix or prefix == "Дорожная карта":
        body = f"{prefix} по {dative}"
    else:
        body = f"{prefix} {about(prepositional)} {prepositional}"
    between = ", ".join(names[:-1]) + " и " + names[-1]
    return f"{body} между {between}"[:500]


def subject(rng: random.Random, topic: tuple, region_names: list[str], amount_phrase: str) -> str:
    nominative, _gen, _dat, prepositional, accusative, _coop, product = topic[:7]
    sentences = [
        rng.choice(
            [
                f"Стороны договорились {about(prepositional)} {prepositional}.",
                f"Проект предусматривает {accusative}{amount_phrase}.",
                f"{nominative[0].upper()}{nominative[1:]}.",
            ]
        )
    ]
    if product and rng.random() < 0.6:
        sentences.append(f"Основная продукция — {product[0]}.")
    if product and product[3] in CAPACITY and rng.random() < 0.4:
        sentences.append(f"Мощность — {rng.randint(1, 500) * 10} {CAPACITY[product[3]]}.")
    if rng.random() < 0.4:
        sentences.append(f"Будет создано {rng.randint(2, 150) * 10} рабочих мест.")
    if region_names and rng.random() < 0.5:
        sentences.append("Место реализации: " + ", ".join(region_names) + ".")
    if rng.random() < 0.3:
        start = rng.randint(2005, 2025)
        sentences.append(f"Срок реализации — {start}–{start + rng.randint(1, 6)} годы.")
    return " ".join(sentences)


def timeline(
    rng: random.Random, status: str, signed: datetime.date | None, today: datetime.date
) -> list[tuple[str, datetime.date | None]]:
    """Status steps ending in the agreement's status: announced → signed → in implementation → …"""
    S = Agreement.Status

    def later(date, low, high):
        if date is None:
            return None
        return min(date + datetime.timedelta(days=rng.randint(low, high)), today)

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


def random_date(rng: random.Random, today: datetime.date) -> datetime.date:
    last = min(LAST_DATE, today)
    return FIRST_DATE + datetime.timedelta(days=rng.randrange((last - FIRST_DATE).days + 1))


CURRENCY_WEIGHTS = [c[1] for c in CURRENCIES]


def amount(rng: random.Random) -> tuple:
    """An amount in a currency for about a third of the agreements, else (None, "")."""
    if rng.random() >= 0.35:
        return None, ""
    currency, _weight, (low, high) = rng.choices(CURRENCIES, CURRENCY_WEIGHTS)[0]
    return round(10 ** rng.uniform(low, high), -3), currency


class Texts(NamedTuple):
    """What search.agreement_search_text reads from an agreement."""

    title: str
    subject: str


class SearchFields:
    """search.fill_search_fields() for rows rather than model instances, with the stems of each word
    cached: the generated vocabulary is a few thousand words, stemming them again each time is most of
    the work."""

    def __init__(self):
        self.cache: dict[str, str] = {}

    def stems(self, text: str) -> list[str]:
        result = []
        for word in search.words(text):
            stem = self.cache.get(word)
            if stem is None:
                stem = self.cache[word] = search.stems(word)[0]
            result.append(stem)
        return result

    def __call__(self, title: str, subject: str, parties: list) -> tuple[str, str, str]:
        """(title_key, search_text, search_stems), as search.fill_search_fields() sets them."""
        text = search.agreement_search_text(Texts(title, subject), parties)
        return search.title_sort_key(title), text, " " + " ".join(self.stems(text)) + " "
