"""Which agencies belong to a county: the one rule that the county pages, the
county feeds, the downloads, the map and the API share.

An agency belongs to its main county (``AgencyPlace.county_fips``) and to every
county it serves (``AgencyPlace.counties``). State agencies (highway patrol,
state police, corrections, ...) police the whole state from a headquarters in
one county; counting them as that county's own would tell the residents of,
say, Richland County, SC, that their county signed the agreement of the South
Carolina Department of Public Safety. They are listed on the state page and
beside each county's agencies as statewide, never as a county's own.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from tidewatch.places.models import AgencyPlace

STATEWIDE = "state"  # AgencyPlace.level of agencies that police the whole state


def county_members() -> dict[str, dict[str, bool]]:
    """County FIPS -> {agency id: whether it is the agency's main county}."""
    members: dict[str, dict[str, bool]] = defaultdict(dict)
    places = AgencyPlace.objects.exclude(level=STATEWIDE).values_list(
        "agency_id", "county_fips", "counties"
    )
    for agency_id, main, counties in places:
        for fips in counties or []:
            members[fips][agency_id] = fips == main
        if main:
            members[main][agency_id] = True
    return dict(members)


def agencies_in_county(fips: str) -> dict[str, bool]:
    """Agency id -> whether ``fips`` is its main county, for one county."""
    # The database narrows by text; the exact test is made here, so it works
    # on SQLite, which has no JSON containment lookup.
    places = (
        AgencyPlace.objects.exclude(level=STATEWIDE)
        .filter(Q(county_fips=fips) | Q(counties__icontains=fips))
        .values_list("agency_id", "county_fips", "counties")
    )
    return {
        agency_id: main == fips
        for agency_id, main, counties in places
        if main == fips or fips in (counties or [])
    }


def statewide_agency_ids(state_fips: str) -> list[str]:
    """The state agencies of one state (2-digit FIPS)."""
    return list(
        AgencyPlace.objects.filter(level=STATEWIDE, state_fips=state_fips)
        .order_by("agency_id")
        .values_list("agency_id", flat=True)
    )
