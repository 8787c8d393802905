"""Parties named in a document: split the list, split off legal forms, put names in the nominative,
infer the country only from what the text says, and match existing parties by lemmas.

«между министерством по инвестициям и развитию РК, акиматом Жамбылской области и компанией МХК
«Еврохим»» → three parties; «Евразийском банком развития» matches «Евразийский банк развития».
"""

import re
from dataclasses import dataclass, field

from agreements.backoffice.announcements.legal_forms import COUNTRY_OF_FORM, leading_form
from agreements.backoffice.announcements.morph import lemma_key, parses, tokens
from agreements.backoffice.announcements.phrases import clean, inflect_phrase, split_top, unquote

SEPARATORS = re.compile(r"\s*,\s*(?:а также\s+)?|\s+и\s+|\s+совместно с\s+")
# Words that open a party's name: a new list item starts with one of them (or a capital, a quote,
# a legal form); anything else («развитию РК») continues the previous party's name.
ORG_HEADS = {
    "акимат", "министерство", "правительство", "администрация", "губернатор", "мэрия", "компания", "банк",
    "фонд", "корпорация", "университет", "технопарк", "ассоциация", "палата", "агентство", "группа",
    "холдинг", "завод", "комбинат", "предприятие", "институт", "союз", "центр", "управление", "департамент",
    "комитет", "академия", "концерн", "фабрика", "биржа", "объединение", "общество", "товарищество",
}  # fmt: skip
# «российскими инвесторами», «казахстанскими партнерами»: a group named by nobody, not a party.
GROUP_HEADS = {"инвестор", "партнер", "партнёр", "предприниматель"}
GENERIC_HEADS = {"компания", "фирма", "корпорация"}  # «компанией «ТехноНИКОЛЬ»»: the name is in quotes
AUTHORITY_HEADS = {
    "акимат", "правительство", "администрация", "губернатор", "мэрия", "министерство", "управление",
    "департамент", "комитет",
}  # fmt: skip
KZ_MARKERS = {"рк", "казахстан"}
RU_MARKERS = {"рф", "россия", "российский"}


@dataclass
class PartyReading:
    name: str
    legal_form: str
    country: str
    evidence: str
    title_form: str  # how the document's title names it (instrumental case, typos fixed)
    head: str = ""
    regions: list = field(default_factory=list)  # [(code, evidence)] of a regional authority
    match: dict | None = None


def split_parties(text: str) -> list[str]:
    spans: list[list[int]] = []
    for a, b in split_top(text, SEPARATORS):
        piece = text[a:b].strip()
        toks = tokens(piece)
        opens_party = (
            piece[:1] in '«"'
            or piece[:1].isupper()
            or (toks and toks[0].lemma in ORG_HEADS)
            # «иранской компанией «…»», «российскими инвесторами»: an adjective before the head
            or (len(toks) > 1 and toks[1].lemma in ORG_HEADS | GROUP_HEADS and is_adjective(toks[0].text))
        )
        if spans and is_unnamed_group(piece, toks):
            continue  # «и российскими инвесторами»: no one to register; never guessed into a name
        if opens_party or not spans:
            spans.append([a, b])
        else:  # «министерством по инвестициям и развитию РК»: that «и» was inside the name
            spans[-1][1] = b
    return [clean(text[a:b]) for a, b in spans if clean(text[a:b])]


def is_adjective(word: str) -> bool:
    return "ADJF" in parses(word)[0].tag


def is_unnamed_group(piece: str, toks) -> bool:
    """Lower-case words only, ending in a plural group head: «российскими инвесторами»."""
    return (
        bool(toks)
        and piece[:1].islower()
        and not re.search(r"[«\"A-ZА-ЯЁ]", piece)
        and toks[-1].lemma in GROUP_HEADS
        and "plur" in parses(toks[-1].text)[0].tag
    )


def expand_city(text: str) -> str:
    """«акимат г. Астана», «акимат города Шымкент» → «акимат города Астаны», «… города Шымкента»."""

    def repl(m):
        city = m.group(1)
        # Already in the genitive («города Шымкента»), or a compound pymorphy would inflect part by part.
        if "-" in city or "nomn" not in parses(city)[0].tag:
            return "города " + city
        return "города " + inflect_phrase(city, "nomn", "gent")

    return re.sub(r"\b(?:г\.|города)\s*([А-ЯЁ][а-яё-]+)", repl, text)


def read_party(mention: str, case: str, lexicon) -> PartyReading:
    toks = tokens(mention)
    body = mention
    generic = ""
    # «иранской компанией «…»»: the adjective before a generic head says where, not who.
    at = 1 if len(toks) > 2 and toks[1].lemma in GENERIC_HEADS and is_adjective(toks[0].text) else 0
    if toks and toks[at].lemma in GENERIC_HEADS and len(toks) > at + 1:
        rest = mention[toks[at].end :].strip()  # from the opening quote, if any
        if leading_form(tokens(rest))[0] or rest.startswith("«") or not re.search(r"[а-яё]", rest[:1]):
            generic, body = mention[: len(mention) - len(rest)], rest
    form, size = leading_form(tokens(body))
    head = ""
    if form:
        named = body[tokens(body)[size - 1].end :].strip()
        name = unquote(named) or named
        title_form = body
    elif unquote(body) or generic:
        name = unquote(body) or body.strip()
        title_form = mention
    else:
        name = expand_city(inflect_phrase(body, case, "nomn"))
        name = name[:1].upper() + name[1:]
        title_form = inflect_phrase(name, "nomn", "ablt")
        head = toks[0].lemma if toks else ""
        if head == "акимат":  # «акиматом Жамбылской области», as Russian writes an akimat mid-sentence
            title_form = title_form[:1].lower() + title_form[1:]
    reading = PartyReading(clean(name), form, "", clean(mention), clean(title_form), head)
    reading.country = country_of(reading, lexicon)
    if reading.regions and head not in AUTHORITY_HEADS:
        # A party that is a whole region takes the reference name: pymorphy misreads unknown adjectives
        # («Атырауской областью» → «Атырауска область»).
        reading.name = lexicon.region_names.get(reading.regions[0][0], reading.name)
        if case == "ablt":
            reading.title_form = clean(mention)
    return reading


def country_of(reading: PartyReading, lexicon) -> str:
    """KZ/RU only from what the text says: the legal form, an akimat, «РК»/«РФ», a region's authority."""
    if reading.legal_form in COUNTRY_OF_FORM:
        return COUNTRY_OF_FORM[reading.legal_form]
    if reading.head not in AUTHORITY_HEADS:
        # «Республикой Татарстан», «Оренбургская область»: a party that is a region, whole.
        places = lexicon.find(reading.evidence)
        if len(places) == 1 and not places[0].is_country and places[0].evidence == reading.evidence:
            reading.regions = [(places[0].code, places[0].evidence)]
            return places[0].code[:2]
        return ""
    places = [p for p in lexicon.find(reading.evidence) if not p.is_country]
    reading.regions = [(p.code, p.evidence) for p in places]
    if places:
        return places[0].code[:2]
    lemmas = set(lemma_key(reading.evidence).split())
    if reading.head == "акимат" or lemmas & KZ_MARKERS:
        return "KZ"
    if lemmas & RU_MARKERS:
        return "RU"
    return ""


_cache: dict = {}  # one PartyIndex per process, with the signature of the data it was built from


class PartyIndex:
    """Existing parties by the lemma keys of their names, short names, display names and aliases."""

    def __init__(self, parties, aliases):
        self.by_key: dict[str, dict] = {}
        by_id = {p["id"]: p for p in parties}
        for party in parties:
            display = f"{party['legal_form']} «{party['name']}»" if party["legal_form"] else ""
            for name in (party["name"], party["short_name"], display):
                self.add(name, party)
        for party_id, name in aliases:
            if party_id in by_id:
                self.add(name, by_id[party_id])

    def add(self, name: str, party: dict):
        key = lemma_key(name)
        if key:
            self.by_key.setdefault(key, party)

    @classmethod
    def from_db(cls):
        """The index of the registry's parties, rebuilt only when parties or aliases have changed."""
        from django.db.models import Count, Max

        from agreements.models import Party, PartyAlias

        # Aliases are few and have no timestamp: read them every time, and key the cache on them too.
        aliases = list(PartyAlias.objects.order_by("id").values_list("party_id", "name"))
        signature = (
            tuple(Party.objects.aggregate(n=Count("id"), last=Max("updated"), top=Max("id")).values()),
            hash(tuple(aliases)),
        )
        cached = _cache.get("index")
        if cached and cached[0] == signature:
            return cached[1]
        parties = list(
            Party.objects.values(
                "id", "slug", "name", "short_name", "legal_form", "country_id", "kind", "home_region__code"
            )
        )
        index = cls(parties, aliases)
        _cache["index"] = (signature, index)
        return index

    def match(self, reading: PartyReading) -> dict | None:
        candidates = [
            reading.evidence,
            reading.name,
            f"{reading.legal_form} {reading.name}",
            reading.title_form,
        ]
        for candidate in candidates:
            party = self.by_key.get(lemma_key(candidate))
            if party:
                return party
        return None
