"""Finding reference data and parties by what staff type: a code, a slug, a name or an alias.

Each import (or export) loads every table it needs once; a name that matches nothing or several
records raises :class:`NotFound` with a Russian message that suggests close spellings.
"""

import difflib
import functools
import re
from collections import defaultdict

from django.utils import translation
from django.utils.translation import gettext

from agreements.backoffice.imports.cells import cell_text, nace_code, name_key


@functools.cache
def international() -> frozenset[str]:
    """How the public export names a party without a country, in each language it is written in."""
    spellings = set()
    for language in ("ru", "en", "kk"):
        with translation.override(language):
            spellings.add(name_key(gettext("международная организация")))
    return frozenset(spellings)


class NotFound(LookupError):
    """Nothing (or several) found. ``more`` adds close spellings, computed only if the message is read:
    a list cell is matched piece by piece (see widgets.resolve_runs), and most misses there are
    expected and silent."""

    def __init__(self, message: str, more=None):
        super().__init__(message)
        self.message, self.more = message, more

    def __str__(self):
        return self.message + (self.more() if self.more else "")


class NameIndex:
    """Objects by exact codes (tried first) and by normalised names; reports ambiguity."""

    def __init__(self):
        self.codes: dict[str, object] = {}
        self.names: dict[str, dict] = defaultdict(dict)
        self.spellings: dict[str, str] = {}  # normalised name -> the name as written

    def add_code(self, code, obj):
        if code:
            self.codes[name_key(code)] = obj

    def add_name(self, name, obj):
        if name:
            self.names[name_key(name)][obj.pk] = obj
            self.spellings.setdefault(name_key(name), name)

    def find(self, text):
        """The object, ``None`` if nothing matches, or a list of candidates if several do."""
        key = name_key(text)
        if key in self.codes:
            return self.codes[key]
        found = list(self.names.get(key, {}).values())
        if len(found) == 1:
            return found[0]
        return found or None

    def suggestions(self, text, limit=3) -> list[str]:
        """Names close to a misspelt one (codes are too alike to suggest from)."""
        close = difflib.get_close_matches(name_key(text), list(self.spellings), n=limit, cutoff=0.8)
        return [self.spellings[key] for key in close]


def _quoted(items) -> str:
    return ", ".join(f"«{item}»" for item in items)


_REGION_NOT_FOUND = (
    "Регион «{text}» не найден: укажите код ISO 3166-2 (например, KZ-31) или название из справочника."
)
_REGION_AMBIGUOUS = "Регион «{text}» неоднозначен: подходят {options}. Укажите код ISO 3166-2."
_CODED_REGION = re.compile(r"\s*(?P<code>[A-Za-z]{2}-[A-Za-z0-9]{1,3})\s+(?P<name>\S.*?)\s*")
_CODED_SECTOR = re.compile(r"\s*(?P<code>[A-Ua-u]|\d{2})\s+(?P<name>[^\d\s].*?)\s*")


def _named_as(obj, coded, names, what: str):
    """The record a «code name» entry names, if the name is the code's own (in any language)."""
    if name_key(coded["name"]) in {name_key(name) for name in names if name}:
        return obj
    raise NotFound(
        f"{what} «{coded.group().strip()}»: код {obj.code} — это «{names[0]}». "
        "Укажите код и его название из справочника или только код."
    )


class References:
    """Regions, sectors, countries, forums, sources and parties, loaded once per import or export."""

    def __init__(self):
        self._cache = {}

    def reset(self):
        self._cache.clear()

    def _index(self, kind):
        if kind not in self._cache:
            self._cache[kind] = getattr(self, f"_load_{kind}")()
        return self._cache[kind]

    # Loaders

    def _load_regions(self):
        from agreements.models import Region

        index = NameIndex()
        for region in Region.objects.all():
            index.add_code(region.code, region)
            for name in (region.name_ru, region.name_en, region.name_kk):
                index.add_name(name, region)
            with translation.override("ru"):
                index.add_name(str(region), region)
        return index

    def _load_countries(self):
        from agreements.models import Country

        index = NameIndex()
        for country in Country.objects.all():
            index.add_code(country.code, country)
            index.add_name(country.name_ru, country)
            index.add_name(country.name_en, country)
        return index

    def _load_sectors(self):
        from agreements.models import Sector

        index = NameIndex()
        for sector in Sector.objects.all():
            index.add_code(sector.code, sector)
            index.add_name(sector.name_ru, sector)
            index.add_name(sector.name_en, sector)
        return index

    def _load_forums(self):
        from agreements.models import Forum

        index = NameIndex()
        for forum in Forum.objects.all():
            index.add_code(forum.slug, forum)
            index.add_name(forum.title, forum)
        return index

    def _load_sources(self):
        from agreements.models import Source

        index = NameIndex()
        for source in Source.objects.all():
            index.add_code(source.slug, source)
            index.add_name(source.title, source)
        return index

    def _load_parties(self):
        from agreements.models import Party

        return PartyMatcher(Party.objects.prefetch_related("aliases"))

    # Lookups: each returns the object or raises NotFound with a Russian message.

    def _find(self, kind, text, not_found, ambiguous):
        index = self._index(kind)
        found = index.find(text)
        if found is None:

            def maybe():
                close = index.suggestions(text)
                return f" Похожие: {_quoted(close)}." if close else ""

            raise NotFound(not_found.format(text=text), maybe)
        if isinstance(found, list):
            raise NotFound(ambiguous.format(text=text, options=_quoted(str(obj) for obj in found)))
        return found

    def region(self, text):
        match = re.search(r"\(([A-Za-z]{2}-[A-Za-z0-9]{1,3})\)\s*$", text)  # «Жамбылская область (KZ-31)»
        coded = _CODED_REGION.fullmatch(text)  # «KZ-31 Жамбылская область», as the public export writes
        if coded and not match:
            region = self._find("regions", coded["code"], _REGION_NOT_FOUND, _REGION_AMBIGUOUS)
            names = (region.name_ru, region.name_en, region.name_kk)
            return _named_as(region, coded, names, "Регион")
        return self._find("regions", match.group(1) if match else text, _REGION_NOT_FOUND, _REGION_AMBIGUOUS)

    def country(self, text):
        return self._find(
            "countries",
            text,
            "Страна «{text}» не найдена: укажите код ISO 3166-1 alpha-2 (например, KZ, RU).",
            "Страна «{text}» неоднозначна: подходят {options}. Укажите код.",
        )

    def sector(self, text):
        coded = _CODED_SECTOR.fullmatch(text)  # «C Обрабатывающие производства», as the public export writes
        if coded and nace_code(text) is None:
            sector = self.sector(coded["code"])
            return _named_as(sector, coded, (sector.name_ru, sector.name_en), "Отрасль")
        code = nace_code(text)
        sector = self._find(
            "sectors",
            code or text,
            "Отрасль «{text}» не найдена: укажите код NACE — раздел (C) или подраздел (21).",
            "Отрасль «{text}» неоднозначна: подходят {options}. Укажите код NACE.",
        )
        section = re.match(r"^\s*([A-Ua-u])\s*[.\-]?\s*\d", cell_text(text))
        if code and section and sector.parent_id and sector.parent.code != section.group(1).upper():
            raise NotFound(
                f"Подраздел {sector.code} входит в раздел {sector.parent.code}, "
                f"а не в {section.group(1).upper()}."
            )
        return sector

    def forum(self, text):
        return self._find(
            "forums",
            text,
            "Форум «{text}» не найден: укажите адрес (slug) или название существующего форума.",
            "Форум «{text}» неоднозначен: подходят {options}. Укажите адрес (slug).",
        )

    def source(self, text):
        return self._find(
            "sources",
            text,
            "Источник «{text}» не найден: укажите адрес (slug) существующего источника.",
            "Источник «{text}» неоднозначен: подходят {options}. Укажите адрес (slug).",
        )

    @property
    def parties(self) -> "PartyMatcher":
        return self._index("parties")

    def countries_index(self) -> NameIndex:
        return self._index("countries")


class PartyMatcher:
    """Finds a party by slug, name, display name, short name or alias (case and quotes ignored)."""

    def __init__(self, parties):
        self.by_slug = {}
        self.by_name = defaultdict(dict)
        self.by_display_name = defaultdict(dict)  # as the public export names parties
        for party in parties:
            self.by_slug[party.slug.casefold()] = party
            self.by_display_name[name_key(party.display_name)][party.pk] = party
            names = [party.name, party.display_name, party.short_name]
            names += [alias.name for alias in party.aliases.all()]
            for name in names:
                if name:
                    self.by_name[name_key(name)][party.pk] = party

    def match_exported(self, text, countries):
        """The party the public export named «text (Country, …)»: its display name and country decide
        first, so a party whose short name or alias is the same text does not make it ambiguous."""
        named = list(self.by_display_name.get(name_key(text), {}).values())
        found = [party for party in named if party.country_id in countries]
        if len(found) == 1 or len(named) == 1:  # one namesake, or one at all (its country is checked)
            return (found or named)[0]
        return self.match(text, countries)

    def match(self, text, countries=None):
        """The party, or raises NotFound naming the problem in Russian. ``countries``, if given, is
        the set of country ids (``None`` for an international organisation) that party may have:
        it tells apart namesakes, as the public export's «Название (Страна, роль)» does."""
        slug = text.strip().casefold()
        if slug in self.by_slug:
            return self.by_slug[slug]
        found = list(self.by_name.get(name_key(text), {}).values())
        if countries is not None and len(found) > 1:
            found = [party for party in found if party.country_id in countries] or found
        if len(found) == 1:
            return found[0]
        if found:
            # Sorted by slug: the message must not depend on the order the database returned parties in.
            found.sort(key=lambda party: party.slug)
            options = ", ".join(f"{party.display_name} (slug {party.slug})" for party in found)
            raise NotFound(f"Участник «{text}» неоднозначен: подходят {options}. Укажите slug нужного.")

        def maybe():
            close = difflib.get_close_matches(name_key(text), list(self.by_name), n=3, cutoff=0.8)
            names = {party.display_name for key in close for party in self.by_name[key].values()}
            return f" Похожие: {_quoted(sorted(names))}." if names else ""

        raise NotFound(
            f"Участник «{text}» не найден: укажите полное или краткое название, вариант написания или "
            "slug существующего участника (новых добавляют в разделе «Участники»).",
            maybe,
        )

    def label(self, party) -> str:
        """How an export names the party: its display name if that finds it again, else its slug."""
        try:
            if self.match(party.display_name).pk == party.pk:
                return party.display_name
        except NotFound:
            pass
        return party.slug
