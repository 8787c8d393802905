"""NACE sectors proposed from what a document says is built or made («удобрения» → 20).

The table is sectors.csv beside this file: one row per keyword, written as lemmas (one word or a
phrase), its NACE Rev.2 division and why. A word one typo away from a long keyword still counts
(«иновационной» → «инновационный» → 72), and so does a word that starts with a keyword's stem of at
least six letters («цементного» → «цемент» → 23). The reader gives it a document's subject only, never the
parties' names (a «Карагандинский фармацевтический комплекс» signing a logistics deal is not 21);
a name in quotes within the subject does count («ООО «Центральный Сухой порт»» → 52).
"""

import csv
from functools import lru_cache
from pathlib import Path

from agreements.backoffice.announcements.morph import tokens

SECTORS_CSV = Path(__file__).with_name("sectors.csv")


@lru_cache(maxsize=1)
def keywords() -> dict[tuple, str]:
    with SECTORS_CSV.open(encoding="utf-8") as handle:
        return {tuple(row["lemmas"].split()): row["nace"] for row in csv.DictReader(handle)}


MIN_STEM = 6


def stem(keyword: str) -> str:
    """«цемент» → «цемент», «логистика» → «логистик»: a word starting so is the same thing («цементный»)."""
    return keyword.rstrip("аеиоуыэюяйь")


@lru_cache(maxsize=1)
def stems() -> list[tuple[str, str]]:
    return [
        (stem(k[0]), code) for k, code in keywords().items() if len(k) == 1 and len(stem(k[0])) >= MIN_STEM
    ]


def one_edit_apart(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def fuzzy(word: str, table: dict) -> str | None:
    """A keyword's stem opening the word, or a long keyword one typo away."""
    code = next((c for prefix, c in stems() if word.startswith(prefix)), None)
    if code or len(word) < 9:
        return code
    return next((c for k, c in table.items() if len(k) == 1 and one_edit_apart(k[0], word)), None)


def find_sectors(text: str) -> list[tuple[str, str]]:
    """[(NACE code, the words it came from)] in order of first mention."""
    toks = tokens(text)
    table = keywords()
    longest = max(len(k) for k in table)
    found: dict[str, str] = {}
    i = 0
    while i < len(toks):
        for size in range(min(longest, len(toks) - i), 0, -1):
            window = tuple(t.lemma for t in toks[i : i + size])
            code = table.get(window)
            if not code and size == 1:
                code = fuzzy(window[0], table)
            if code:
                found.setdefault(code, text[toks[i].start : toks[i + size - 1].end])
                i += size - 1
                break
        i += 1
    return list(found.items())
