"""Russian morphology for the reader: one lazily built, cached pymorphy3 analyzer.

pymorphy3 ships its dictionary inside ``pymorphy3-dicts-ru``; nothing is downloaded. The analyzer is
built on first use (about 0.1 s, ~15 MB) and kept for the process.
"""

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

WORD_RE = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
CYRILLIC_RE = re.compile(r"[а-яёәғқңөұүһі]", re.IGNORECASE)


@lru_cache(maxsize=1)
def analyzer():
    import pymorphy3  # imported here so Django starts without loading the dictionary

    logging.getLogger("pymorphy3").setLevel(logging.WARNING)  # no «Loading dictionaries» in command output
    return pymorphy3.MorphAnalyzer()


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    lemma: str


@lru_cache(maxsize=50_000)
def lemma(word: str) -> str:
    word = word.lower().replace("ё", "е")
    if not CYRILLIC_RE.search(word):
        return word
    return analyzer().parse(word)[0].normal_form.replace("ё", "е")


def tokens(text: str, offset: int = 0) -> list[Token]:
    return [
        Token(m.group(), m.start() + offset, m.end() + offset, lemma(m.group()))
        for m in WORD_RE.finditer(text)
    ]


def lemma_key(text: str) -> str:
    """Case-, quote- and inflection-insensitive key of a name: its lemmas joined by spaces."""
    return " ".join(t.lemma for t in tokens(text))


def parses(word: str):
    return analyzer().parse(word)


def is_known(word: str) -> bool:
    return analyzer().word_is_known(word.lower())


def restore_case(original: str, new: str) -> str:
    if original.isupper() and len(original) > 1:
        return new.upper()
    if original[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


def inflect_word(word: str, grammemes: set[str], case_hint: str | None = None) -> str:
    """The word in other grammemes (e.g. {"nomn"}), keeping its capitalisation; unchanged if impossible."""
    if not CYRILLIC_RE.search(word):
        return word
    candidates = parses(word)
    if case_hint:
        candidates = [p for p in candidates if case_hint in p.tag] or candidates
    for parse in candidates:
        form = parse.inflect(grammemes)
        if form:
            return restore_case(word, form.word)
    return word


ALPHABET = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"


@lru_cache(maxsize=5_000)
def correct_typo(word: str) -> str:
    """A lower-case word unknown to the dictionary, fixed by one edit when that makes a known word.

    Only long lower-case Cyrillic words are tried (proper names are left alone); the first known
    candidate wins: a doubled letter first («каменой», «иновационной»), then an insertion («средтв»).
    """
    if len(word) < 5 or not word.islower() or not CYRILLIC_RE.search(word) or is_known(word):
        return word
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    doubles = (a + b[0] + b for a, b in splits if b)
    inserts = (a + c + b for a, b in splits for c in ALPHABET)
    replaces = (a + c + b[1:] for a, b in splits if b for c in ALPHABET if c != b[0])
    deletes = (a + b[1:] for a, b in splits if b)
    transposes = (a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
    for generator in (doubles, inserts, replaces, deletes, transposes):
        for candidate in generator:
            if analyzer().word_is_known(candidate):
                return candidate
    return word
