"""The region map: one equal tile per first-level region of Kazakhstan and Russia, as plain data.

A tile grid (the way newsrooms draw state maps) needs no boundary data, so there is no licence to
honour and every region, Moscow as much as Yakutia, is equally visible and clickable. The layout is
``reference/tile_map.csv`` (code → row, column, short label), drawn by hand for this project;
``test_region_map.py`` holds it to exactly the regions of the reference data. A region the database
has and the layout lacks is still listed under the map (``unplaced``), never dropped.

The counts are the region facet's, so the map says what the sidebar says: each region's agreements
under every *other* active filter.
"""

import csv
import functools
import math
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from markupsafe import Markup, escape

from agreements.public import querystrings

LAYOUT_FILE = Path(__file__).resolve().parent.parent / "reference" / "tile_map.csv"
TILE = 30  # px: the tile's pitch in the SVG's own units
GAP = 3
# Colour classes above "none": sequential single-hue (ColorBrewer Blues), told apart by lightness,
# which every kind of colour-blindness keeps; the legend names each class's range.
CLASSES = 4
# Where the countries' names are written: empty cells of the grid.
COUNTRY_LABELS = (("RU", 0, 8), ("KZ", 10, 8))


def svg_number(value: float) -> str:
    """A coordinate as SVG reads it: templates would localize a float («73,5», a list of two)."""
    return f"{value:g}"


@dataclass(frozen=True)
class Place:
    code: str
    row: int
    col: int
    label: str


@functools.cache
def layout() -> dict[str, Place]:
    with LAYOUT_FILE.open(encoding="utf-8", newline="") as file:
        return {
            row["code"]: Place(row["code"], int(row["row"]), int(row["col"]), row["label"])
            for row in csv.DictReader(file)
        }


def class_floors(maximum: int) -> list[int]:
    """The lowest count of each colour class 1..CLASSES: roughly geometric steps up to the maximum,
    since a few regions (the capitals, the border oblasts) hold most agreements. Fewer classes when
    the counts are small: never two classes for the same numbers."""
    if maximum <= 0:
        return []
    floors = []
    for step in range(CLASSES):
        floor = max(1, math.ceil(maximum ** (step / CLASSES)))
        if not floors or floor > floors[-1]:
            floors.append(floor)
    return floors


def class_of(count: int, floors: list[int]) -> int:
    found = 0
    for number, floor in enumerate(floors, start=1):
        if count >= floor:
            found = number
    return found


def legend(floors: list[int], maximum: int) -> list[dict]:
    items = [{"css": "c0", "label": _("нет соглашений")}]
    for number, floor in enumerate(floors, start=1):
        top = floors[number] - 1 if number < len(floors) else maximum
        label = str(floor) if floor == top else f"{floor}–{top}"
        items.append({"css": f"c{number}", "label": label})
    return items


def tile_title(name: str, count: int) -> str:
    return ngettext("%(name)s: %(count)s соглашение", "%(name)s: %(count)s соглашений", count) % {
        "name": name,
        "count": count,
    }


def region_url(list_url: str, filters: dict, code: str) -> str:
    """The listing of this region under the other active filters (a region chosen replaces the
    regions chosen before: on a map one clicks *a* place)."""
    return list_url + querystrings.encode({**filters, "region": [code]})


def region_map(counts: dict[str, int], names: dict[str, str], filters: dict, list_url: str) -> dict:
    """Tiles, legend and the regions with no tile, for ``_region_map.html``.

    ``names`` is every region the database holds (code → name), ``counts`` the facet's counts."""
    places = layout()
    maximum = max(counts.values(), default=0)
    floors = class_floors(maximum)
    selected = set(filters.get("region", []))

    def entry(code):
        count = counts.get(code, 0)
        return {
            "code": code,
            "name": names[code],
            "count": count,
            "title": tile_title(names[code], count),
            "url": region_url(list_url, filters, code),
            "css": f"c{class_of(count, floors)}",
            "selected": code in selected,
        }

    tiles = []
    for code in sorted(names, key=lambda c: (places[c].row, places[c].col) if c in places else (0, 0)):
        if code not in places:
            continue
        place = places[code]
        tiles.append(
            {
                **entry(code),
                "label": place.label,
                "country": code.split("-")[0].lower(),
                "x": svg_number(place.col * TILE),
                "y": svg_number(place.row * TILE),
                "text_x": svg_number(place.col * TILE + (TILE - GAP) / 2),
                "text_y": svg_number(place.row * TILE + (TILE - GAP) / 2 + 3),
            }
        )
    rows = max((p.row for p in places.values()), default=0) + 1
    cols = max((p.col for p in places.values()), default=0) + 1
    country_names = {"RU": _("Россия"), "KZ": _("Казахстан")}
    return {
        "tiles": tiles,
        "tiles_svg": tiles_svg(tiles),
        "size": TILE - GAP,
        "width": cols * TILE,
        "height": rows * TILE,
        "legend": legend(floors, maximum),
        "unplaced": [entry(code) for code in sorted(names) if code not in places],
        "countries": [
            {
                "name": country_names[code],
                "x": svg_number(col * TILE),
                "y": svg_number(row * TILE + TILE / 2 + 4),
            }
            for code, row, col in COUNTRY_LABELS
        ],
        "total_regions": len(names),
    }


TILE_SVG = (
    '<a href="{}" class="tile tile-{} {}{}" data-region="{}" data-count="{}" aria-label="{}"{}>'
    '<title>{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="{}"/>'
    '<text x="{}" y="{}" text-anchor="middle" aria-hidden="true">{}</text></a>'
)
CURRENT = Markup(' aria-current="true"')


def tiles_svg(tiles: list[dict]) -> Markup:
    """The tiles' SVG, its values escaped by MarkupSafe (Jinja2's, in C): drawn in Python because a
    template loop over 103 tiles took ~20 ms of a cold listing page and Django's format_html ~10 ms
    (bench/RESULTS.md, "Overview" and #17), this ~1 ms."""
    # Every value is escaped; the markup around them is this module's constant.
    return Markup("\n".join(TILE_SVG.format(*map(escape, tile_values(t))) for t in tiles))  # noqa: S704


def tile_values(t: dict) -> tuple:
    return (
        t["url"],
        t["country"],
        t["css"],
        " selected" if t["selected"] else "",
        t["code"],
        t["count"],
        t["title"],
        CURRENT if t["selected"] else "",
        t["title"],
        t["x"],
        t["y"],
        TILE - GAP,
        TILE - GAP,
        7 if t["country"] == "kz" else 1,
        t["text_x"],
        t["text_y"],
        t["label"],
    )
