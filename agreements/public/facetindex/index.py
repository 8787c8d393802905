"""The facet index: which published agreements have which facet value, as bitmaps over positions.

Every published agreement gets a bit position, and every facet value (a region, a sector or section,
a country, a kind, a status, a forum, a party's country) a compressed bitmap (pyroaring) of the
agreements that have it; listing/facets.py counts with them. A full build reads every published agreement
and link; after a change, ``updated()`` recomputes only the changed agreements (their ids come from
the change log, facetindex/changes.py) in a few milliseconds.

Roaring bitmaps rather than Python ints: at 1,000,000 agreements an int is 125 KB whatever it holds,
and ``(a & b).bit_count()`` took 130 µs; a roaring bitmap keeps a sparse value (most regions and
sectors) in a few KB, and counts an intersection without building it in 3–35 µs (bench/RESULTS.md).

Positions follow the listing's default order, so a page of it is the n-th run of set bits of a
filter's bitmap. An update keeps an agreement's position while the order still holds there (checked
by the database, whose collation decides); a new agreement, or one whose date or title moved it,
gets a position after all others, and pages touching such positions come from SQL until the next
full build puts them in order (facetindex/builds.py starts one once there are many).
"""

import copy
import hashlib
import time
from array import array
from operator import itemgetter

from django.db.models import BooleanField, ExpressionWrapper, Q
from pyroaring import FrozenBitMap as Bits

from agreements.backend import IdsOf, fetched_meanwhile, ordered_ids
from agreements.models import Agreement, AgreementParty, Country, Forum, Region, Sector
from agreements.public.filters import (
    DEFAULT_SORT,
    SORTS,
    AgreementFilter,
    CountryLink,
    RegionLink,
    SectorLink,
)

FACETS = AgreementFilter.FACETS  # region, sector, country, kind, status, forum
# Also held, though not shown as a facet: "what Russian companies signed" is a common question,
# and in SQL it meant fetching most of the table's ids.
INDEXED = (*FACETS, "party_country")
SCALARS = ("kind", "status", "forum")
# A flag, not the date: converting every date to Python took a twentieth of the build.
UNDATED = ExpressionWrapper(Q(signed_on__isnull=True), output_field=BooleanField())
AGREEMENT_VALUES = ("pk", "kind", "status", "forum_id", UNDATED)


EMPTY = Bits()
# The links the index holds, by the facet they count for (the party's country: its parties').
LINKS = {
    "party_country": (AgreementParty, "party__country_id"),  # the slowest: first when run side by side
    "region": (RegionLink, "region_id"),
    "sector": (SectorLink, "sector_id"),
    "country": (CountryLink, "country_id"),
}


def link_groups(only=None) -> dict:
    """Per facet, a query of one row per value: the value and the ids of its agreements (all of
    them, or those in ``only``: an update's)."""

    def grouped(model, field):
        rows = model.objects.all() if only is None else model.objects.filter(agreement_id__in=only)
        return rows.values_list(field).annotate(ids=IdsOf("agreement_id")).order_by()

    return {name: grouped(*spec) for name, spec in LINKS.items()}


def compact(row: tuple) -> tuple:
    """A grouped row with its ids in an array as it arrives: a list holds 36 bytes an id, and a
    full build's 6,000,000 ids held at once left the worker 60 MB larger for good."""
    *values, ids = row
    return (*values, array("q", ids))


def scalar_groups(published):
    """Kind, status, forum and whether undated, with the ids having them: a row per combination of
    values, a few thousand (from the order index alone on PostgreSQL, migration 0019)."""
    return published.values_list(*AGREEMENT_VALUES[1:]).annotate(ids=IdsOf("pk")).order_by()


def pks_token(pks: array) -> str:
    return hashlib.blake2b(pks.tobytes(), digest_size=16).hexdigest()


def bitset(positions) -> Bits:
    """The bitmap of these positions (an ``array("I")`` is read as a buffer, without a loop)."""
    if not isinstance(positions, array) or positions.typecode != "I":
        positions = array("I", positions)
    return Bits(positions)


def union(bitmaps) -> Bits:
    return EMPTY.union(*bitmaps)


def nearest_below(bits: Bits, position: int) -> int:
    """The highest set bit below ``position``, or -1."""
    below = bits.rank(position - 1) if position > 0 else 0  # how many are <= position - 1
    return bits[below - 1] if below else -1


def nearest_above(bits: Bits, position: int) -> int:
    """The lowest set bit above ``position``, or -1."""
    upto = bits.rank(position)
    return bits[upto] if upto < len(bits) else -1


class Positions:
    """Each published agreement's position, looked up by its id: one slot per id up to the highest.

    A dict of 1,000,000 ids was about 100 MB of a worker (the dict and two int objects an entry);
    ids count up from 1 with few gaps, so an array of 4-byte slots is 4 MB and about as quick to read."""

    __slots__ = ("slots",)
    EMPTY = 0xFFFFFFFF  # no position: the highest unsigned 4-byte value
    NONE = Bits([EMPTY])

    def __init__(self, pks=(), slots=None):
        if slots is None:
            slots = array("I", [self.EMPTY]) * (max(pks, default=0) + 1)
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

    def bits_of(self, ids: list[int]) -> Bits:
        """The bitmap of the positions of ``ids`` that have one. The slots are read by ``itemgetter``
        in C: a full build maps 5,700,000 ids at 1,000,000 agreements."""
        if not ids:
            return EMPTY
        bits = Bits(array("I", self.slots_of(ids)))
        return bits - self.NONE if self.EMPTY in bits else bits

    def among(self, ids, bits: Bits) -> list[int]:
        """Those of ``ids`` whose positions are in ``bits``, in the order of ``ids``."""
        if not len(ids):
            return []
        contains = bits.__contains__
        return [pk for pk, at in zip(ids, self.slots_of(ids), strict=True) if contains(at)]

    def slots_of(self, ids) -> tuple | list:
        slots = self.slots
        try:
            return itemgetter(*ids)(slots) if len(ids) > 1 else (slots[ids[0]],)
        except IndexError:  # an agreement added after the positions were taken
            return [slots[pk] if pk < len(slots) else self.EMPTY for pk in ids]

    def __len__(self) -> int:
        return sum(1 for at in self.slots if at != self.EMPTY)

    def changed(self, gone, added: dict[int, int]) -> "Positions":
        """A copy without the ``gone`` ids, with ``added`` ones (this one is in use meanwhile)."""
        slots = array("I", self.slots)
        if added and max(added) >= len(slots):
            slots.extend(array("I", [self.EMPTY]) * (max(added) + 1 - len(slots)))
        for pk in gone:
            slots[pk] = self.EMPTY
        for pk, at in added.items():
            slots[pk] = at
        return Positions(slots=slots)


class FacetIndex:
    """Which published agreements have which facet value, as bitsets over their positions."""

    def __init__(self):
        published = Agreement.objects.public()
        # The grouped queries run meanwhile on connections of their own, the slowest first (PostgreSQL;
        # backend.fetched_meanwhile): a worker building at start is ready seconds sooner.
        groups = fetched_meanwhile({**link_groups(), "scalars": scalar_groups(published)}, each=compact)
        # One id after another, in the listing's order: 8 bytes a row, however many agreements.
        ordered = published.order_by(*SORTS[DEFAULT_SORT]).values_list("pk", flat=True)
        self.pks = array("q", ordered_ids(ordered))  # by position
        self.position = Positions(self.pks)
        self.size = len(self.pks)
        self.ordered = self.size  # positions below are in the listing's order; above, added since
        self.built_at = time.time()  # wall-clock: a snapshot is loaded by other processes
        self.order_token = pks_token(self.pks)
        self.generation = 0  # updates since the full build
        self.everything = Bits(range(self.size))
        self.labels: dict[str, dict[str, tuple[str, str]]] = {name: {} for name in INDEXED}
        self.section_of: dict[str, str] = {}
        self.read_reference()
        scalars, self.undated = self.read_scalars(groups.pop("scalars")())
        links = self.read_links(self.position, {name: rows() for name, rows in groups.items()})
        self.bits = {**scalars, **links}
        self.having = self.values_had()

    @property
    def token(self) -> str:
        """Which id each position stands for: cached counts page by it only while it is the same.
        It follows from the positions alone, so every worker (and a rebuild of unchanged data)
        agrees on it: counts shared through Redis page from whichever worker's index."""
        return self.order_token

    def values_had(self) -> dict[str, Bits]:
        """The agreements with any value of a facet: a region is known for 6 of 12, say."""
        return {name: union(self.bits[name].values()) for name in FACETS}

    def read_reference(self) -> None:
        """Codes, names, the section of each division and forum slugs."""
        self.region_code, self.region_country = {}, {}
        for pk, code, country, *names in Region.objects.values_list(
            "pk", "code", "country_id", "name_ru", "name_en", "name_kk"
        ):
            self.region_code[pk], self.region_country[code] = code, country
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

    @staticmethod
    def positions_of(ids, position) -> Bits:
        """The bitmap of the published agreements among ``ids`` (others have no position)."""
        if isinstance(position, Positions):  # a full build's millions of ids
            return position.bits_of(ids)
        return bitset(at for pk in ids if (at := position.get(pk)) is not None)

    def read_scalars(self, rows) -> tuple[dict[str, dict[str, Bits]], Bits]:
        """Kind, status and forum of the published agreements, and which have no date (no date
        filter can find those: the listing says how many one leaves out), from scalar_groups()'s
        rows."""
        found = {name: {} for name in SCALARS}
        undated = []
        for *values, is_undated, ids in rows:
            bits = self.positions_of(ids, self.position)
            for name, value in zip(SCALARS, values, strict=True):
                if value is not None:
                    found[name].setdefault(value, []).append(bits)
            if is_undated:
                undated.append(bits)
        scalars = {
            name: {value: union(parts) for value, parts in values.items()} for name, values in found.items()
        }
        scalars["forum"] = {self.forum_slug[pk]: bits for pk, bits in scalars["forum"].items()}
        return scalars, union(undated)

    def read_links(self, position, groups: dict[str, list]) -> dict[str, dict[str, Bits]]:
        """Bitmaps per region, sector (and section), country of implementation and party country,
        of the agreements in ``position``, from link_groups()'s rows."""

        def grouped(name):
            rows = groups[name]
            return {value: self.positions_of(ids, position) for value, ids in rows if value is not None}

        found = {"party_country": grouped("party_country")}
        found["region"] = {self.region_code[pk]: bits for pk, bits in grouped("region").items()}
        found["country"] = self.countries_of_implementation(grouped("country"), found["region"])
        sectors = {}
        for pk, bits in grouped("sector").items():
            # A division counts under its own code and its section's: the filter's semantics.
            for code in self.sector_codes[pk]:
                sectors.setdefault(code, []).append(bits)
        found["sector"] = {code: union(bitmaps) for code, bitmaps in sectors.items()}
        return found

    def countries_of_implementation(
        self, named: dict[str, Bits], regions: dict[str, Bits]
    ) -> dict[str, Bits]:
        """countries.py's definition: an agreement is implemented in the countries it names and in
        those of its regions (the detail page and the filter take the same union)."""
        found = {code: [bits] for code, bits in named.items()}
        for code, bits in regions.items():
            found.setdefault(self.region_country[code], []).append(bits)
        return {code: union(bitmaps) for code, bitmaps in found.items()}

    def matching(self, name: str, values) -> Bits:
        """Agreements having any of the values (one parameter's values are ORed)."""
        return union(self.bits[name].get(value, EMPTY) for value in values)

    def count(self, name: str, value: str) -> int:
        """Published agreements with this value (a forum's, a region's)."""
        return len(self.bits[name].get(value, EMPTY))

    def of_ids(self, ids) -> Bits:
        """The positions of the published agreements among ``ids`` (a search's 63,707 matches at
        1,000,000 agreements: 10 ms, 40 looked up one by one)."""
        return self.position.bits_of(ids if isinstance(ids, list | array) else list(ids))

    @property
    def added(self) -> int:
        """Positions given since the full build, out of the listing's order."""
        return self.size - self.ordered

    def in_order(self, bits: Bits) -> bool:
        """Whether the agreements of ``bits`` all stand in the listing's order."""
        return not bits or bits.max() < self.ordered

    def updated(self, changed: set[int]) -> "FacetIndex":
        """A copy with the changed agreements as the database has them now; this one is untouched
        (requests may be counting with it)."""
        now = Agreement.objects.public().filter(pk__in=changed).values_list(*AGREEMENT_VALUES)
        rows = {pk: values for pk, *values in now}
        old = {pk: self.position[pk] for pk in changed if pk in self.position}
        cleared = bitset(old.values())
        present = self.everything - cleared
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
            new.order_token = pks_token(new.pks)
        new.everything = present | bitset(placed.values())
        undated = (at for pk, at in placed.items() if rows[pk][-1])
        new.undated = (self.undated - cleared) | bitset(undated)
        # Only the values the changed agreements had are copied: an edit touches a dozen bitmaps
        # of the index's hundreds.
        new.bits = {
            name: {v: (b - cleared) if b.intersect(cleared) else b for v, b in values.items()}
            for name, values in self.bits.items()
        }
        for name, values in self.changed_values(rows, placed).items():
            bits = new.bits[name]
            for value, added_bits in values.items():
                bits[value] = bits.get(value, EMPTY) | added_bits
        new.bits = {name: {v: b for v, b in values.items() if b} for name, values in new.bits.items()}
        new.having = new.values_had()
        return new

    def changed_values(self, rows: dict, placed: dict[int, int]) -> dict[str, dict[str, Bits]]:
        found = {name: {} for name in SCALARS}
        for pk, values in rows.items():
            for name, value in zip(SCALARS, values[:-1], strict=True):
                if value is not None:
                    value = self.forum_slug[value] if name == "forum" else value
                    found[name].setdefault(value, []).append(placed[pk])
        scalars = {
            name: {value: bitset(at) for value, at in values.items()} for name, values in found.items()
        }
        groups = {name: list(rows) for name, rows in link_groups(only=list(placed)).items()}
        return {**scalars, **self.read_links(placed, groups)}

    def kept_in_place(self, rows: dict, old: dict[int, int], present: Bits) -> dict[int, int]:
        """The changed, still published agreements whose positions still hold in the listing's order.

        Each one stands between the nearest unchanged agreements below and above it; it keeps its
        position when the database orders it between them, and the changed ones between the same
        two in the order of their positions."""
        candidates = sorted((at, pk) for pk, at in old.items() if pk in rows and at < self.ordered)
        if not candidates:
            return {}
        in_order = present & Bits(range(self.ordered))
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
