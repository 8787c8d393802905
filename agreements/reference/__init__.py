"""Reference data: countries (ISO 3166-1), KZ and RU regions (ISO 3166-2), NACE Rev.2 sectors.

Codes and kinds come from pycountry (the Debian iso-codes data). pycountry has few Russian and no
Kazakh names for subdivisions, so the names live in ``regions.csv`` beside this file; NACE sections
and divisions with their OKVED2/OKED Russian wording live in ``sectors.csv``.

The loader takes the model classes as arguments so that a data migration can pass its historical
models and the ``load_reference_data`` command the current ones. Running it again updates names
and adds what is missing; it never deletes.
"""

import csv
import gettext
from pathlib import Path

import pycountry

HERE = Path(__file__).resolve().parent
REGION_COUNTRIES = ("KZ", "RU")

# pycountry's ISO names are formal; readers of this registry expect the common ones.
COUNTRY_NAME_OVERRIDES = {
    "RU": ("Россия", "Russia"),
    "US": ("США", "United States"),
}

# pycountry's subdivision types, and a few codes whose type is not what readers call them.
REGION_KIND_BY_TYPE = {
    "Region": "oblast",
    "City": "city",
    "Administrative region": "oblast",
    "Republic": "republic",
    "Administrative territory": "krai",
    "Autonomous district": "autonomous_okrug",
    "Autonomous city": "federal_city",
    "Autonomous region": "autonomous_oblast",
}


def read_csv(name: str) -> list[dict]:
    with open(HERE / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def country_rows():
    russian = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    for country in pycountry.countries:
        english = getattr(country, "common_name", None) or country.name
        name_ru, name_en = COUNTRY_NAME_OVERRIDES.get(country.alpha_2, (russian.gettext(english), english))
        yield {"code": country.alpha_2, "name_ru": name_ru, "name_en": name_en}


def region_rows():
    names = {row["code"]: row for row in read_csv("regions.csv")}
    for country in REGION_COUNTRIES:
        for subdivision in pycountry.subdivisions.get(country_code=country):
            row = names.get(subdivision.code)
            if row is None:
                raise ValueError(f"regions.csv has no names for {subdivision.code} ({subdivision.name})")
            yield {
                "code": subdivision.code,
                "country_id": country,
                "kind": REGION_KIND_BY_TYPE[subdivision.type],
                "name_ru": row["name_ru"],
                "name_en": row["name_en"],
                "name_kk": row["name_kk"],
            }


def load_reference_data(Country, Region, Sector) -> dict:
    counts = {}
    for row in country_rows():
        Country.objects.update_or_create(code=row.pop("code"), defaults=row)
    counts["countries"] = Country.objects.count()
    for row in region_rows():
        Region.objects.update_or_create(code=row.pop("code"), defaults=row)
    counts["regions"] = Region.objects.count()
    sections = {}
    for row in read_csv("sectors.csv"):
        parent = sections[row["parent"]] if row["parent"] else None
        sector, _ = Sector.objects.update_or_create(
            code=row["code"],
            defaults={"parent": parent, "name_ru": row["name_ru"], "name_en": row["name_en"]},
        )
        if parent is None:
            sections[sector.code] = sector
    counts["sectors"] = Sector.objects.count()
    return counts
