"""The kind of a document from the words that open it: «меморандум о взаимопонимании» → mou.

Typos are read by closeness to the head word («меморануд», «меморанд», «соглашенние»), and the
complement by lemma («о намерении» and «о намерениях» are both memoranda/agreements of intent).
"""

from dataclasses import dataclass
from difflib import SequenceMatcher

from agreements.backoffice.announcements.morph import Token

HEADS = {
    "меморандум": "Меморандум",
    "соглашение": "Соглашение",
    "договор": "Договор",
    # Kinds the registry files as «другое»: regions sign these at forums as often as agreements.
    "протокол": "Протокол",
    "план": "План мероприятий",
    "дорожная карта": "Дорожная карта",
}
# «план мероприятий (дорожная карта) …»: the words that belong to the head, skipped after it.
HEAD_TAILS = {"план": ("мероприятие", "дорожный", "карта"), "дорожная карта": ("карта",)}
# Lemma of the complement → how a title writes it.
COMPLEMENTS = {
    "взаимопонимание": "взаимопонимании",
    "намерение": "намерениях",
    "сотрудничество": "сотрудничестве",
    "партнерство": "партнерстве",
}


@dataclass(frozen=True)
class KindPhrase:
    kind: str
    title: str  # «Меморандум о взаимопонимании и сотрудничестве», typos fixed
    start: int  # character offsets of the phrase in the text it was read from
    end: int
    evidence: str
    plural: bool


def head_of(token: Token, following: str = "") -> str:
    """The kind head word this token spells, allowing typos; "" if none. following: the next lemma."""
    word = token.text.lower()
    if word.startswith("меморан") or word.startswith("мемранд"):
        return "меморандум"
    if word.startswith("соглаш"):
        return "соглашение"
    if word.startswith("договор"):
        return "договор"
    if word.startswith("протокол"):
        return "протокол"
    # «план» and «дорожная» are common words; only «план мероприятий», «дорожная карта» name documents.
    if token.lemma == "план" and following == "мероприятие":
        return "план"
    if token.lemma == "дорожный" and following == "карта":
        return "дорожная карта"
    for head in ("меморандум", "соглашение"):
        if len(word) >= 7 and SequenceMatcher(None, word[: len(head) + 2], head).ratio() >= 0.8:
            return head
    return ""


def next_lemma(toks: list[Token], index: int) -> str:
    return toks[index + 1].lemma if index + 1 < len(toks) else ""


def is_adjective(token: Token) -> bool:
    from agreements.backoffice.announcements.morph import parses

    return "ADJF" in parses(token.text)[0].tag


def is_plural(token: Token) -> bool:
    """«56 меморандумов», «соглашений»: a count of documents («соглашения» is read as one document)."""
    return token.text.lower().endswith(("ы", "ов", "ам", "ами", "ах", "ий", "иям", "иями", "иях"))


def kind_code(head: str, complements: list[str]) -> str:
    if head == "меморандум":
        if "взаимопонимание" in complements:
            return "mou"
        if "намерение" in complements:
            return "memorandum_of_intent"
        if "сотрудничество" in complements or "партнерство" in complements:
            return "memorandum_of_cooperation"
        return "memorandum"
    if head == "соглашение":
        return "agreement_of_intent" if "намерение" in complements else "agreement"
    return "other"


def read_kind(text: str, toks: list[Token], index: int) -> KindPhrase | None:
    """The kind phrase whose head is toks[index], with its «о …» complement if it names a kind."""
    head = head_of(toks[index], next_lemma(toks, index))
    if not head:
        return None
    complements, end = [], index
    while end + 1 < len(toks) and toks[end + 1].lemma in HEAD_TAILS.get(head, ()):
        end += 1
    if end + 1 < len(toks) and toks[end + 1].lemma in ("о", "об"):
        j = end + 2
        while j + 1 < len(toks) and is_adjective(toks[j]) and toks[j + 1].lemma in COMPLEMENTS:
            j += 1  # «о межрегиональном сотрудничестве»: the kind is in the noun
        while j < len(toks) and toks[j].lemma in COMPLEMENTS:
            complements.append(toks[j].lemma)
            end = j
            if j + 2 < len(toks) and toks[j + 1].lemma == "и" and toks[j + 2].lemma in COMPLEMENTS:
                j += 2
            else:
                break
    title = HEADS[head]
    if complements:
        title += " о " + " и ".join(COMPLEMENTS[c] for c in complements)
    start, stop = toks[index].start, toks[end].end
    return KindPhrase(
        kind_code(head, complements), title, start, stop, text[start:stop], is_plural(toks[index])
    )
