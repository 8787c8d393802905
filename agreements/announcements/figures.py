"""Forum figures a press release states, each with the sentence it came from.

documents («56 двухсторонних документов»), total_amount («на общую сумму порядка 3 млрд долларов
США»), companies («6 тыс 453 компании с российским участием»), trade_turnover, export, import.
"""

import re

from .amounts import find_amounts

APPROXIMATE = re.compile(r"\b(порядка|около|более|свыше|почти|примерно|приблизительно|до)\s*$", re.IGNORECASE)
# (key, pattern before the number, pattern after it, needs money); the first sentence that matches wins,
# so «подписание 56 двухсторонних документов» beats the headline's «56 меморандумов» only by order of rules.
RULES = [
    ("documents", r"", r"^\s*(?:[а-яё]+\s+){0,2}(?:документ|соглашени|меморандум|договор)[а-яё]*", False),
    ("total_amount", r"(?:общ[а-я]+\s+сумм[а-я]*|на\s+сумму)(?:\s+[а-яё]+){0,4}\s+$", r"", True),
    (
        "companies",
        r"",
        r"^\s*(?:[а-яё]+\s+){0,1}(?:компани|предприяти)[а-яё]*\s+с\s+[а-яё]+\s+участием",
        False,
    ),
    ("trade_turnover", r"товарооборот[^.]{0,80}$", r"", True),
    ("export", r"экспорт[а-яё]*\s*(?:[а-яё]+\s+){0,3}$", r"", True),
    ("import", r"импорт[а-яё]*\s*(?:[а-яё]+\s+){0,3}$", r"", True),
]
UNITS = {"documents": "documents", "companies": "companies"}
DOCUMENT_WORD = re.compile(r"документ", re.IGNORECASE)
DOCUMENTS_AFTER = re.compile(r"^\s*(?:[а-яё]+\s+){0,2}документ", re.IGNORECASE)


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
        for amount in find_amounts(sentence):
            before, after = sentence[: amount.start], sentence[amount.end :]
            for key, lead, trail, money in RULES:
                if money != bool(amount.currency) or (key in found and not better(key, found[key], after)):
                    continue
                if (lead and not re.search(lead, before, re.IGNORECASE)) or (
                    trail and not re.search(trail, after, re.IGNORECASE)
                ):
                    continue
                if key in ("export", "import") and re.search(r"экспорт|импорт", amount.text, re.IGNORECASE):
                    continue
                tail = re.match(trail, after, re.IGNORECASE).group() if trail else ""
                head = re.search(lead, before, re.IGNORECASE).group() if lead else ""
                found[key] = {
                    "key": key,
                    "value": amount.value,
                    "unit": UNITS.get(key) or amount.currency,
                    "approximate": bool(APPROXIMATE.search(before)),
                    "quote": " ".join(sentence.split()),
                    "evidence": " ".join((head + amount.text + tail).split()),
                }
                break
    order = [rule[0] for rule in RULES]
    return sorted(found.values(), key=lambda f: order.index(f["key"]))


def better(key: str, current: dict, after: str) -> bool:
    """A count of «документов» replaces a headline's count of «меморандумов» (the seed says both)."""
    return (
        key == "documents"
        and not DOCUMENT_WORD.search(current["evidence"])
        and bool(DOCUMENTS_AFTER.match(after))
    )
