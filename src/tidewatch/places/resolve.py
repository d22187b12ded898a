"""Which state, county and city an agency polices, decided from ICE's cells
and the agency's name, with a match status and a reason for every answer.

Levels (docs/methods.md, "Places"):

- ``state``: highway patrols, state police, departments of corrections,
  attorneys general, national guards, fish and wildlife, ...: the state;
- ``county``: sheriffs, county jails and corrections, county police: one
  county, from ICE's COUNTY cell after repair, else from the name;
- ``municipal``: city and town police, boroughs, townships, village marshals:
  the place, and the county or counties it lies in;
- ``other``: campus, port, airport, transit, constables, judicial districts,
  regional jails, task forces: their own level, with the counties they serve
  where ICE's COUNTY cell or the name says.

Match statuses: ``ice_county`` (ICE's COUNTY cell), ``name`` (read off the
agency's name), ``alias`` (the alias table), ``fuzzy:<score>`` (a close
spelling), ``manual`` (a person's decision) and ``unresolved``. Pure
functions: no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tidewatch.places.reference import (
    city_counties,
    closest_city,
    counties_of_folded_city,
    county_index,
    known_city,
)

FUZZY_THRESHOLD = 85  # county names: "Berrian" -> Berrien, "Alleghany" -> Allegheny
CITY_FUZZY_THRESHOLD = 92  # city names are many and short: stricter

# Kinds of agencies that are neither state, county nor municipal, by keyword.
OTHER_KINDS = [
    ("campus", r"\b(university|college|school|campus|board of trustees)\b"),
    ("port", r"\b(port authority|port of|seaport|harbor)\b"),
    ("airport", r"\bairport\b"),
    ("transit", r"\b(transit|transportation authority|railroad|rail)\b"),
    ("constable", r"\bconstable"),
    (
        "judicial",
        r"\b(judicial (district|circuit)|district attorney|state attorney|"
        r"solicitor|circuit|prosecut)",
    ),
    (
        "regional_jail",
        r"\b(regional (jail|detention|correction)|district jail|"
        r"jail authority)",
    ),
    ("task_force", r"\b(task force|cooperative|metro police authority)\b"),
]
STATE_WORDS = re.compile(
    r"\b(state police|highway patrol|state patrol|state highway|state guard|"
    r"national guard|attorney general|department of (corrections?|correctional|"
    r"public safety|law enforcement|justice|homeland security|revenue|"
    r"environmental|financial|agriculture|natural resources|wildlife|"
    r"highway safety|lottery)|bureau of investigation|fish|wildlife|game and|"
    r"division of|office of|military department|gaming|alcohol|state fire marshal|"
    r"state auditor|commission|cnmi)\b",
    re.IGNORECASE,
)
COUNTY_WORDS = re.compile(
    r"\b(sheriff|county|parish|jail|detention center|corrections?|correctional)",
    re.IGNORECASE,
)
MUNICIPAL_WORDS = re.compile(
    r"\b(police|city of|town of|village|township|borough|marshal|public safety)",
    re.IGNORECASE,
)
# What to cut from a municipal agency's name to leave the place's name.
PLACE_NOISE = re.compile(
    r"\b(police (services )?(department|dept\.?|division)|police|polce department|"
    r"department of public safety|public safety( department)?|"
    r"marshal'?s? office|marshal|city of|town of|village of|the)\b|[,.]",
    re.IGNORECASE,
)
COUNTY_IN_NAME = re.compile(
    r"^(?:the )?(?P<name>.+?)\s+(?P<kind>county|parish|borough|city)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class AgencyFacts:
    """What ICE's lists say about one agency."""

    agency_id: str
    state: str  # USPS
    name: str
    agency_type: str  # county, municipal, state or ""
    county: str  # ICE's COUNTY cell, repaired, latest non-empty; "" if none


@dataclass
class Resolution:
    level: str
    state_fips: str
    county_fips: str = ""
    counties: list[str] = field(default_factory=list)
    place: str = ""
    match_status: str = "unresolved"
    reason: str = ""
    kind: str = ""


def classify(facts: AgencyFacts) -> tuple[str, str]:
    """(level, kind) of an agency: by words in its name first, ICE's TYPE second
    (ICE's TYPE is sometimes wrong: a university typed Municipality)."""
    name = facts.name
    for kind, pattern in OTHER_KINDS:
        if re.search(pattern, name, re.IGNORECASE):
            if kind == "judicial" and re.search(r"\bcounty attorney", name, re.I):
                break
            return "other", kind
    state_name = (
        county_index().states[facts.state].name
        if facts.state in (county_index().states)
        else ""
    )
    mentions_county = re.search(r"\b(county|parish)\b", name, re.IGNORECASE)
    if re.search(r"\bsheriff", name, re.IGNORECASE) or mentions_county:
        return "county", ""
    if STATE_WORDS.search(name) or (
        state_name and name.casefold().startswith(state_name.casefold())
    ):
        return "state", ""
    if MUNICIPAL_WORDS.search(name):
        return "municipal", ""
    if COUNTY_WORDS.search(name):
        return "county", ""
    return (facts.agency_type or "other"), ""


def resolve(facts: AgencyFacts) -> Resolution:
    """Where one agency polices (see the module docstring)."""
    index = county_index()
    state = index.states.get(facts.state)
    level, kind = classify(facts)
    result = Resolution(level, state.fips if state else "", kind=kind)
    if state is None:
        result.reason = f"unknown state {facts.state!r}"
        return result
    if level == "state":
        result.match_status = "name"
        result.reason = f"a state agency of {state.name}"
        return result
    from_cell = index.lookup(facts.state, facts.county) if facts.county else None
    if level == "municipal":
        return _municipal(facts, result, from_cell)
    # county and other levels: ICE's COUNTY cell first, then the name
    if from_cell:
        _set_county(result, from_cell, "ice_county", f"ICE's COUNTY {facts.county!r}")
        return result
    near_cell = (
        index.closest(facts.state, facts.county, FUZZY_THRESHOLD)
        if facts.county
        else None
    )
    if near_cell:
        _set_county(
            result,
            near_cell[0],
            f"fuzzy:{near_cell[1]}",
            f"ICE's COUNTY {facts.county!r}",
        )
        return result
    found = _county_from_name(facts)
    if found:
        fips, status, why = found
        _set_county(result, fips, status, why)
        return result
    result.reason = _why_unresolved(facts, state.name)
    return result


def _set_county(result: Resolution, fips: str, status: str, why: str) -> None:
    result.county_fips = fips
    result.counties = [fips]
    result.match_status = status
    result.reason = f"{why} -> {county_index().counties[fips].name}"


def _county_from_name(facts: AgencyFacts) -> tuple[str, str, str] | None:
    """A county read off the name: "Charleston County Sheriff's Office",
    "Baltimore City Sheriff's Office", "Norfolk Sheriff's Office" (a city)."""
    index = county_index()
    match = COUNTY_IN_NAME.match(facts.name)
    candidates = []
    if match:
        candidates.append(f"{match['name']} {match['kind']}")
    bare = re.sub(
        r"\b(sheriff'?s?'? (office|department)|sheriff|jail|detention center|"
        r"corrections?( department| center)?|department of corrections|"
        r"division of corrections)\b.*$",
        "",
        facts.name,
        flags=re.IGNORECASE,
    ).strip(" ,-")
    if bare and bare != facts.name:
        candidates.append(bare)
    for text in candidates:
        fips = index.lookup(facts.state, text)
        if fips:
            return fips, "name", f"the name says {text!r}"
    # A close spelling of one of the state's counties ("Minehaha" for Minnehaha),
    # only when clearly closer than any other ("Spaulding": Spalding or Paulding?).
    for text in candidates:
        near = index.closest(facts.state, text, FUZZY_THRESHOLD)
        if near:
            return near[0], f"fuzzy:{near[1]}", f"the name says {text!r}"
    return None


def _why_unresolved(facts: AgencyFacts, state_name: str) -> str:
    if not facts.county:
        return "no county in ICE's COUNTY cell or in the name"
    elsewhere = county_index().states_naming(facts.county)
    hint = (
        (
            f"; {', '.join(elsewhere)} {'has' if len(elsewhere) == 1 else 'have'} "
            "one: is ICE's STATE wrong?"
        )
        if elsewhere
        else ""
    )
    return f"ICE's COUNTY {facts.county!r} is not a county of {state_name}{hint}"


def _city(state: str, place: str) -> tuple[list[str], str]:
    """Counties of a city named in an agency's name, and how it was found."""
    if not place:
        return [], "unresolved"
    tries = [
        place,
        re.sub(
            r"\s+(city|town|borough|township|village)$", "", place, flags=re.IGNORECASE
        ),
    ]
    for text in tries:
        if known_city(state, text):
            return city_counties(state, text), "name"
    near = closest_city(state, tries[-1], CITY_FUZZY_THRESHOLD)
    if near:
        return counties_of_folded_city(state, near[0]), f"fuzzy:{near[1]}"
    return [], "unresolved"


def _municipal(
    facts: AgencyFacts, result: Resolution, from_cell: str | None
) -> Resolution:
    place = " ".join(PLACE_NOISE.sub(" ", facts.name).split())
    result.place = place
    counties, how = _city(facts.state, place)
    if counties:
        result.counties = counties
        if from_cell and from_cell in counties:
            result.county_fips, result.match_status = from_cell, how
            result.reason = (
                f"city {place!r}, in ICE's COUNTY "
                f"{county_index().counties[from_cell].name}"
            )
        elif len(counties) == 1:
            result.county_fips, result.match_status = counties[0], how
            result.reason = (
                f"city {place!r} -> {county_index().counties[counties[0]].name}"
            )
        elif from_cell:
            result.county_fips, result.match_status = from_cell, "ice_county"
            result.counties = sorted({*counties, from_cell})
            result.reason = (
                f"city {place!r} lies in {len(counties)} counties; "
                f"ICE's COUNTY says {facts.county!r}"
            )
        else:
            result.county_fips = counties[0]
            result.match_status = how
            result.reason = (
                f"city {place!r} lies in {len(counties)} counties; the "
                "first is shown (no COUNTY cell to choose)"
            )
        return result
    if from_cell:
        # Townships, boroughs and villages the USPS city list does not name.
        result.county_fips, result.counties = from_cell, [from_cell]
        result.match_status = "ice_county"
        result.reason = (
            f"place {place!r} from the name; county from ICE's COUNTY {facts.county!r}"
        )
        return result
    result.reason = f"place {place!r} is not a known city of {facts.state}"
    return result
