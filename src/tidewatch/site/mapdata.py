"""What the county map draws: which counties had which models in force, list
by list, served as one compact JSON file at ``/data/map/counties.json``.

A county is coloured on a list when an agency that polices it (its main
county or any of the ``counties`` it serves, per ``AgencyPlace``) is on that
participating list. State agencies (highway patrol, state police,
corrections) police every county; colouring all of them would hide the local
agreements, so they are listed apart (``state_agencies_in_force``).

The file is sized for the home page budget: per map shape a few runs
``[first_list, last_list, models]`` (list positions, inclusive; models as bits
JEM=1, WSO=2, TFM=4) instead of a value per list. Map shapes are us-atlas
2017 counties (``tidewatch.places.geometry.crosswalk_to_map``); ``fips`` says
which data county a shape stands for when it differs, so a click opens the
county page of the data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse

from tidewatch.agreements.models import Listing
from tidewatch.places.geometry import AtlasNotInstalled, MapFiles, crosswalk_to_map
from tidewatch.places.membership import STATEWIDE
from tidewatch.places.models import AgencyPlace
from tidewatch.places.reference import county_index
from tidewatch.publications.models import Publication
from tidewatch.site.timeline import MODEL_CODES, participating_lists

BITS = {code: 1 << index for index, code in enumerate(MODEL_CODES)}
STATE_LEVEL = STATEWIDE  # one rule with the county pages: places.membership


def models_of(mask: int) -> list[str]:
    """The model codes in a bit mask, in the usual order (JEM, WSO, TFM)."""
    return [code for code in MODEL_CODES if mask & BITS[code]]


def runs(values: Iterable[int]) -> list[list[int]]:
    """``[first, last, value]`` for each stretch of equal non-zero values."""
    out: list[list[int]] = []
    for index, value in enumerate(values):
        if value and out and out[-1][2] == value and out[-1][1] == index - 1:
            out[-1][1] = index
        elif value:
            out.append([index, index, value])
    return out


def counties_served() -> dict[str, tuple[str, ...]]:
    """Agency id -> the data counties it colours (none for state agencies)."""
    served = {}
    for agency_id, main, counties in (
        AgencyPlace.objects.exclude(level=STATE_LEVEL)
        .values_list("agency_id", "county_fips", "counties")
        .order_by()
    ):
        fips = {main, *(counties or [])} - {""}
        if fips:
            served[agency_id] = tuple(sorted(fips))
    return served


@cache
def _shape_ids() -> frozenset[str] | None:
    try:
        return MapFiles().county_ids()
    except AtlasNotInstalled:
        return None


@cache
def map_id(fips: str) -> str | None:
    """The map shape standing for data county ``fips`` (None: not on the map).

    Without the us-atlas files (a checkout before ``make install``) every
    county is taken to have its own shape, so the data still come out.
    Cached: the shapes are a pinned file, read once per process.
    """
    shapes = _shape_ids()
    if shapes is None:
        return fips
    return crosswalk_to_map(fips, shapes=shapes)


def county_label(fips: str) -> str:
    """ "Charleston County, SC" (or the bare code if the reference lacks it)."""
    county = county_index().counties.get(fips)
    return f"{county.name}, {county.state}" if county else fips


def county_history(lists: list[Publication]) -> dict[str, list[int]]:
    """Data county -> one models bit mask per list in ``lists``."""
    position = {publication.pk: index for index, publication in enumerate(lists)}
    served = counties_served()
    masks: dict[str, list[int]] = {}
    for publication_id, agency_id, model in (
        Listing.objects.filter(publication__kind=Publication.PARTICIPATING)
        .values_list("publication_id", "agreement__agency_id", "agreement__model")
        .order_by()
    ):
        index = position.get(publication_id)
        if index is None:
            continue
        for fips in served.get(agency_id, ()):
            row = masks.get(fips)
            if row is None:
                row = masks[fips] = [0] * len(lists)
            row[index] |= BITS.get(model, 0)
    return masks


def map_payload() -> dict:
    """The JSON the map script reads (see the module docstring)."""
    lists = participating_lists()
    by_shape: dict[str, list[int]] = {}
    data_fips: dict[str, list[str]] = defaultdict(list)
    unmapped = []
    for fips, masks in sorted(county_history(lists).items()):
        shape = map_id(fips)
        if shape is None:
            unmapped.append(fips)
            continue
        data_fips[shape].append(fips)
        merged = by_shape.setdefault(shape, [0] * len(lists))
        for index, mask in enumerate(masks):
            merged[index] |= mask
    return {
        "lists": [
            {
                "as_of": publication.as_of.isoformat(),
                "name": publication.name,
                "raw": reverse("raw-file", args=[publication.raw_file.sha256]),
            }
            for publication in lists
        ],
        "models": BITS,
        "counties": {shape: runs(masks) for shape, masks in sorted(by_shape.items())},
        # the data county a shape opens, where it is not the shape's own code
        "fips": {
            shape: codes[0]
            for shape, codes in sorted(data_fips.items())
            if codes != [shape]
        },
        "names": {
            shape: " / ".join(county_label(code) for code in codes)
            for shape, codes in sorted(data_fips.items())
        },
        "unmapped": unmapped,
    }


@dataclass
class CountyRow:
    """A county with agreements in force on the latest list (table rows)."""

    fips: str
    name: str
    state: str
    models: list[str]
    agencies: set[str] = field(default_factory=set)
    on_map: bool = True


def latest_list() -> Publication | None:
    lists = participating_lists()
    return lists[-1] if lists else None


def counties_in_force(state_fips: str | None = None) -> list[CountyRow]:
    """Counties coloured on the latest list, by state and name; the map's
    table alternative. ``state_fips`` limits it to one state."""
    latest = latest_list()
    if latest is None:
        return []
    served = counties_served()
    masks: dict[str, int] = defaultdict(int)
    agencies: dict[str, set[str]] = defaultdict(set)
    for agency_id, model in (
        Listing.objects.filter(publication=latest)
        .values_list("agreement__agency_id", "agreement__model")
        .order_by()
    ):
        for fips in served.get(agency_id, ()):
            if state_fips and not fips.startswith(state_fips):
                continue
            masks[fips] |= BITS.get(model, 0)
            agencies[fips].add(agency_id)
    counties = county_index().counties
    rows = []
    for fips, mask in masks.items():
        county = counties.get(fips)
        rows.append(
            CountyRow(
                fips=fips,
                name=county.name if county else fips,
                state=county.state if county else "",
                models=models_of(mask),
                agencies=agencies[fips],
                on_map=map_id(fips) is not None,
            )
        )
    rows.sort(key=lambda row: (row.state, row.name.casefold(), row.fips))
    return rows


@dataclass(frozen=True)
class StateAgency:
    """An agency listed beside the map (state-level, or with no county)."""

    agency_id: str
    name: str
    state: str
    models: list[str]


def state_agencies_in_force(state: str | None = None) -> list[StateAgency]:
    """State-level agencies on the latest list (not drawn on the county map)."""
    return _latest_agencies(
        Listing.objects.filter(agreement__agency__place__level=STATE_LEVEL), state
    )


def unplaced_in_force(state: str | None = None) -> list[StateAgency]:
    """Local agencies on the latest list with no county (unresolved places,
    or places outside any county): said plainly, since the map can't show them."""
    served = counties_served()
    return _latest_agencies(
        Listing.objects.exclude(agreement__agency__place__level=STATE_LEVEL),
        state,
        keep=lambda agency_id: agency_id not in served,
    )


def _latest_agencies(
    listings: QuerySet[Listing],
    state: str | None,
    keep: Callable[[str], bool] = lambda agency_id: True,
) -> list[StateAgency]:
    """The agencies of ``listings`` on the latest participating list, with
    their models, optionally of one state (USPS code)."""
    latest = latest_list()
    if latest is None:
        return []
    listings = listings.filter(publication=latest)
    if state:
        listings = listings.filter(agreement__agency__state=state)
    found: dict[str, tuple[str, str, set[str]]] = {}
    for agency_id, name, usps, model in listings.values_list(
        "agreement__agency_id",
        "agreement__agency__name",
        "agreement__agency__state",
        "agreement__model",
    ).order_by():
        if keep(agency_id):
            found.setdefault(agency_id, (name, usps, set()))[2].add(model)
    return _agencies(found)


def _agencies(found: dict[str, tuple[str, str, set[str]]]) -> list[StateAgency]:
    return sorted(
        (
            StateAgency(agency_id, name, usps, [c for c in MODEL_CODES if c in models])
            for agency_id, (name, usps, models) in found.items()
        ),
        key=lambda a: (a.state, a.name.casefold()),
    )


def counties_json(request: HttpRequest) -> JsonResponse:
    """``/data/map/counties.json``: every list's coloured counties."""
    return JsonResponse(map_payload(), json_dumps_params={"separators": (",", ":")})


urlpatterns = [path("counties.json", counties_json, name="map-counties")]
