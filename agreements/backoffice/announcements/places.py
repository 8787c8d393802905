"""Regions (ISO 3166-2) and countries (ISO 3166-1) named in a text, in any grammatical case.

The lexicon is the Region and Country tables' Russian names, lemmatised (and stemmed, for adjectives
pymorphy does not know), so «в Жамбылской области»,
«Жамбылская область» and «Жамбылскую область» all give KZ-31. A few spellings the tables lack
(Нур-Султан, СКО, regional centres such as Тараз) are in place_aliases.csv, each with its reason.
"""

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from agreements.backoffice.announcements.morph import Token, lemma_key, tokens

ALIASES_CSV = Path(__file__).with_name("place_aliases.csv")
COUNTRY_ALIASES = {
    "РК": "KZ",
    "Республика Казахстан": "KZ",
    "Казахстан": "KZ",
    "РФ": "RU",
    "Россия": "RU",
    "Российская Федерация": "RU",
    "Беларусь": "BY",
    "Белоруссия": "BY",
    "КНР": "CN",
    "Китай": "CN",
    "Узбекистан": "UZ",
    "Кыргызстан": "KG",
    "Киргизия": "KG",
}
PREPOSITIONS = {"в", "во", "на", "по", "из"}
LEAD_WORDS = PREPOSITIONS | {"территория", "город", "г", "республика"}
MAX_KEY = 6


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower().replace("ё", "е"))


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("russian")


@dataclass(frozen=True)
class Place:
    code: str
    is_country: bool
    start: int
    end: int
    evidence: str


def name_variants(name: str) -> list[str]:
    """«Республика Татарстан» is also «Татарстан»; «Кемеровская область — Кузбасс» also its first part."""
    variants = [name]
    for part in re.split(r"\s+—\s+|\s*\(", name):
        part = part.strip(" )")
        variants.append(part)
        words = part.split()
        if len(words) == 2 and "республика" in (words[0].lower(), words[1].lower()):
            variants.append(words[1] if words[0].lower() == "республика" else words[0])
    return variants


class Lexicon:
    def __init__(self, regions, countries):
        """regions: (code, name_ru); countries: (code, name_ru)."""
        self.keys: dict[tuple, tuple[str, bool]] = {}
        # pymorphy guesses unknown adjectives case by case («Атырауской» → «атырауска», a noun), so a
        # name is also found by its Snowball stems («атырауск област»).
        self.stem_keys: dict[tuple, tuple[str, bool]] = {}
        self.region_names = dict(regions)  # code → the reference name, for a party that is a region
        for code, name in countries:
            self.add(name, code, True)
        for name, code in COUNTRY_ALIASES.items():
            self.add(name, code, True)
        for code, name in self.region_names.items():
            for variant in name_variants(name):
                self.add(variant, code, False)
        with ALIASES_CSV.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                self.add(row["alias"], row["code"], False)

    def add(self, name: str, code: str, is_country: bool):
        key = tuple(lemma_key(name).split())
        if key and len(key) <= MAX_KEY:
            self.keys.setdefault(key, (code, is_country))
            self.stem_keys.setdefault(tuple(stem(t.text) for t in tokens(name)), (code, is_country))

    @classmethod
    def from_db(cls):
        from agreements.models import Country, Region

        return cls(
            Region.objects.values_list("code", "name_ru"), Country.objects.values_list("code", "name_ru")
        )

    def find(self, text: str, offset: int = 0) -> list[Place]:
        found = []
        toks = tokens(text)
        i = 0
        while i < len(toks):
            for size in range(min(MAX_KEY, len(toks) - i), 0, -1):
                window = toks[i : i + size]
                hit = self.keys.get(tuple(t.lemma for t in window)) or self.stem_keys.get(
                    tuple(stem(t.text) for t in window)
                )
                # A single lower-case word («алтай», «россия» in a slogan) is not read as a place.
                if hit and (size > 1 or window[0].text[:1].isupper()):
                    found.append(self.place(text, toks, i, size, hit, offset))
                    i += size - 1
                    break
            i += 1
        return found

    @staticmethod
    def place(text: str, toks: list[Token], i: int, size: int, hit, offset: int) -> Place:
        start, end = toks[i].start, toks[i + size - 1].end
        # The evidence keeps «в»/«на территории города» before the name, as staff read it.
        j = i
        while j > 0 and i - j < 3 and toks[j - 1].lemma in LEAD_WORDS:
            j -= 1
        start = toks[j].start
        return Place(hit[0], hit[1], start + offset, end + offset, text[start:end])
