"""Map geometry: county and state shapes from the npm package us-atlas.

us-atlas 3.0.1 (installed by ``make install`` with npm into ``node_modules/``,
never committed) ships the Census Bureau's 2017 cartographic boundaries as
TopoJSON. The site draws ``counties-albers-10m.json`` and
``states-albers-10m.json``: already projected (Albers USA, 975x610, with
Alaska and Hawaii insets), so the browser needs only topojson-client and
d3-geo's ``geoPath()`` with no projection.

The shapes are 2017 counties, the data are today's: Connecticut's 2022
planning regions and Alaska's 2019 Chugach / Copper River split have no shape
of their own, and the Albers file has no Puerto Rico or island areas.
``crosswalk_to_map`` says which shape stands for such a county and
``join_report`` lists every data county that does not join, with the reason.

Everything here reads the TopoJSON as plain JSON (``objects.<name>.geometries
[*].id``): no JavaScript runtime is needed.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tidewatch.places.reference import county_index

ATLAS_VERSION = "3.0.1"  # pinned in package.json; the facts below are for it
COUNTIES_ALBERS = "counties-albers-10m.json"
STATES_ALBERS = "states-albers-10m.json"
COUNTIES_UNPROJECTED = "counties-10m.json"  # also has PR and the island areas

# The browser scripts the map needs, as (npm package, file in it), in load order:
# d3-geo's UMD build expects d3-array's functions on the global ``d3``.
BROWSER_SCRIPTS = (
    ("topojson-client", "dist/topojson-client.min.js"),
    ("d3-array", "dist/d3-array.min.js"),
    ("d3-geo", "dist/d3-geo.min.js"),
)

# State FIPS codes of the territories (none of them is in the Albers file).
TERRITORIES = {
    "60": "American Samoa",
    "66": "Guam",
    "69": "Northern Mariana Islands",
    "72": "Puerto Rico",
    "78": "U.S. Virgin Islands",
}

CT_REASON = (
    "Connecticut's 2022 planning regions are not in us-atlas 3 (2017 counties); "
    "shown on the old county that holds most of the region"
)
NOT_IN_ATLAS = "not in us-atlas 3 (Census 2017 counties)"

# Data county -> (the us-atlas 3 shape that stands for it, why). Only
# published Census changes where one 2017 shape holds the whole county, or
# (Connecticut) most of it.
CROSSWALK: dict[str, tuple[str, str]] = {
    # Connecticut's 9 planning regions (county-equivalents since 2022) -> the old
    # county holding most of the region, from the Census Bureau's town
    # composition of the regions (planning region <-> county relationship).
    # Checked by population: the FBI LEE 2025 table
    # (../shared/data/reference/fbi_lee_latest.csv) gives each CT town agency's
    # planning region; summing their populations by old county (the town's
    # county from the USPS data) gives the same majority county for all nine.
    "09110": ("09003", CT_REASON),  # Capitol -> Hartford (rest: Tolland towns)
    "09120": ("09001", CT_REASON),  # Greater Bridgeport -> Fairfield (all of it)
    # Lower Connecticut River Valley -> Middlesex (+ Lyme, Old Lyme: New London)
    "09130": ("09007", CT_REASON),
    # Naugatuck Valley -> New Haven (Waterbury ...; + towns of Fairfield,
    # Hartford and Litchfield counties)
    "09140": ("09009", CT_REASON),
    "09150": ("09015", CT_REASON),  # Northeastern Connecticut -> Windham
    "09160": ("09005", CT_REASON),  # Northwest Hills -> Litchfield
    "09170": ("09009", CT_REASON),  # South Central Connecticut -> New Haven (all)
    "09180": ("09011", CT_REASON),  # Southeastern Connecticut -> New London
    "09190": ("09001", CT_REASON),  # Western Connecticut -> Fairfield
    # Alaska: Valdez-Cordova Census Area (02261) was split in 2019 into these two;
    # each lies wholly inside the 2017 shape.
    "02063": (
        "02261",
        "Chugach Census Area (2019, from Valdez-Cordova) is not in us-atlas 3 "
        "(2017 counties); shown on 02261 Valdez-Cordova, which held all of it",
    ),
    "02066": (
        "02261",
        "Copper River Census Area (2019, from Valdez-Cordova) is not in us-atlas 3 "
        "(2017 counties); shown on 02261 Valdez-Cordova, which held all of it",
    ),
    # Older codes still in the county reference (it keeps the 2000-2015 Census
    # tables so old names resolve): renamed, or absorbed whole by one county.
    "02270": (
        "02158",
        "Wade Hampton Census Area was renamed Kusilvak Census Area (02158) in 2015",
    ),
    "46113": (
        "46102",
        "Shannon County was renamed Oglala Lakota County (46102) in 2015",
    ),
    "51515": (
        "51019",
        "Bedford city joined Bedford County (51019) in 2013",
    ),
    "51560": (
        "51005",
        "Clifton Forge city joined Alleghany County (51005) in 2001",
    ),
}

# Older codes whose area was split between several 2017 shapes: no single shape
# stands for them, so crosswalk_to_map returns None (not guessed).
SPLIT: dict[str, str] = {
    "02201": "Prince of Wales-Outer Ketchikan Census Area was split in 2008 "
    "(Prince of Wales-Hyder 02198, Ketchikan Gateway 02130, ...); " + NOT_IN_ATLAS,
    "02232": "Skagway-Hoonah-Angoon Census Area was split in 2007 "
    "(Skagway 02230, Hoonah-Angoon 02105); " + NOT_IN_ATLAS,
    "02280": "Wrangell-Petersburg Census Area was split in 2008 "
    "(Wrangell 02275, Petersburg 02195, ...); " + NOT_IN_ATLAS,
}


class AtlasNotInstalled(FileNotFoundError):
    """node_modules/us-atlas (or a browser script package) is missing."""


def repo_root() -> Path:
    """The checkout this module runs from (installed editable by make install)."""
    return Path(__file__).resolve().parents[3]


def atlas_dir() -> Path:
    """Where npm installs us-atlas: ``<repo>/node_modules/us-atlas``."""
    return repo_root() / "node_modules" / "us-atlas"


def _require(folder: Path, what: str) -> Path:
    if not folder.is_dir():
        raise AtlasNotInstalled(
            f"{what} is not installed: {folder} is missing; run make install "
            "(it runs npm ci, which installs the map packages from package-lock.json)"
        )
    return folder


@cache
def _ids(path: Path, mtime_ns: int, obj: str) -> tuple[str, ...]:
    with path.open(encoding="utf-8") as handle:
        topology = json.load(handle)
    return tuple(str(g["id"]) for g in topology["objects"][obj]["geometries"])


@dataclass(frozen=True)
class MapFiles:
    """The us-atlas files in one folder (default: ``atlas_dir()``)."""

    folder: Path = field(default_factory=atlas_dir)

    def __post_init__(self) -> None:
        _require(self.folder, "us-atlas")

    @property
    def counties_albers(self) -> Path:
        return self.folder / COUNTIES_ALBERS

    @property
    def states_albers(self) -> Path:
        return self.folder / STATES_ALBERS

    @property
    def counties_unprojected(self) -> Path:
        return self.folder / COUNTIES_UNPROJECTED

    def version(self) -> str:
        package = json.loads((self.folder / "package.json").read_text("utf-8"))
        return str(package["version"])

    def ids(self, path: Path, obj: str) -> tuple[str, ...]:
        """The ``id`` of every geometry of ``objects.<obj>``, in file order."""
        return _ids(path, path.stat().st_mtime_ns, obj)

    def county_ids(self) -> frozenset[str]:
        """5-digit FIPS of every county shape on the (Albers) map."""
        return frozenset(self.ids(self.counties_albers, "counties"))

    def state_ids(self) -> frozenset[str]:
        """2-digit FIPS of every state shape on the (Albers) map."""
        return frozenset(self.ids(self.states_albers, "states"))

    def unprojected_county_ids(self) -> frozenset[str]:
        """County shapes of counties-10m.json (with PR and the island areas)."""
        return frozenset(self.ids(self.counties_unprojected, "counties"))


def crosswalk_to_map(
    fips: str, files: MapFiles | None = None, shapes: Collection[str] | None = None
) -> str | None:
    """The id of the map shape that stands for data county ``fips``, or None.

    The county's own shape when it has one; for a county that is newer or
    older than us-atlas's 2017 shapes, the shape in ``CROSSWALK`` (Connecticut
    planning region -> its main old county; Chugach, Copper River -> 02261
    Valdez-Cordova; renamed or absorbed counties); else None (territories,
    split areas, unknown codes). ``shapes``: the county shape ids, when the
    caller has them already (the pages ask for every county).
    """
    if shapes is None:
        shapes = (files or MapFiles()).county_ids()
    if fips in shapes:
        return fips
    target = CROSSWALK.get(fips)
    if target is not None and target[0] in shapes:
        return target[0]
    return None


@dataclass(frozen=True)
class Unjoined:
    """A data county without a shape of its own."""

    fips: str
    name: str  # the county reference's name, "" if the code is unknown
    reason: str
    map_id: str | None = None  # the shape that stands for it, if any

    def line(self) -> str:
        shown = f" -> {self.map_id}" if self.map_id else ""
        name = f" {self.name}" if self.name else ""
        return f"{self.fips}{name}{shown}: {self.reason}"


@dataclass(frozen=True)
class JoinReport:
    joined: tuple[str, ...]  # data counties with a shape of the same id
    crosswalked: tuple[Unjoined, ...]  # shown on another shape (CROSSWALK)
    territories: tuple[Unjoined, ...]  # PR and the island areas: no Albers shape
    missing: tuple[Unjoined, ...]  # states + DC, no shape and no crosswalk
    unknown_shapes: tuple[str, ...]  # shape ids the county reference lacks

    @property
    def ok(self) -> bool:
        """Every county of the 50 states + DC is on the map; every shape known."""
        return not self.missing and not self.unknown_shapes

    def lines(self) -> list[str]:
        out = [f"joined: {len(self.joined)} counties"]
        for title, rows in (
            ("shown on another shape", self.crosswalked),
            ("territory, not on the Albers map", self.territories),
            ("no shape", self.missing),
        ):
            out += [f"{title}: {row.line()}" for row in rows]
        out += [
            f"shape not in the county reference: {fips}" for fips in self.unknown_shapes
        ]
        return out


def join_report(data_fips: Iterable[str], files: MapFiles | None = None) -> JoinReport:
    """How the county FIPS codes of the data join the Albers county shapes."""
    files = files or MapFiles()
    shapes = files.county_ids()
    counties = county_index().counties
    unprojected = files.unprojected_county_ids()
    joined: list[str] = []
    crosswalked: list[Unjoined] = []
    territories: list[Unjoined] = []
    missing: list[Unjoined] = []
    for fips in sorted(set(data_fips)):
        if fips in shapes:
            joined.append(fips)
            continue
        county = counties.get(fips)
        name = county.name if county else ""
        if fips in CROSSWALK:
            map_id, reason = CROSSWALK[fips]
            crosswalked.append(Unjoined(fips, name, reason, map_id))
        elif fips[:2] in TERRITORIES:
            where = (
                "its shape is only in counties-10m.json (unprojected)"
                if fips in unprojected
                else "no us-atlas shape"
            )
            reason = f"{TERRITORIES[fips[:2]]} is not in the Albers map; {where}"
            territories.append(Unjoined(fips, name, reason))
        elif fips in SPLIT:
            missing.append(Unjoined(fips, name, SPLIT[fips]))
        elif county is None:
            missing.append(Unjoined(fips, name, "not a county in the county reference"))
        else:
            missing.append(Unjoined(fips, name, NOT_IN_ATLAS))
    unknown = tuple(sorted(shapes - counties.keys()))
    return JoinReport(
        tuple(joined), tuple(crosswalked), tuple(territories), tuple(missing), unknown
    )


def install_static(target: Path, atlas: Path | None = None) -> list[Path]:
    """Copy the map files the site serves into ``target`` (e.g. static/map/).

    The Albers county and state TopoJSON from ``atlas`` (default
    ``atlas_dir()``) and the minified browser builds of topojson-client,
    d3-array and d3-geo from the same ``node_modules``. Returns the copies.
    """
    atlas = _require(atlas or atlas_dir(), "us-atlas")
    sources = [atlas / COUNTIES_ALBERS, atlas / STATES_ALBERS]
    for package, name in BROWSER_SCRIPTS:
        sources.append(_require(atlas.parent / package, package) / name)
    for source in sources:
        if not source.is_file():
            raise AtlasNotInstalled(
                f"{source} is missing; run make install (npm ci) again"
            )
    target.mkdir(parents=True, exist_ok=True)
    copies = []
    for source in sources:
        copy = target / source.name
        shutil.copyfile(source, copy)
        copies.append(copy)
    return copies
