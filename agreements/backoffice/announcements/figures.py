"""Forum figures a press release states, each with the sentence it came from.

documents («56 двухсторонних документов»), total_amount («на общую сумму порядка 3 млрд долларов
США»), companies («6 тыс 453 компании с российским участием»), trade_turnover, export, import.
"""

import re

from agreements.backoffice.announcements.amounts import find_amounts

APPROXIMATE = re.compile(r"\b(порядка|около|более|свыше|почти|примерно|приблизительно|до)\s*$", re.IGNORECASE)
# Counts: (key, what follows the number). «подписание 56 двухсторонних документов».
COUNT_RULES = [
    # «9 межрегиональных и коммерческих документов»: up to three words between.
    ("documents", r"^\s*(?:[а-яё]+\s+){0,3}(?:документ|соглашени|меморандум|договор)[а-яё]*"),
    ("companies", r"^\s*(?:[а-яё]+\s+){0,1}(?:компани|предприяти)[а-яё]*\s+с\s+[а-яё]+\s+участием"),
]
# Money: (key, the word before it). The nearest such word since the previous amount names the amount:
# «Товарооборот … составил 14,57 млрд …, в том числе экспорт 4, 34 млрд …, импорт 10,23 млрд».
MONEY_RULES = [
    # Not a bare «на сумму»: that is one document's amount, not the forum's total.
    (
        "total_amount",
        r"общ[а-яё]*\s+(?:сумм|стоимост)[а-яё]*|сумм[а-яё]*\s+инвестиций|общ[а-яё]*\s+объ[её]м[а-яё]*",
    ),
    ("trade_turnover", r"товарооборот[а-яё]*"),
    ("export", r"экспорт[а-яё]*"),
    ("import", r"импорт[а-яё]*"),
]
ORDER = ["documents", "total_amount", "companies", "trade_turnover", "export", "import"]
UNITS = {"documents": "documents", "companies": "companies"}
DOCUMENT_WORD = re.compile(r"документ", re.IGNORECASE)
DOCUMENTS_AFTER = re.compile(r"^\s*(?:[а-яё]+\s+){0,2}документ", re.IGNORECASE)
WINDOW = 120


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentences within lines: a list of documents after «в том числе:» is not one long sentence."""
    from razdel import sentenize

    spans, offset = [], 0
    for line in text.split("\n"):
        spans.extend((offset + s.start, offset + s.stop) for s in sentenize(line))
        offset += len(line) + 1
    return spans


def find_figures(text: str) -> list[dict]:
    found: dict[str, dict] = {}
    for start, stop in sentences(text):
        sentence = text[start:stop]
        previous_money, counted_at = 0, None
        for amount in find_amounts(sentence):
            before, after = sentence[: amount.start], sentence[amount.end :]
            if amount.currency:
                window = before[max(previous_money, amount.start - WINDOW) :]
                key, lead_at = money_key(window)
                if not key and counted_at is not None and counted_at >= previous_money:
                    # «заключено 11 меморандумов … на сумму более 200 млрд тенге»: money right after the
                    # forum's count of documents is their total, even after a bare «на сумму».
                    key, lead_at = "total_amount", 0
                previous_money = amount.end
                evidence = window[lead_at:] + amount.text
            else:
                key, evidence = count_key(after, amount.text)
                if key == "documents":
                    counted_at = amount.end
            if not key or (key in found and not better(key, found[key], after)):
                continue
            found[key] = {
                "key": key,
                "value": amount.value,
                "unit": UNITS.get(key) or amount.currency,
                "approximate": bool(APPROXIMATE.search(before)),
                "quote": " ".join(sentence.split()),
                "evidence": " ".join(evidence.split()),
            }
    return sorted(found.values(), key=lambda f: ORDER.index(f["key"]))


def money_key(window: str) -> tuple[str, int]:
    """The figure the last money word in the window names, and where that word starts."""
    best = ("", -1)
    for key, pattern in MONEY_RULES:
        for m in re.finditer(pattern, window, re.IGNORECASE):
            if m.start() > best[1]:
                best = (key, m.start())
    return best


def count_key(after: str, number: str) -> tuple[str, str]:
    for key, pattern in COUNT_RULES:
        m = re.match(pattern, after, re.IGNORECASE)
        if m:
            return key, number + m.group()
    return "", ""


def better(key: str, current: dict, after: str) -> bool:
    """A count of «документов» replaces a headline's count of «меморандумов» (the seed says both)."""
    return (
        key == "documents"
        and not DOCUMENT_WORD.search(current["evidence"])
        and bool(DOCUMENTS_AFTER.match(after))
    )
