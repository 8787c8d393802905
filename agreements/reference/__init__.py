"""Reference data: countries (ISO 3166-1), KZ and RU regions (ISO 3166-2), NACE Rev.2 sectors.

Codes and kinds come from pycountry (the Debian iso-codes data). pycountry has few Russian and no
Kazakh names for subdivisions, so the names live in ``regions.csv`` beside this file; NACE sections
and divisions with their OKVED2/OKED Russian wording live in ``sectors.csv``.

Kazakh names: countries from iso-codes' Kazakh translation (``iso3166-1``, language ``kk``);
regions in ``regions.csv`` from Unicode CLDR (``common/subdivisions/kk.xml``: all 20 Kazakh
regions, 46 of the 83 Russian ones). Where no source has a Kazakh name, ``name_kk`` is empty and
the site shows the Russian one, marked ``lang="ru"``. Sectors have none yet: no published source
of the OKED's Kazakh wording is committed here; a ``name_kk`` column in ``sectors.csv`` is read
when there is one.

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


def iso_translation(language: str):
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])


def kazakh_country_name(kazakh, country) -> str:
    """The common name's translation (Оңтүстік Корея), else the formal one's (Иран); '' if neither."""
    for english in (getattr(country, "common_name", None), country.name):
        if english and (name := kazakh.gettext(english)) != english:
            return name
    return ""


def country_rows():
    russian, kazakh = iso_translation("ru"), iso_translation("kk")
    for country in pycountry.countries:
        english = getattr(country, "common_name", None) or country.name
        name_ru, name_en = COUNTRY_NAME_OVERRIDES.get(country.alpha_2, (russian.gettext(english), english))
        name_kk = kazakh_country_name(kazakh, country)
        yield {"code": country.alpha_2, "name_ru": name_ru, "name_en": name_en, "name_kk": name_kk}


def existing_fields(model, row: dict) -> dict:
    """The row's values the model has: an early migration passes models without the later columns."""
    fields = model._meta.concrete_fields
    names = {field.name for field in fields} | {field.attname for field in fields}
    return {key: value for key, value in row.items() if key in names}


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
        Country.objects.update_or_create(code=row.pop("code"), defaults=existing_fields(Country, row))
    counts["countries"] = Country.objects.count()
    for row in region_rows():
        Region.objects.update_or_create(code=row.pop("code"), defaults=existing_fields(Region, row))
    counts["regions"] = Region.objects.count()
    sections = {}
    for row in read_csv("sectors.csv"):
        parent = sections[row["parent"]] if row["parent"] else None
        sector, _ = Sector.objects.update_or_create(
            code=row["code"],
            defaults=existing_fields(
                Sector,
                {
                    "parent": parent,
                    "name_ru": row["name_ru"],
                    "name_en": row["name_en"],
                    "name_kk": row.get("name_kk") or "",
                },
            ),
        )
        if parent is None:
            sections[sector.code] = sector
    counts["sectors"] = Sector.objects.count()
    return counts
