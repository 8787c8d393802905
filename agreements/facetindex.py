"""The facet index: which published agreements have which facet value, as bitsets over positions.

Every published agreement gets a bit position, and every facet value (a region, a sector or section,
a country, a kind, a status, a forum, a party's country) a Python int whose set bits are the
agreements that have it; facets.py counts with them. A full build reads every published agreement
and link; after a change, ``updated()`` recomputes only the changed agreements (their ids come from
the change log, indexchanges.py) in a few milliseconds.

Positions follow the listing's default order, so a page of it is the n-th run of set bits of a
filter's bitset. An update keeps an agreement's position while the order still holds there (checked
by the database, whose collation decides); a new agreement, or one whose date or title moved it,
gets a position after all others, and pages touching such positions come from SQL until the next
full build puts them in order (indexbuilds.py starts one once there are many).
"""

import copy
import functools
import hashlib
import operator
from array import array

from django.db.models import BooleanField, ExpressionWrapper, Q

from .countries import implementation_countries
from .filters import DEFAULT_SORT, SORTS, AgreementFilter, CountryLink, RegionLink, SectorLink
from .models import Agreement, AgreementParty, Country, Forum, Region, Sector

FACETS = AgreementFilter.FACETS  # region, sector, country, kind, status, forum
# Also held, though not shown as a facet: "what Russian companies signed" is a common question,
# and in SQL it meant fetching most of the table's ids.
INDEXED = (*FACETS, "party_country")
SCALARS = ("kind", "status", "forum")
# A flag, not the date: converting every date to Python took a twentieth of the build.
UNDATED = ExpressionWrapper(Q(signed_on__isnull=True), output_field=BooleanField())
AGREEMENT_VALUES = ("pk", "kind", "status", "forum_id", UNDATED)


def bitset(positions, size: int) -> int:
    """One int with the given bits set; ORing ints one bit at a time would copy the int each time."""
    buffer = bytearray((size + 7) // 8)
    for position in positions:
        buffer[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(buffer, "little")


def nearest_below(bits: int, position: int) -> int:
    """The highest set bit below ``position``, or -1."""
    return (bits & ((1 << position) - 1)).bit_length() - 1


def nearest_above(bits: int, position: int) -> int:
    """The lowest set bit above ``position``, or -1."""
    above = bits >> (position + 1)
    return (above & -above).bit_length() + position if above else -1


class Positions:
    """Each published agreement's position, looked up by its id: one slot per id up to the highest.

    A dict of 1,000,000 ids was about 100 MB of a worker (the dict and two int objects an entry);
    ids count up from 1 with few gaps, so an array of 4-byte slots is 4 MB and about as quick to read."""

    __slots__ = ("slots",)
    EMPTY = -1

    def __init__(self, pks=(), slots=None):
        if slots is None:
            slots = array("i", [self.EMPTY]) * (max(pks, default=0) + 1)
            for at, pk in enumerate(pks):
                slots[pk] = at
        self.slots = slots

    def get(self, pk: int, default=None):
        at = self.slots[pk] if 0 <= pk < len(self.slots) else self.EMPTY
        return default if at == self.EMPTY else at

    def __getitem__(self, pk: int) -> int:
        at = self.get(pk)
        if at is None:
            raise KeyError(pk)
        return at

    def __contains__(self, pk: int) -> bool:
        return self.get(pk) is not None

    def __len__(self) -> int:
        return sum(1 for at in self.slots if at != self.EMPTY)

    def changed(self, gone, added: dict[int, int]) -> "Positions":
        """A copy without the ``gone`` ids, with ``added`` ones (this one is in use meanwhile)."""
        slots = array("i", self.slots)
        if added and max(added) >= len(slots):
            slots.extend(array("i", [self.EMPTY]) * (max(added) + 1 - len(slots)))
        for pk in gone:
            slots[pk] = self.EMPTY
        for pk, at in added.items():
            slots[pk] = at
        return Positions(slots=slots)


class FacetIndex:
    """Which published agreements have which facet value, as bitsets over their positions."""

    def __init__(self):
        published = Agreement.objects.public().order_by(*SORTS[DEFAULT_SORT]).values_list(*AGREEMENT_VALUES)
        self.pks = array("q")  # by position
        scalars = {name: {} for name in SCALARS}
        undated = array("i")  # no date filter can find these: the listing says how many it leaves out
        for position, (pk, *values, is_undated) in enumerate(published.iterator(chunk_size=20_000)):
            self.pks.append(pk)
            if is_undated:
                undated.append(position)
            for name, value in zip(SCALARS, values, strict=True):
                if value is not None:
                    scalars[name].setdefault(value, array("i")).append(position)
        self.position = Positions(self.pks)
        self.size = len(self.pks)
        self.ordered = self.size  # positions below are in the listing's order; above, added since
        self.generation = 0  # updates since the full build
        # Which order the positions stand for: cached counts page by it only while it is the same,
        # and a rebuild of unchanged data keeps it.
        self.order_token = hashlib.blake2b(self.pks.tobytes(), digest_size=16).hexdigest()
        self.everything = (1 << self.size) - 1
        self.undated = bitset(undated, self.size)
        self.labels: dict[str, dict[str, tuple[str, str]]] = {name: {} for name in INDEXED}
        self.section_of: dict[str, str] = {}
        self.read_reference()
        scalars["forum"] = {self.forum_slug[pk]: positions for pk, positions in scalars["forum"].items()}
        found = {**scalars, **self.read_links(self.position)}
        self.bits = {
            name: {value: bitset(positions, self.size) for value, positions in values.items()}
            for name, values in found.items()
        }
        self.having = self.values_had()

    @property
    def token(self) -> str:
        return f"{self.order_token}.{self.generation}"

    def values_had(self) -> dict[str, int]:
        """The agreements with any value of a facet: a region is known for 6 of 12, say."""
        return {name: functools.reduce(operator.or_, self.bits[name].values(), 0) for name in FACETS}

    def read_reference(self) -> None:
        """Codes, names, the section of each division and forum slugs."""
        self.region_code, self.region_country = {}, {}
        for pk, code, country, *names in Region.objects.values_list(
            "pk", "code", "country_id", "name_ru", "name_en", "name_kk"
        ):
            self.region_code[pk], self.region_country[pk] = code, country
            self.labels["region"][code] = tuple(names)  # (ru, en, kk): models.localized's arguments
        self.sector_codes = {}
        for pk, code, section, *names in Sector.objects.values_list(
            "pk", "code", "parent__code", "name_ru", "name_en", "name_kk"
        ):
            # A division counts under its own code and its section's: the filter's semantics.
            self.sector_codes[pk] = (code, section) if section else (code,)
            self.labels["sector"][code] = tuple(names)
            if section:
                self.section_of[code] = section
        for code, *names in Country.objects.values_list("code", "name_ru", "name_en", "name_kk"):
            self.labels["country"][code] = tuple(names)
        self.forum_slug = {}
        for pk, slug, title in Forum.objects.values_list("pk", "slug", "title"):
            self.forum_slug[pk] = slug
            self.labels["forum"][slug] = (title, title, title)
        for name, choices in (("kind", Agreement.Kind.choices), ("status", Agreement.Status.choices)):
            self.labels[name] = {value: (label, label, label) for value, label in choices}

    def read_links(self, position, only=None) -> dict[str, dict[str, array]]:
        """Positions per region, sector (and section), country of implementation and party country,
        of the agreements in ``position`` (and in ``only``, when given: an update's).

        A country holds the agreements naming it and those in its regions: countries.py's definition,
        which the detail page shows and the filter matches."""
        found = {"region": {}, "sector": {}, "country": {}, "party_country": {}}

        def links(model, *fields):
            rows = model.objects.all() if only is None else model.objects.filter(agreement_id__in=only)
            return rows.values_list("agreement_id", *fields).iterator(chunk_size=20_000)

        for agreement, country in links(AgreementParty, "party__country_id"):
            if country is not None and (at := position.get(agreement)) is not None:
                found["party_country"].setdefault(country, array("i")).append(at)
        named, of_regions = {}, {}
        for agreement, region in links(RegionLink, "region_id"):
            if (at := position.get(agreement)) is not None:
                found["region"].setdefault(self.region_code[region], array("i")).append(at)
                of_regions.setdefault(at, []).append(self.region_country[region])
        for agreement, country in links(CountryLink, "country_id"):
            if (at := position.get(agreement)) is not None:
                named.setdefault(at, []).append(country)
        # Few distinct combinations (KZ regions only, say) recur: the definition is asked once each.
        codes_of = {}
        for at in named.keys() | of_regions.keys():
            key = (tuple(named.get(at, ())), tuple(of_regions.get(at, ())))
            codes = codes_of.get(key)
            if codes is None:
                codes = codes_of[key] = [country.code for country in implementation_countries(*key)]
            for code in codes:
                found["country"].setdefault(code, array("i")).append(at)
        for agreement, sector in links(SectorLink, "sector_id"):
            if (at := position.get(agreement)) is not None:
                for code in self.sector_codes[sector]:
                    found["sector"].setdefault(code, array("i")).append(at)
        return found

    def matching(self, name: str, values) -> int:
        """Agreements having any of the values (one parameter's values are ORed)."""
        result = 0
        for value in values:
            result |= self.bits[name].get(value, 0)
        return result

    def of_ids(self, ids) -> int:
        position = self.position
        return bitset((at for pk in ids if (at := position.get(pk)) is not None), self.size)

    @property
    def added(self) -> int:
        """Positions given since the full build, out of the listing's order."""
        return self.size - self.ordered

    def in_order(self, bits: int) -> bool:
        """Whether the agreements of ``bits`` all stand in the listing's order."""
        return not bits >> self.ordered

    def updated(self, changed: set[int]) -> "FacetIndex":
        """A copy with the changed agreements as the database has them now; this one is untouched
        (requests may be counting with it)."""
        now = Agreement.objects.public().filter(pk__in=changed).values_list(*AGREEMENT_VALUES)
        rows = {pk: values for pk, *values in now}
        old = {pk: self.position[pk] for pk in changed if pk in self.position}
        cleared = bitset(old.values(), self.size)
        present = self.everything & ~cleared
        placed = self.kept_in_place(rows, old, present)
        new = copy.copy(self)
        new.generation += 1
        if len(placed) < len(old) or len(placed) < len(rows):
            added = sorted(pk for pk in rows if pk not in placed)
            new.pks = self.pks + array("q", added)
            placed.update({pk: at for at, pk in enumerate(added, start=self.size)})
            gone = [pk for pk in old if pk not in placed]
            new.position = self.position.changed(gone, {pk: placed[pk] for pk in added})
            new.size = len(new.pks)
        positions = placed.values()
        new.everything = present | bitset(positions, new.size)
        undated = (at for pk, at in placed.items() if rows[pk][-1])
        new.undated = (self.undated & ~cleared) | bitset(undated, new.size)
        new.bits = {name: {v: b & ~cleared for v, b in values.items()} for name, values in self.bits.items()}
        for name, values in self.changed_values(rows, placed).items():
            bits = new.bits[name]
            for value, at in values.items():
                bits[value] = bits.get(value, 0) | bitset(at, new.size)
        new.bits = {name: {v: b for v, b in values.items() if b} for name, values in new.bits.items()}
        new.having = new.values_had()
        return new

    def changed_values(self, rows: dict, placed: dict[int, int]) -> dict[str, dict[str, list[int]]]:
        found = {name: {} for name in SCALARS}
        for pk, values in rows.items():
            for name, value in zip(SCALARS, values[:-1], strict=True):
                if value is not None:
                    value = self.forum_slug[value] if name == "forum" else value
                    found[name].setdefault(value, []).append(placed[pk])
        return {**found, **self.read_links(placed, only=list(placed))}

    def kept_in_place(self, rows: dict, old: dict[int, int], present: int) -> dict[int, int]:
        """The changed, still published agreements whose positions still hold in the listing's order.

        Each one stands between the nearest unchanged agreements below and above it; it keeps its
        position when the database orders it between them, and the changed ones between the same
        two in the order of their positions."""
        candidates = sorted((at, pk) for pk, at in old.items() if pk in rows and at < self.ordered)
        if not candidates:
            return {}
        in_order = present & ((1 << self.ordered) - 1)
        gaps: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for at, pk in candidates:
            gap = (nearest_below(in_order, at), nearest_above(in_order, at))
            gaps.setdefault(gap, []).append((at, pk))
        neighbours = {self.pks[at] for gap in gaps for at in gap if at >= 0}
        asked = neighbours | {pk for _at, pk in candidates}
        ordered = Agreement.objects.public().filter(pk__in=asked).order_by(*SORTS[DEFAULT_SORT])
        rank = {pk: n for n, pk in enumerate(ordered.values_list("pk", flat=True))}
        kept = {}
        for (below, above), members in gaps.items():
            low = rank.get(self.pks[below]) if below >= 0 else -1
            high = rank.get(self.pks[above]) if above >= 0 else len(rank)
            ranks = [rank.get(pk) for _at, pk in members]
            if low is None or high is None or None in ranks:
                continue  # an unchanged neighbour changed after all: placed anew
            if low < ranks[0] and ranks[-1] < high and ranks == sorted(ranks):
                kept.update({pk: at for at, pk in members})
        return kept
