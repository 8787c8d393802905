"""Small builders for test records; reference data (regions, sectors, countries) comes from migrations."""

import itertools

from agreements.models import Agreement, AgreementParty, Country, Forum, Party, Region, Sector
from agreements.search import refresh_search_fields

_counter = itertools.count(1)


def make_party(name=None, country="KZ", **fields) -> Party:
    n = next(_counter)
    name = name or f"Тестовая компания {n}"
    return Party.objects.create(
        name=name,
        slug=fields.pop("slug", f"party-{n}"),
        country=Country.objects.get(code=country) if country else None,
        **fields,
    )


def make_forum(**fields) -> Forum:
    n = next(_counter)
    defaults = {"title": f"Форум {n}", "slug": f"forum-{n}", "city": "Астана"}
    return Forum.objects.create(**{**defaults, **fields})


def make_agreement(
    title=None, parties=None, regions=(), sectors=(), countries=(), published=True, **fields
) -> Agreement:
    n = next(_counter)
    if "source" not in fields and "source_url" not in fields:
        # A published agreement cites a source; a draft too, so a test can publish it (source_url="": none).
        fields["source_url"] = f"https://news.example/{n}"
    agreement = Agreement.objects.create(
        title=title or f"Соглашение о сотрудничестве № {n}",
        slug=fields.pop("slug", f"agreement-{n}"),
        kind=fields.pop("kind", Agreement.Kind.AGREEMENT),
        is_published=published,
        **fields,
    )
    for order, party in enumerate(
        parties if parties is not None else [make_party(), make_party(country="RU")]
    ):
        AgreementParty.objects.create(agreement=agreement, party=party, order=order)
    agreement.regions.set(Region.objects.filter(code__in=regions))
    agreement.sectors.set(Sector.objects.filter(code__in=sectors))
    agreement.countries.set(Country.objects.filter(code__in=countries))
    refresh_search_fields(Agreement.objects.filter(pk=agreement.pk))
    agreement.refresh_from_db()
    return agreement
