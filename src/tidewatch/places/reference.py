"""The place reference: states and territories, counties and county-equivalents
with their FIPS codes and the names people write for them, and cities with the
counties they lie in.

Built at first use from well-kept packages: ``us`` (states), the Census county
tables shipped with ``addfips`` (every vintage it has: 2000, 2010, 2015, 2020,
so Connecticut's old counties and Alaska's older areas are known), and
``zipcodes`` (USPS city names with their counties). What they miss is in
``data/county_aliases.csv``, one row per case with the reason.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

import us
import zipcodes
from rapidfuzz import fuzz, process

COUNTY_VINTAGES = (2020, 2015, 2010, 2000)  # newest first: its names win
AMBIGUITY_MARGIN = 3  # points a close spelling must lead the next one by
ALIASES = Path(__file__).parent / "data" / "county_aliases.csv"

# Words that say what kind of county-equivalent it is; "city" is kept apart
# because Baltimore city and Baltimore County are two different places.
COUNTY_KINDS = (
    "city and borough",
    "census area",
    "planning region",
    "borough",
    "county",
    "parish",
    "municipality",
    "municipio",
    "district",
    "island",
    "islands",
)
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}


@dataclass(frozen=True)
class State:
    usps: str
    fips: str
    name: str

    @property
    def local_name(self) -> str:
        """The name in the active language (pages only; data stays English)."""
        from tidewatch.places.state_names import local_state_name

        return local_state_name(self.usps, self.name)


@dataclass(frozen=True)
class County:
    fips: str
    state: str  # USPS code
    name: str  # as the Census writes it, e.g. "Charleston County", "Baltimore city"


def fold(text: str) -> str:
    """Case, accents, punctuation and spacing folded: "De Kalb" == "DeKalb",
    "St. Lucie" == "Saint Lucie", "Doña Ana" == "Dona Ana"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = re.sub(r"[^a-z0-9 ]+", " ", text.replace("'", "")).split()
    return "".join(_ABBREVIATIONS.get(w, w) for w in words)


def strip_kind(name: str) -> tuple[str, str]:
    """("Charleston", "county") for "Charleston County"; ("Baltimore", "city")."""
    lowered = name.casefold().strip()
    for kind in (*COUNTY_KINDS, "city"):
        if lowered.endswith(" " + kind):
            return name[: -len(kind) - 1].strip(), kind
    return name.strip(), ""


class CountyIndex:
    """Every county-equivalent, findable by the names people write."""

    def __init__(self) -> None:
        self.states: dict[str, State] = {}
        self.counties: dict[str, County] = {}
        # (state, folded name with kind) and (state, folded bare name) -> fips
        self._full: dict[tuple[str, str], str] = {}
        self._bare: dict[tuple[str, str], str] = {}
        self._load()

    def _load(self) -> None:
        for state in [*us.states.STATES_AND_TERRITORIES, us.states.DC]:
            self.states[state.abbr] = State(state.abbr, state.fips, state.name)
        by_fips = {s.fips: s.usps for s in self.states.values()}
        package = files("addfips")
        for vintage in COUNTY_VINTAGES:
            with package.joinpath(f"data/counties_{vintage}.csv").open(
                encoding="utf-8"
            ) as handle:
                for row in csv.DictReader(handle):
                    state = by_fips.get(row["statefp"])
                    if state is None:
                        continue
                    self._add(
                        County(row["statefp"] + row["countyfp"], state, row["name"])
                    )
        with ALIASES.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                self._add(County(row["fips"], row["state"], row["name"]), alias=True)

    def _add(self, county: County, alias: bool = False) -> None:
        if county.fips not in self.counties and not (
            alias and county.fips in self.counties
        ):
            self.counties[county.fips] = county
        bare, kind = strip_kind(county.name)
        full_key = (county.state, fold(county.name))
        self._full.setdefault(full_key, county.fips)
        bare_key = (county.state, fold(bare))
        # A bare name means the county, not the independent city of the same
        # name (Baltimore -> Baltimore County; "Baltimore City" says city).
        shadowed = (county.state, fold(bare + " county")) in self._full
        if kind != "city" or (bare_key not in self._bare and not shadowed):
            self._bare.setdefault(bare_key, county.fips)

    def lookup(self, state: str, text: str) -> str | None:
        """The FIPS code of a county written ``text`` in ``state`` (USPS), or None.

        Accepts "Charleston County", "Charleston", "charleston county ", "St.
        Lucie", "De Kalb", "LaSalle Parish", "Baltimore City"; a name that
        says "city" only matches an independent city.
        """
        if not text:
            return None
        key = fold(text)
        found = self._full.get((state, key))
        if found:
            return found
        # "Rock Island", "Charles City": the whole name may be a bare county
        # name that merely ends in a word like island or city.
        found = self._bare.get((state, key))
        if found:
            return found
        bare, kind = strip_kind(text)
        if kind == "city":
            return self._full.get((state, fold(bare + " city")))
        return self._bare.get((state, fold(bare)))

    def in_state(self, state: str) -> list[County]:
        return [c for c in self.counties.values() if c.state == state]

    def closest(self, state: str, text: str, threshold: int) -> tuple[str, int] | None:
        """The county of ``state`` whose name is nearest to ``text``, if it is
        near enough and clearly nearer than the next (Spaulding is as near to
        Spalding as to Paulding: no answer)."""
        bare = fold(strip_kind(text)[0])
        choices = {c.fips: fold(strip_kind(c.name)[0]) for c in self.in_state(state)}
        found = process.extract(bare, choices, scorer=fuzz.ratio, limit=2)
        if not found or found[0][1] < threshold:
            return None
        if len(found) > 1 and found[0][1] - found[1][1] < AMBIGUITY_MARGIN:
            return None
        return found[0][2], round(found[0][1])

    def states_naming(self, text: str) -> list[str]:
        """The states that have a county written ``text`` (for wrong-state hints)."""
        return sorted(s for s in self.states if self.lookup(s, text))


@cache
def county_index() -> CountyIndex:
    """The county index, built once per process."""
    return CountyIndex()


@cache
def _cities() -> dict[tuple[str, str], frozenset[str]]:
    """(state, folded city name) -> county names, from USPS ZIP data."""
    cities: dict[tuple[str, str], set[str]] = defaultdict(set)
    for record in zipcodes.list_all():
        if not record.get("county"):
            continue
        names = [record["city"], *record.get("acceptable_cities", [])]
        for name in names:
            cities[(record["state"], fold(name))].add(record["county"])
    return {k: frozenset(v) for k, v in cities.items()}


def city_counties(state: str, city: str) -> list[str]:
    """FIPS codes of the counties a city (USPS name) lies in, sorted; [] if unknown."""
    return counties_of_folded_city(state, fold(city))


def known_city(state: str, city: str) -> bool:
    return (state, fold(city)) in _cities()


@cache
def _cities_by_state() -> dict[str, list[str]]:
    by_state: dict[str, list[str]] = defaultdict(list)
    for state, key in _cities():
        by_state[state].append(key)
    return by_state


def closest_city(state: str, city: str, threshold: int) -> tuple[str, int] | None:
    """The folded name of the state's city nearest to ``city``, if clearly nearest."""
    found = process.extract(
        fold(city), _cities_by_state().get(state, []), scorer=fuzz.ratio, limit=2
    )
    if not found or found[0][1] < threshold:
        return None
    if len(found) > 1 and found[0][1] - found[1][1] < AMBIGUITY_MARGIN:
        return None
    return found[0][0], round(found[0][1])


def counties_of_folded_city(state: str, folded: str) -> list[str]:
    names = _cities().get((state, folded), frozenset())
    index = county_index()
    return sorted({f for name in names if (f := index.lookup(state, name))})
