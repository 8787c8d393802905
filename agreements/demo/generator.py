"""The demo registry generator: forums, parties with aliases, then agreements with their links,
status steps and search fields, yielded in batches for bulk_create."""

import datetime
import random

from django.core.management.base import CommandError
from tqdm import tqdm

from agreements.demo.storage import CachedStems, SearchParty, StoredVector, has_stored_vector, timeline_model
from agreements.demo.vocabulary import (
    ACTIVITIES,
    BATCH,
    CURRENCIES,
    FACILITIES_GENITIVE,
    FACILITY_ACTIVITIES,
    FIRST_DATE,
    FORUM_CITIES,
    FORUM_SERIES,
    INTERNATIONAL,
    KIND_TITLES,
    KIND_WEIGHTS,
    KZ_CITIES,
    KZ_STEMS,
    LAST_DATE,
    MIDDLES,
    MINISTRIES,
    ORGANISATIONS,
    PREFIX,
    PRODUCTS,
    PROJECTS,
    PROJECTS_COOP,
    ROLES,
    RU_CITIES,
    RU_STEMS,
    SECOND_SECTORS,
    SERVICES,
    STATUS_WEIGHTS,
    TAILS,
    genitive_region,
    roman,
    skewed_weights,
    translit,
)
from agreements.models import (
    Agreement,
    AgreementParty,
    Country,
    Forum,
    Party,
    PartyAlias,
    Region,
    Sector,
)


class Generator:
    def __init__(self, seed: int, agreements: int, progress: bool = True):
        self.rng = random.Random(seed)
        self.total = agreements
        self.progress = progress
        self.stems = CachedStems()
        self.today = datetime.date.today()
        self.regions = {
            country: list(Region.objects.filter(country_id=country).order_by("code"))
            for country in ("KZ", "RU")
        }
        sectors = list(Sector.objects.order_by("code"))
        self.sectors = {s.code: s for s in sectors}
        self.divisions = [s for s in sectors if s.parent_id is not None]
        by_id = {s.pk: s for s in sectors}
        self.parent_code = {s.code: by_id[s.parent_id].code for s in self.divisions}
        self.countries = set(
            Country.objects.filter(code__in=["KZ", "RU", "BY", "UZ", "KG", "CN"]).values_list(
                "code", flat=True
            )
        )
        if not self.regions["KZ"] or not self.regions["RU"] or not self.divisions:
            raise CommandError("Reference data is missing: run `manage.py migrate` (or load_reference_data).")

    # Forums -------------------------------------------------------------------------------

    def make_forums(self) -> list[Forum]:
        rng = self.rng
        count = min(40, max(3, self.total // 25))
        forums, numbers = [], {}
        for i in range(1, count + 1):
            series = FORUM_SERIES[0] if i % 3 != 0 else rng.choice(FORUM_SERIES[1:])
            city, _country = rng.choice(FORUM_CITIES)
            year = 2004 + (i * 21) // count
            start = datetime.date(year, rng.randint(3, 11), rng.randint(1, 27))
            if series == FORUM_SERIES[0]:
                numbers[series] = numbers.get(series, 0) + 1
                number = roman(numbers[series])
                title = f"{number} {series}"
            else:
                number = ""
                title = f"{series} — {year}"
            forums.append(
                Forum(
                    title=title,
                    number=number,
                    slug=f"{PREFIX}forum-{i}",
                    city=city,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=rng.choice([0, 1, 1, 2])),
                    theme=rng.choice(
                        ["Промышленная кооперация", "Агропромышленный комплекс", "Транзит и логистика"]
                    ),
                    description="Демонстрационные данные для нагрузочного тестирования.",
                )
            )
        Forum.objects.bulk_create(forums)
        return forums

    # Parties ------------------------------------------------------------------------------

    def company_name(self, country: str) -> tuple[str, str]:
        """A company name and its abbreviation (empty when the name is a brand)."""
        rng = self.rng
        if rng.random() < 0.55:
            stem = rng.choice(KZ_STEMS if country == "KZ" else RU_STEMS)
            middles = rng.sample(MIDDLES, rng.choice([1, 1, 2]))
            return stem + "".join(middles) + rng.choice(TAILS), ""
        city = rng.choice(KZ_CITIES if country == "KZ" else RU_CITIES)
        noun, ending = rng.choice(ORGANISATIONS)
        product = rng.choice([p for p in PRODUCTS if p[3] in "em"])[1]
        name = f"{city[:-2]}{ending} {noun} {product}"
        short = "".join(word[0] for word in name.split()).upper()
        return name, short

    def make_parties(self) -> tuple[list[Party], dict[int, SearchParty]]:
        rng = self.rng
        count = max(20, self.total // 5)
        taken_aliases = {name.lower() for name in PartyAlias.objects.values_list("name", flat=True)}
        parties, aliases = [], []
        # Authorities first: a ministry or two per country, an akimat or regional government per region.
        for country in ("KZ", "RU"):
            for name in MINISTRIES[country]:
                parties.append(Party(name=name, kind=Party.Kind.GOVERNMENT, country_id=country))
            for region in self.regions[country]:
                genitive = genitive_region(region.name_ru)
                if genitive:
                    head = "Акимат" if country == "KZ" else "Правительство"
                    parties.append(
                        Party(
                            name=f"{head} {genitive}",
                            kind=Party.Kind.REGIONAL_AUTHORITY,
                            country_id=country,
                            home_region=region,
                        )
                    )
        for name in INTERNATIONAL:
            parties.append(Party(name=name, kind=Party.Kind.INTERNATIONAL, country=None))
        names_seen = {p.name for p in parties}
        while len(parties) < count:
            roll = rng.random()
            country = "KZ" if roll < 0.5 else "RU" if roll < 0.97 else rng.choice(["BY", "UZ", "KG", "CN"])
            if country not in self.countries:
                country = "RU"
            name, short = self.company_name(country if country in ("KZ", "RU") else "RU")
            if name in names_seen:
                name = f"{name} {rng.choice(['Плюс', 'Инвест', 'Партнёр', 'Восток', 'Запад', 'Центр'])}"
                if name in names_seen:
                    continue
            names_seen.add(name)
            if country == "KZ":
                legal_form = rng.choices(["ТОО", "АО"], [60, 40])[0]
            elif country == "RU":
                legal_form = rng.choices(["ООО", "ЗАО", "ПАО", "ОАО"], [55, 10, 15, 20])[0]
            else:
                legal_form = ""
            kind = (
                Party.Kind.STATE_COMPANY
                if legal_form == "АО" and rng.random() < 0.3
                else Party.Kind.PRIVATE_COMPANY
            )
            home_region = rng.choice(self.regions[country]) if country in ("KZ", "RU") else None
            parties.append(
                Party(
                    name=name,
                    short_name=short if rng.random() < 0.5 else "",
                    legal_form=legal_form,
                    kind=kind,
                    country_id=country,
                    home_region=home_region,
                    website=f"https://{translit(name.split()[0]).lower()}.example"
                    if rng.random() < 0.2
                    else "",
                )
            )
        for i, party in enumerate(parties, start=1):
            party.slug = f"{PREFIX}party-{i}"
        Party.objects.bulk_create(parties, batch_size=BATCH)

        search_parties = {}
        for party in parties:
            entry = SearchParty(party.name, party.short_name, party.legal_form)
            if rng.random() < 0.15:
                for alias in self.alias_candidates(party):
                    if alias.lower() not in taken_aliases:
                        taken_aliases.add(alias.lower())
                        aliases.append(PartyAlias(party=party, name=alias))
                        entry.aliases.append(aliases[-1])
                        break
            search_parties[party.pk] = entry
        PartyAlias.objects.bulk_create(aliases, batch_size=BATCH)
        return parties, search_parties

    def alias_candidates(self, party: Party) -> list[str]:
        """A transliteration, a typo as sources make them, or the name with its legal form."""
        rng = self.rng
        name = party.name
        candidates = [translit(name)]
        if len(name) > 6:
            i = rng.randrange(1, len(name) - 2)
            if name[i].isalpha() and name[i + 1].isalpha():
                candidates.append(name[:i] + name[i + 1] + name[i] + name[i + 2 :])
        if party.legal_form:
            candidates.append(f"{party.legal_form} {name}")
        rng.shuffle(candidates)
        return candidates

    # Agreements ---------------------------------------------------------------------------

    def topic(self):
        """(nominative, genitive, dative, prepositional, accusative, cooperation phrase, product, division,
        related division)."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.12:
            phrase, division = rng.choice(SERVICES)
            forms = tuple(f"{head} {phrase}" for head in PROJECTS_COOP)
            return (*forms, phrase, None, division, None)
        product = rng.choice(PRODUCTS)
        kind = product[3]
        if roll < 0.4 and kind in FACILITY_ACTIVITIES:
            heads, related = rng.choice(PROJECTS)
            what = (
                f"{rng.choice(FACILITIES_GENITIVE)} по {rng.choice(FACILITY_ACTIVITIES[kind])} {product[1]}"
            )
        else:
            heads, _kinds, related = rng.choice([a for a in ACTIVITIES if kind in a[1]])
            what = product[1]
        forms = tuple(f"{head} {what}" for head in heads)
        return (*forms, f"в области {forms[1]}", product, product[2], related)

    def title(self, kind, topic, parties: list[Party]) -> str:
        rng = self.rng
        prefix = rng.choice(KIND_TITLES[kind])
        _nom, _gen, dative, prepositional, _acc, coop = topic[:6]
        if "сотрудничестве" in prefix:
            body = f"{prefix} {coop}"
        elif "намерениях" in prefix or prefix == "Дорожная карта":
            body = f"{prefix} по {dative}"
        else:
            body = f"{prefix} {'об' if prepositional[0] in 'аоуэи' else 'о'} {prepositional}"
        names = [p.display_name for p in parties]
        between = ", ".join(names[:-1]) + " и " + names[-1]
        return f"{body} между {between}"[:500]

    def subject(self, topic, regions: list[Region], amount_phrase: str) -> str:
        rng = self.rng
        nominative, _gen, _dat, prepositional, accusative, _coop, product = topic[:7]
        sentences = [
            rng.choice(
                [
                    f"Стороны договорились {'об' if prepositional[0] in 'аоуэи' else 'о'} {prepositional}.",
                    f"Проект предусматривает {accusative}{amount_phrase}.",
                    f"{nominative[0].upper()}{nominative[1:]}.",
                ]
            )
        ]
        if product and rng.random() < 0.6:
            sentences.append(f"Основная продукция — {product[0]}.")
        capacity = {
            "m": "тыс. тонн в год",
            "a": "тыс. тонн в год",
            "r": "тыс. тонн в год",
            "e": "единиц в год",
        }
        if product and product[3] in capacity and rng.random() < 0.4:
            sentences.append(f"Мощность — {rng.randint(1, 500) * 10} {capacity[product[3]]}.")
        if rng.random() < 0.4:
            sentences.append(f"Будет создано {rng.randint(2, 150) * 10} рабочих мест.")
        if regions and rng.random() < 0.5:
            sentences.append("Место реализации: " + ", ".join(r.name_ru for r in regions) + ".")
        if rng.random() < 0.3:
            start = rng.randint(2005, 2025)
            sentences.append(f"Срок реализации — {start}–{start + rng.randint(1, 6)} годы.")
        return " ".join(sentences)

    def timeline(self, agreement) -> list[tuple[str, datetime.date | None]]:
        """Status steps ending in the agreement's status: announced → signed → in implementation → …"""
        rng, status, signed = self.rng, agreement.status, agreement.signed_on
        S = Agreement.Status

        def later(date, low, high):
            if date is None:
                return None
            return min(date + datetime.timedelta(days=rng.randint(low, high)), self.today)

        if status == S.ANNOUNCED:
            return [(S.ANNOUNCED, signed)]
        steps = [(S.ANNOUNCED, later(signed, -120, -10))] if rng.random() < 0.3 else []
        steps.append((S.SIGNED, signed))
        if status in (S.IN_IMPLEMENTATION, S.COMPLETED):
            steps.append((S.IN_IMPLEMENTATION, later(signed, 30, 400)))
        if status == S.COMPLETED:
            steps.append((S.COMPLETED, later(steps[-1][1], 180, 1500)))
        if status == S.CANCELLED:
            steps.append((S.CANCELLED, later(signed, 60, 900)))
        return steps

    def random_date(self) -> datetime.date:
        last = min(LAST_DATE, self.today)
        return FIRST_DATE + datetime.timedelta(days=self.rng.randrange((last - FIRST_DATE).days + 1))

    def amount(self) -> tuple:
        rng = self.rng
        if rng.random() >= 0.35:
            return None, ""
        currency, _weight, (low, high) = rng.choices(CURRENCIES, [c[1] for c in CURRENCIES])[0]
        value = round(10 ** rng.uniform(low, high), -3)
        return value, currency

    def run(self, stdout) -> dict[str, int]:
        """Insert the forums and parties, then the agreements and their links batch by batch."""
        forums = self.make_forums()
        parties, search_parties = self.make_parties()
        counts = dict.fromkeys(
            ["agreements", "party_links", "region_links", "sector_links", "country_links", "status_steps"], 0
        )
        models = {
            "agreements": Agreement,
            "party_links": AgreementParty,
            "region_links": Agreement.regions.through,
            "sector_links": Agreement.sectors.through,
            "country_links": Agreement.countries.through,
            "status_steps": timeline_model(),
        }
        bar = tqdm(total=self.total, unit="agreements", disable=not self.progress, file=stdout)
        for rows in self.batches(forums, parties, search_parties):
            for key, objects in rows.items():
                if objects:
                    models[key].objects.bulk_create(objects, batch_size=BATCH)
                counts[key] += len(objects)
            bar.update(len(rows.get("agreements", [])))
        bar.close()
        counts["parties"] = len(parties)
        counts["forums"] = len(forums)
        return counts

    def batches(self, forums, parties, search_parties):
        """Each batch twice: its agreements, then (once the caller has inserted them and they have ids)
        their links and status steps. Only this generator uses the random generator, in a fixed order."""
        rng = self.rng
        kz_parties = [p for p in parties if p.country_id == "KZ"]
        ru_parties = [p for p in parties if p.country_id == "RU"]
        kz_cum, ru_cum, all_cum = (
            skewed_weights(rng, len(kz_parties), 0.8),
            skewed_weights(rng, len(ru_parties), 0.8),
            skewed_weights(rng, len(parties), 0.8),
        )
        kz_region_cum = skewed_weights(rng, len(self.regions["KZ"]), 0.9)
        ru_region_cum = skewed_weights(rng, len(self.regions["RU"]), 0.9)
        forum_cum = skewed_weights(rng, len(forums), 0.5)
        kinds, kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        country_sets = [
            ["KZ", "RU"],
            ["KZ", "RU", "BY"],
            ["RU"],
            ["KZ"],
            ["KZ", "RU", "UZ", "KG"],
            ["CN", "KZ"],
        ]
        country_sets = [[c for c in s if c in self.countries] for s in country_sets]
        RegionLink, SectorLink, CountryLink = (
            Agreement.regions.through,
            Agreement.sectors.through,
            Agreement.countries.through,
        )
        StatusChange = timeline_model()
        stored_vector = has_stored_vector()
        for start in range(0, self.total, BATCH):
            batch = []
            for i in range(start + 1, min(start + BATCH, self.total) + 1):
                kind = rng.choices(kinds, kind_weights)[0]
                # Parties: a Kazakh and a Russian one, sometimes a third of any kind.
                chosen = [
                    rng.choices(kz_parties, cum_weights=kz_cum)[0],
                    rng.choices(ru_parties, cum_weights=ru_cum)[0],
                ]
                if rng.random() < 0.35:
                    third = rng.choices(parties, cum_weights=all_cum)[0]
                    if third not in chosen:
                        chosen.append(third)
                if rng.random() < 0.5:
                    chosen[0], chosen[1] = chosen[1], chosen[0]
                # Regions: one, mostly Kazakh; sometimes a Russian one as well.
                regions = [
                    rng.choices(self.regions["KZ"], cum_weights=kz_region_cum)[0]
                    if rng.random() < 0.8
                    else rng.choices(self.regions["RU"], cum_weights=ru_region_cum)[0]
                ]
                if rng.random() < 0.35:
                    second = rng.choices(self.regions["RU"], cum_weights=ru_region_cum)[0]
                    if second not in regions:
                        regions.append(second)
                topic = self.topic()
                division, related = topic[7], topic[8]
                # Mostly the division; sometimes only its section, as a source often allows no more.
                sector_codes = [division if rng.random() < 0.9 else self.parent_code[division]]
                if rng.random() < 0.3:
                    other = related or rng.choice(SECOND_SECTORS)
                    other = other if rng.random() < 0.8 else self.parent_code[other]
                    if other not in sector_codes:
                        sector_codes.append(other)
                forum = rng.choices(forums, cum_weights=forum_cum)[0] if rng.random() < 0.85 else None
                roll = rng.random()
                if roll < 0.08:
                    signed_on = None
                elif forum and roll < 0.75:
                    signed_on = forum.start_date
                else:
                    signed_on = self.random_date()
                amount, currency = self.amount()
                amount_phrase = (
                    f" с объёмом инвестиций {amount:,.0f} {currency}".replace(",", " ") if amount else ""
                )
                agreement = Agreement(
                    slug=f"{PREFIX}agreement-{i}",
                    kind=kind,
                    title=self.title(kind, topic, chosen),
                    subject=self.subject(topic, regions, amount_phrase),
                    forum=forum,
                    status=rng.choices(statuses, status_weights)[0],
                    signed_on=signed_on,
                    amount=amount,
                    currency=currency,
                    is_published=rng.random() < 0.9,
                )
                self.stems.fill(agreement, [search_parties[p.pk] for p in chosen])
                if stored_vector:
                    agreement.search_vector = StoredVector(agreement)
                countries = rng.choice(country_sets) if rng.random() < 0.15 else []
                roles = [AgreementParty.Role.SIGNATORY] + [rng.choice(ROLES) for _ in range(len(chosen) - 1)]
                batch.append((agreement, chosen, roles, regions, sector_codes, countries))
            yield {"agreements": [row[0] for row in batch]}
            keys = ("party_links", "region_links", "sector_links", "country_links", "status_steps")
            rows = {key: [] for key in keys}
            for agreement, chosen, roles, regions, sector_codes, countries in batch:
                rows["party_links"] += [
                    AgreementParty(agreement_id=agreement.pk, party_id=p.pk, role=role, order=order)
                    for order, (p, role) in enumerate(zip(chosen, roles, strict=True))
                ]
                rows["region_links"] += [
                    RegionLink(agreement_id=agreement.pk, region_id=r.pk) for r in regions
                ]
                rows["sector_links"] += [
                    SectorLink(agreement_id=agreement.pk, sector_id=self.sectors[c].pk) for c in sector_codes
                ]
                rows["country_links"] += [
                    CountryLink(agreement_id=agreement.pk, country_id=c) for c in countries
                ]
                if StatusChange is not None:
                    rows["status_steps"] += [
                        StatusChange(agreement_id=agreement.pk, status=status, date=date)
                        for status, date in self.timeline(agreement)
                    ]
            yield rows
