"""The kind of a document from the words that open it: «меморандум о взаимопонимании» → mou.

Typos are read by closeness to the head word («меморануд», «меморанд», «соглашенние»), and the
complement by lemma («о намерении» and «о намерениях» are both memoranda/agreements of intent).
"""

from dataclasses import dataclass
from difflib import SequenceMatcher

from .morph import Token

HEADS = {"меморандум": "Меморандум", "соглашение": "Соглашение", "договор": "Договор"}
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


def head_of(token: Token) -> str:
    """The kind head word this token spells, allowing typos; "" if none."""
    word = token.text.lower()
    if word.startswith("меморан") or word.startswith("мемранд"):
        return "меморандум"
    if word.startswith("соглаш"):
        return "соглашение"
    if word.startswith("договор"):
        return "договор"
    for head in ("меморандум", "соглашение"):
        if len(word) >= 7 and SequenceMatcher(None, word[: len(head) + 2], head).ratio() >= 0.8:
            return head
    return ""


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
    head = head_of(toks[index])
    if not head:
        return None
    complements, end = [], index
    if end + 1 < len(toks) and toks[end + 1].lemma in ("о", "об"):
        j = end + 2
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
