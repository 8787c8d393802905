"""Money amounts and counts written the way Russian news writes them.

«1,75 млрд тенге» → 1.75e9 KZT, «4, 34 млрд долларов США» → 4.34e9 USD, «6 тыс 453» → 6453,
«$100 млн», «2,5 млрд руб.», «500 миллионов рублей».
"""

import re
from dataclasses import dataclass

MULTIPLIERS = {
    "трлн": 10**12,
    "трилл": 10**12,
    "млрд": 10**9,
    "миллиард": 10**9,
    "млн": 10**6,
    "миллион": 10**6,
}
THOUSAND = r"тыс(?:\.|яч[а-я]*)?"
MULTIPLIER_RE = r"(?P<mult>трлн|трилл[а-я]*|млрд|миллиард[а-я]*|млн|миллион[а-я]*|" + THOUSAND + r")\.?"
# «4, 34 млрд» (a space after the decimal comma) is read only when a multiplier follows.
NUMBER_RE = r"(?P<num>\d{1,3}(?:[  ]\d{3})+|\d+(?:[.,]\s?\d+)?)"
CURRENCY_RE = (
    r"(?P<cur>тенге|тг\.?|долл(?:ар[а-я]*|\.)?(?:\s+США)?|\$|USD|руб(?:л[а-я]*|\.)?|₽|RUB|KZT|евро|€|EUR|"
    r"юан[а-я]*|CNY)"
)
AMOUNT_RE = re.compile(
    r"(?P<dollar>\$\s?)?" + NUMBER_RE + r"(?:\s+" + MULTIPLIER_RE + r"(?:\s+(?P<rest>\d{1,3})(?!\d))?)?"
    r"(?:\s+" + CURRENCY_RE + r")?",
    re.IGNORECASE,
)
CURRENCIES = [
    ("тенге", "KZT"),
    ("тг", "KZT"),
    ("kzt", "KZT"),
    ("долл", "USD"),
    ("$", "USD"),
    ("usd", "USD"),
    ("руб", "RUB"),
    ("₽", "RUB"),
    ("rub", "RUB"),
    ("евро", "EUR"),
    ("€", "EUR"),
    ("eur", "EUR"),
    ("юан", "CNY"),
    ("cny", "CNY"),
]


@dataclass(frozen=True)
class Amount:
    value: float
    currency: str  # "" for a plain count
    start: int
    end: int
    text: str


def number(value: float):
    """An int when the value is whole (56, 3000000000), else the float."""
    return int(value) if float(value).is_integer() else value


def currency_code(word: str) -> str:
    word = word.lower()
    return next((code for prefix, code in CURRENCIES if word.startswith(prefix)), "")


def find_amounts(text: str, money_only: bool = False) -> list[Amount]:
    found = []
    for m in AMOUNT_RE.finditer(text):
        raw = m.group("num")
        if re.search(r",\s", raw) and not m.group("mult"):
            raw = raw.split(",")[0]
        value = float(re.sub(r"[  ]", "", raw).replace(",", ".").replace(" ", ""))
        mult = (m.group("mult") or "").lower().rstrip(".")
        if mult.startswith("тыс"):
            value = value * 1000 + int(m.group("rest") or 0)
        elif mult:
            value *= next(factor for prefix, factor in MULTIPLIERS.items() if mult.startswith(prefix))
        currency = currency_code(m.group("cur") or "") or ("USD" if m.group("dollar") else "")
        if money_only and not currency:
            continue
        found.append(Amount(number(round(value, 6)), currency, m.start(), m.end(), m.group().strip()))
    return found
