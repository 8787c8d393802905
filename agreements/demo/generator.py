"""The demo registry generator: forums, parties with aliases, then agreements with their links,
status steps and search fields, made as plain row tuples (writing.tables() gives their columns) and
handed to a writer (writing.py) batch by batch: memory holds the parties and a few batches."""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from agreements.demo import texts
from agreements.demo.vocabulary import (
    BATCH,
    FORUM_CITIES,
    FORUM_SERIES,
    INTERNATIONAL,
    KIND_WEIGHTS,
    MINISTRIES,
    PREFIX,
    ROLES,
    SECOND_SECTORS,
    STATUS_WEIGHTS,
    genitive_region,
    roman,
    skewed_weights,
    translit,
)
from agreements.demo.writing import tables
from agreements.models import Agreement, AgreementParty, Country, Forum, Party, PartyAlias, Region, Sector

RESERVED = 10  # batches of agreement ids taken at once

ROW_KEYS = ("agreements", "party_links", "region_links", "sector_links", "country_links", "status_steps")


class Alias(NamedTuple):
    name: str


class Aliases(list):
    def all(self):  # read as a prefetched related manager by search.agreement_search_text
        return self


@dataclass(eq=False, slots=True)
class DemoParty:
    """A generated party: what titles, links and search.agreement_search_text read from it."""

    id: int
    name: str
    short_name: str
    legal_form: str
    country_id: str | None
    display_name: str
    aliases: Aliases = field(default_factory=Aliases)


class DemoForum(NamedTuple):
    id: int
    start_date: datetime.date


class Generator:
    def __init__(self, seed: int, agreements: int, writer, progress: bool = True):
        self.rng = random.Random(seed)
        self.total = agreements
        self.writer = writer
        self.progress = progress
        self.tables = tables()
        self.counts = dict.fromkeys([*self.tables, *ROW_KEYS], 0)
        self.search_fields = texts.SearchFields()
        self.today = datetime.date.today()
        # created and updated of every row, as bulk_create would have sent them
        self.stamp = Agreement._meta.get_field("created").get_db_prep_save(timezone.now(), connection)
        self.regions = {
            country: list(Region.objects.filter(country_id=country).order_by("code"))
            for country in ("KZ", "RU")
        }
        sectors = list(Sector.objects.order_by("code"))
        self.sector_ids = {s.code: s.pk for s in sectors}
        divisions = [s for s in sectors if s.parent_id is not None]
        by_id = {s.pk: s for s in sectors}
        self.parent_code = {s.code: by_id[s.parent_id].code for s in divisions}
        self.countries = set(
            Country.objects.filter(code__in=["KZ", "RU", "BY", "UZ", "KG", "CN"]).values_list(
                "code", flat=True
            )
        )
        if not self.regions["KZ"] or not self.regions["RU"] or not divisions:
            raise CommandError("Reference data is missing: run `manage.py migrate` (or load_reference_data).")

    def write(self, key: str, rows: list[tuple]) -> None:
        self.writer.write(self.tables[key], rows)
        self.counts[key] += len(rows)

    def run(self, stdout) -> dict[str, int]:
        """Write the forums and parties, then the agreements and their links batch by batch."""
        try:
            forums = self.make_forums()
            parties = self.make_parties()
            bar = tqdm(total=self.total, unit="agreements", disable=not self.progress, file=stdout)
            for rows in self.batches(forums, parties):
                for key, batch in rows.items():
                    if key in self.tables:
                        self.write(key, batch)
                bar.update(len(rows["agreements"]))
            bar.close()
        except BaseException:
            # Before the transaction is rolled back: the writer may be writing from a thread.
            self.writer.stop(discard=True)
            raise
        self.writer.close()
        return self.counts

    # Forums -------------------------------------------------------------------------------

    def make_forums(self) -> list[DemoForum]:
        rng = self.rng
        count = min(40, max(3, self.total // 25))
        ids = self.writer.reserve(Forum, count)
        rows, numbers = [], {}
        for i, forum_id in enumerate(ids, start=1):
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
            end = start + datetime.timedelta(days=rng.choice([0, 1, 1, 2]))
            theme = rng.choice(
                ["Промышленная кооперация", "Агропромышленный комплекс", "Транзит и логистика"]
            )
            description = "Демонстрационные данные для нагрузочного тестирования."
            slug, stamp = f"{PREFIX}forum-{i}", self.stamp
            rows.append((forum_id, title, number, slug, city, start, end, theme, description, stamp, stamp))
        self.write("forums", rows)
        return [DemoForum(row[0], row[5]) for row in rows]

    # Parties ------------------------------------------------------------------------------

    def authorities(self) -> list[tuple]:
        """Ministries, an akimat or regional government per region, international organisations:
        (name, short name, legal form, kind, country, home region id, website)."""
        found = []
        for country in ("KZ", "RU"):
            found += [
                (name, "", "", Party.Kind.GOVERNMENT, country, None, "") for name in MINISTRIES[country]
            ]
            for region in self.regions[country]:
                genitive = genitive_region(region.name_ru)
                if genitive:
                    head = "Акимат" if country == "KZ" else "Правительство"
                    kind = Party.Kind.REGIONAL_AUTHORITY
                    found.append((f"{head} {genitive}", "", "", kind, country, region.pk, ""))
        found += [(name, "", "", Party.Kind.INTERNATIONAL, None, None, "") for name in INTERNATIONAL]
        return found

    def companies(self, count: int, names_seen: set) -> list[tuple]:
        """Companies until there are ``count`` parties, as authorities() gives them."""
        rng = self.rng
        found = []
        while len(found) < count:
            roll = rng.random()
            country = "KZ" if roll < 0.5 else "RU" if roll < 0.97 else rng.choice(["BY", "UZ", "KG", "CN"])
            if country not in self.countries:
                country = "RU"
            name, short = texts.company_name(rng, country if country in ("KZ", "RU") else "RU")
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
            state = legal_form == "АО" and rng.random() < 0.3
            kind = Party.Kind.STATE_COMPANY if state else Party.Kind.PRIVATE_COMPANY
            home_region = rng.choice(self.regions[country]).pk if country in ("KZ", "RU") else None
            short = short if rng.random() < 0.5 else ""
            website = f"https://{translit(name.split()[0]).lower()}.example" if rng.random() < 0.2 else ""
            found.append((name, short, legal_form, kind, country, home_region, website))
        return found

    def make_parties(self) -> list[DemoParty]:
        """Write the parties and some aliases; return them as the agreements' rows need them."""
        specs = self.authorities()
        specs += self.companies(max(20, self.total // 5) - len(specs), {spec[0] for spec in specs})
        ids = self.writer.reserve(Party, len(specs))
        rows, parties = [], []
        for i, (party_id, spec) in enumerate(zip(ids, specs, strict=True), start=1):
            name, short, legal_form, _kind, country, _region, _website = spec
            rows.append((party_id, name, short, f"{PREFIX}party-{i}", *spec[2:], self.stamp, self.stamp))
            display = Party.format_display_name(name, legal_form)
            parties.append(DemoParty(party_id, name, short, legal_form, country, display))
        self.write("parties", rows)
        self.write("aliases", self.make_aliases(parties))
        return parties

    def make_aliases(self, parties: list[DemoParty]) -> list[tuple]:
        """Another spelling for some parties, never one another party has (case-insensitively)."""
        taken = {name.lower() for name in PartyAlias.objects.values_list("name", flat=True)}
        rows = []
        for party in parties:
            if self.rng.random() < 0.15:
                for alias in texts.alias_candidates(self.rng, party.name, party.legal_form):
                    if alias.lower() not in taken:
                        taken.add(alias.lower())
                        party.aliases.append(Alias(alias))
                        rows.append((party.id, alias))
                        break
        return rows

    # Agreements ---------------------------------------------------------------------------

    def batches(self, forums: list[DemoForum], parties: list[DemoParty]):
        """The rows of BATCH agreements at a time, by table. Only this generator uses the random
        generator, in a fixed order: a batch's agreements, then their status steps."""
        self.prepare_choices(forums, parties)
        reserved = []
        for start in range(0, self.total, BATCH):
            numbers = range(start + 1, min(start + BATCH, self.total) + 1)
            if not reserved:
                # Ids for several batches at once: taking them waits for the writer's statement in progress.
                reserved = self.writer.reserve(Agreement, min(RESERVED * BATCH, self.total - start))
            ids, reserved = reserved[: len(numbers)], reserved[len(numbers) :]
            rows = {key: [] for key in ROW_KEYS}
            dated = [
                self.agreement(number, agreement_id, rows)
                for number, agreement_id in zip(numbers, ids, strict=True)
            ]
            for agreement_id, status, signed_on in dated if "status_steps" in self.tables else []:
                rows["status_steps"] += [
                    (agreement_id, step, date, "", "", self.stamp)
                    for step, date in texts.timeline(self.rng, status, signed_on, self.today)
                ]
            yield rows

    def prepare_choices(self, forums: list[DemoForum], parties: list[DemoParty]) -> None:
        """Popularity: a few parties, regions and forums are chosen often (their order drawn here)."""
        rng = self.rng
        self.forums = forums
        self.parties = {
            "KZ": [p for p in parties if p.country_id == "KZ"],
            "RU": [p for p in parties if p.country_id == "RU"],
            "all": parties,
        }
        self.party_cum = {
            key: skewed_weights(rng, len(self.parties[key]), 0.8) for key in ("KZ", "RU", "all")
        }
        self.region_cum = {key: skewed_weights(rng, len(self.regions[key]), 0.9) for key in ("KZ", "RU")}
        self.forum_cum = skewed_weights(rng, len(forums), 0.5)
        self.kinds, self.kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        self.statuses, self.status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        country_sets = [
            ["KZ", "RU"],
            ["KZ", "RU", "BY"],
            ["RU"],
            ["KZ"],
            ["KZ", "RU", "UZ", "KG"],
            ["CN", "KZ"],
        ]
        self.country_sets = [[c for c in s if c in self.countries] for s in country_sets]

    def agreement(self, number: int, agreement_id: int, rows: dict) -> tuple:
        """Add one agreement's row and links to ``rows``; return what its status steps need."""
        rng = self.rng
        kind = rng.choices(self.kinds, self.kind_weights)[0]
        parties = self.pick_parties()
        regions = self.pick_regions()
        topic = texts.topic(rng)
        sector_codes = self.pick_sectors(topic)
        forum, signed_on = self.pick_signing()
        amount, currency = texts.amount(rng)
        amount_phrase = f" с объёмом инвестиций {amount:,.0f} {currency}".replace(",", " ") if amount else ""
        title = texts.title(rng, kind, topic, [p.display_name for p in parties])
        subject = texts.subject(rng, topic, [r.name_ru for r in regions], amount_phrase)
        status = rng.choices(self.statuses, self.status_weights)[0]
        is_published = rng.random() < 0.9
        # A published agreement cites a source (Agreement's agreement_published_has_source); drafts too.
        source_url = f"https://news.example/{PREFIX}agreement-{number}"
        countries = rng.choice(self.country_sets) if rng.random() < 0.15 else []
        roles = [AgreementParty.Role.SIGNATORY] + [rng.choice(ROLES) for _ in range(len(parties) - 1)]
        rows["agreements"].append(
            (
                *(agreement_id, f"{PREFIX}agreement-{number}", kind, title, subject, forum and forum.id),
                *(status, signed_on, None if amount is None else Decimal(amount), currency, source_url, ""),
                is_published,
                *self.search_fields(title, subject, parties),
                *(self.stamp, self.stamp),
            )
        )
        rows["party_links"] += [
            (agreement_id, party.id, role, order)
            for order, (party, role) in enumerate(zip(parties, roles, strict=True))
        ]
        rows["region_links"] += [(agreement_id, region.pk) for region in regions]
        rows["sector_links"] += [(agreement_id, self.sector_ids[code]) for code in sector_codes]
        rows["country_links"] += [(agreement_id, country) for country in countries]
        return agreement_id, status, signed_on

    def pick_parties(self) -> list[DemoParty]:
        """A Kazakh and a Russian party, sometimes a third of any kind, in either order."""
        rng, parties, cum = self.rng, self.parties, self.party_cum
        chosen = [
            rng.choices(parties["KZ"], cum_weights=cum["KZ"])[0],
            rng.choices(parties["RU"], cum_weights=cum["RU"])[0],
        ]
        if rng.random() < 0.35:
            third = rng.choices(parties["all"], cum_weights=cum["all"])[0]
            if third not in chosen:
                chosen.append(third)
        if rng.random() < 0.5:
            chosen[0], chosen[1] = chosen[1], chosen[0]
        return chosen

    def pick_regions(self) -> list[Region]:
        """One region, mostly Kazakh; sometimes a Russian one as well."""
        rng, regions, cum = self.rng, self.regions, self.region_cum
        country = "KZ" if rng.random() < 0.8 else "RU"
        chosen = [rng.choices(regions[country], cum_weights=cum[country])[0]]
        if rng.random() < 0.35:
            second = rng.choices(regions["RU"], cum_weights=cum["RU"])[0]
            if second not in chosen:
                chosen.append(second)
        return chosen

    def pick_sectors(self, topic: tuple) -> list[str]:
        """Mostly the topic's division; sometimes only its section, as a source often allows no more."""
        rng = self.rng
        division, related = topic[7], topic[8]
        codes = [division if rng.random() < 0.9 else self.parent_code[division]]
        if rng.random() < 0.3:
            other = related or rng.choice(SECOND_SECTORS)
            other = other if rng.random() < 0.8 else self.parent_code[other]
            if other not in codes:
                codes.append(other)
        return codes

    def pick_signing(self) -> tuple:
        """The forum (most agreements have one) and the signing date: mostly the forum's, sometimes
        unknown."""
        rng = self.rng
        forum = rng.choices(self.forums, cum_weights=self.forum_cum)[0] if rng.random() < 0.85 else None
        roll = rng.random()
        if roll < 0.08:
            return forum, None
        if forum and roll < 0.75:
            return forum, forum.start_date
        return forum, texts.random_date(rng, self.today)
