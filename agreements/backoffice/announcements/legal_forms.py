"""Legal forms split off party names, and the country a legal form implies.

Abbreviations are read as written (ТОО, АО, ООО …); spelled-out forms by their lemmas, so
«Товариществом с ограниченной ответственностью» and «Товарищество с ограниченной
ответственностью» are both ТОО. SEZ and cluster-fund prefixes (СЭЗ, АКФ) are split off the same way.
"""

from agreements.backoffice.announcements.morph import Token

ABBREVIATIONS = {
    "ТОО", "АО", "ООО", "ЗАО", "ОАО", "ПАО", "НАО", "МХК", "ГУ", "РГП", "ГКП", "КГП", "РГКП", "ФГУП",
    "ИП", "СЭЗ", "ОЭЗ", "АКФ", "НК", "АНО", "ФГБУ", "ФГБОУ", "ГБУ", "МФО",
}  # fmt: skip
SPELLED = {
    ("товарищество", "с", "ограниченный", "ответственность"): "ТОО",
    ("общество", "с", "ограниченный", "ответственность"): "ООО",
    ("закрытый", "акционерный", "общество"): "ЗАО",
    ("открытый", "акционерный", "общество"): "ОАО",
    ("публичный", "акционерный", "общество"): "ПАО",
    ("некоммерческий", "акционерный", "общество"): "НАО",
    ("акционерный", "общество"): "АО",
    ("автономный", "кластерный", "фонд"): "АКФ",
    ("специальный", "экономический", "зона"): "СЭЗ",
    ("особый", "экономический", "зона"): "ОЭЗ",
    ("национальный", "компания"): "НК",
    ("государственный", "учреждение"): "ГУ",
    ("республиканский", "государственный", "предприятие"): "РГП",
    ("федеральный", "государственный", "унитарный", "предприятие"): "ФГУП",
    ("индивидуальный", "предприниматель"): "ИП",
}
# Forms used in one country only. АО, НК, МХК and ИП exist on both sides: no country from them.
COUNTRY_OF_FORM = {
    "ТОО": "KZ", "ГУ": "KZ", "РГП": "KZ", "ГКП": "KZ", "КГП": "KZ", "РГКП": "KZ", "СЭЗ": "KZ", "АКФ": "KZ",
    "НАО": "KZ", "ООО": "RU", "ЗАО": "RU", "ОАО": "RU", "ПАО": "RU", "ФГУП": "RU", "ОЭЗ": "RU", "АНО": "RU",
    "ФГБУ": "RU", "ФГБОУ": "RU", "ГБУ": "RU",
}  # fmt: skip


def leading_form(toks: list[Token]) -> tuple[str, int]:
    """(legal form, number of tokens it takes) at the start of a party mention, or ("", 0)."""
    if toks and toks[0].text in ABBREVIATIONS:
        return toks[0].text, 1
    lemmas = tuple(t.lemma for t in toks)
    for spelled in sorted(SPELLED, key=len, reverse=True):
        if lemmas[: len(spelled)] == spelled:
            return SPELLED[spelled], len(spelled)
    return "", 0
