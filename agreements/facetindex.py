"""The facet index: which published agreements have which facet value, as bitmaps over positions.

Every published agreement gets a bit position, and every facet value (a region, a sector or section,
a country, a kind, a status, a forum, a party's country) a compressed bitmap (pyroaring) of the
agreements that have it; facets.py counts with them. A full build reads every published agreement
and link; after a change, ``updated()`` recomputes only the changed agreements (their ids come from
the change log, indexchanges.py) in a few milliseconds.

Roaring bitmaps rather than Python ints: at 1,000,000 agreements an int is 125 KB whatever it holds,
and ``(a & b).bit_count()`` took 130 µs; a roaring bitmap keeps a sparse value (most regions and
sectors) in a few KB, and counts an intersection without building it in 3–35 µs (bench/RESULTS.md).

Positions follow the listing's default order, so a page of it is the n-th run of set bits of a
filter's bitmap. An update keeps an agreement's position while the order still holds there (checked
by the database, whose collation decides); a new agreement, or one whose date or title moved it,
gets a position after all others, and pages touching such positions come from SQL until the next
full build puts them in order (indexbuilds.py starts one once there are many).
"""

import copy
import hashlib
from array import array

from django.db.models import BooleanField, ExpressionWrapper, Q
from pyroaring import FrozenBitMap as Bits

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


EMPTY = Bits()


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
        undated = array("I")  # no date filter can find these: the listing says how many it leaves out
        for position, (pk, *values, is_undated) in enumerate(published.iterator(chunk_size=20_000)):
            self.pks.append(pk)
            if is_undated:
                undated.append(position)
            for name, value in zip(SCALARS, values, strict=True):
                if value is not None:
                    scalars[name].setdefault(value, array("I")).append(position)
        self.position = Positions(self.pks)
        self.size = len(self.pks)
        self.ordered = self.size  # positions below are in the listing's order; above, added since
        self.generation = 0  # updates since the full build
        # Which order the positions stand for: cached counts page by it only while it is the same,
        # and a rebuild of unchanged data keeps it.
        self.order_token = hashlib.blake2b(self.pks.tobytes(), digest_size=16).hexdigest()
        self.everything = Bits(range(self.size))
        self.undated = bitset(undated)
        self.labels: dict[str, dict[str, tuple[str, str]]] = {name: {} for name in INDEXED}
        self.section_of: dict[str, str] = {}
        self.read_reference()
        scalars["forum"] = {self.forum_slug[pk]: positions for pk, positions in scalars["forum"].items()}
        found = {**scalars, **self.read_links(self.position)}
        self.bits = {
            name: {value: bitset(positions) for value, positions in values.items()}
            for name, values in found.items()
        }
        self.having = self.values_had()

    @property
    def token(self) -> str:
        return f"{self.order_token}.{self.generation}"

    def values_had(self) -> dict[str, Bits]:
        """The agreements with any value of a facet: a region is known for 6 of 12, say."""
        return {name: union(self.bits[name].values()) for name in FACETS}

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
                found["party_country"].setdefault(country, array("I")).append(at)
        named, of_regions = {}, {}
        for agreement, region in links(RegionLink, "region_id"):
            if (at := position.get(agreement)) is not None:
                found["region"].setdefault(self.region_code[region], array("I")).append(at)
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
                found["country"].setdefault(code, array("I")).append(at)
        for agreement, sector in links(SectorLink, "sector_id"):
            if (at := position.get(agreement)) is not None:
                for code in self.sector_codes[sector]:
                    found["sector"].setdefault(code, array("I")).append(at)
        return found

    def matching(self, name: str, values) -> Bits:
        """Agreements having any of the values (one parameter's values are ORed)."""
        return union(self.bits[name].get(value, EMPTY) for value in values)

    def count(self, name: str, value: str) -> int:
        """Published agreements with this value (a forum's, a region's)."""
        return len(self.bits[name].get(value, EMPTY))

    def of_ids(self, ids) -> Bits:
        position = self.position
        return bitset(at for pk in ids if (at := position.get(pk)) is not None)

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
            for value, at in values.items():
                bits[value] = bits.get(value, EMPTY) | bitset(at)
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
