"""Request parameters and response bodies of the JSON API (pydantic, via Ninja).

Every query parameter is declared here with its type, so the API only ever
filters on these fields, parsed and checked before any query runs
(docs: reliability D3). A blank value (``?state=``) means "no filter".
Agreement and change rows have exactly the columns of the CSV exports
(``reports.AGREEMENT_COLUMNS`` and ``reports.CHANGE_COLUMNS``), in the same
order, so the API and the exports agree.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import date
from typing import Annotated, Any, Literal

import us
from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from tidewatch.agreements.models import Event

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FIPS_PATTERN = re.compile(r"[0-9]{5}")


def refuse(kind: str, problem: str, value: Any) -> PydanticCustomError:
    """A validation error whose message starts with the value given."""
    return PydanticCustomError(kind, "{value} " + problem, {"value": repr(value)})


def parse_day(value: Any) -> Any:
    """A date written YYYY-MM-DD (and nothing else: no timestamps, no weeks)."""
    if not isinstance(value, str):
        return value
    if not DATE_PATTERN.fullmatch(value.strip()):
        raise refuse("date_format", "is not a date in the form YYYY-MM-DD", value)
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise refuse("date_value", f"is not a real date ({error})", value) from None


def parse_fips(value: Any) -> Any:
    """A 5-digit county FIPS code, with a message that says so."""
    if isinstance(value, str) and not FIPS_PATTERN.fullmatch(value):
        raise refuse("fips", "is not a 5-digit county FIPS code", value)
    return value


def printable(value: str) -> str:
    """Text without control characters (PostgreSQL refuses NUL in a query)."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise refuse("control_character", "contains a control character", value)
    return value


def state_code(value: str) -> str:
    """The USPS code of a state or territory given by code, name or FIPS code."""
    found = us.states.lookup(value.strip())
    if found is None:
        raise refuse(
            "state",
            "is not a US state or territory: give a USPS code such as TX or a "
            "name such as Texas",
            value,
        )
    return found.abbr


Day = Annotated[date, BeforeValidator(parse_day)]
StateCode = Annotated[
    str,
    StringConstraints(max_length=60),
    AfterValidator(state_code),
    Field(description="A state or territory: USPS code (TX) or name (Texas)."),
]
CountyFips = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{5}$"),
    BeforeValidator(parse_fips),
    Field(description="A 5-digit county FIPS code."),
]
NamePart = Annotated[str, StringConstraints(max_length=100), AfterValidator(printable)]
Status = Literal["participating", "pending", "all"]
Model = Literal["JEM", "WSO", "TFM"]
Level = Literal["state", "county", "municipal", "other"]
EventKind = Literal[tuple(kind for kind, _ in Event.KIND_CHOICES)]
IN_COUNTY = "Agencies resolved to this county (main county or one they serve)."


# -- query parameters ---------------------------------------------------------


class Params(BaseModel):
    """Query parameters: a blank one (``?state=``) counts as left out. (A plain
    pydantic model: Ninja's Schema hands validators an attribute getter.)"""

    @model_validator(mode="before")
    @classmethod
    def blanks_are_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {
                k: v
                for k, v in data.items()
                if not (isinstance(v, str) and not v.strip())
            }
        return data


class PageParams(Params):
    """``limit`` and ``offset``, shared by every list."""

    limit: int = Field(
        DEFAULT_LIMIT,
        ge=0,
        description=f"Rows per page: default {DEFAULT_LIMIT}, at most {MAX_LIMIT} "
        f"(a larger value is lowered to {MAX_LIMIT}).",
    )
    offset: int = Field(0, ge=0, description="Rows to skip.")


class AgreementFilters(PageParams):
    as_of: Day | None = Field(None, description="The latest lists on or before it.")
    status: Status = Field(
        "all",
        description="participating, pending, or all (all adds the agreements "
        "removed or dropped by then).",
    )
    state: StateCode | None = None
    county_fips: CountyFips | None = Field(None, description=IN_COUNTY)
    model: Model | None = Field(None, description="JEM, WSO or TFM.")


class AgencyFilters(PageParams):
    state: StateCode | None = None
    county_fips: CountyFips | None = Field(None, description=IN_COUNTY)
    level: Level | None = Field(None, description="state, county, municipal, other.")
    q: NamePart | None = Field(None, description="Part of the name, in any case.")


class ChangeFilters(PageParams):
    since: Day | None = Field(None, description="First day, YYYY-MM-DD.")
    until: Day | None = Field(None, description="Last day, YYYY-MM-DD.")
    state: StateCode | None = None
    kind: EventKind | None = Field(None, description="Only changes of this kind.")


class StatsFilters(Params):
    as_of: Day | None = Field(None, description="The latest lists on or before it.")


# -- responses ----------------------------------------------------------------


class Message(Schema):
    """An error: ``detail`` says what was wrong, in words."""

    detail: str


class ParamError(Schema):
    """One parameter that did not validate."""

    type: str
    loc: list[str | int] = Field(description='Where: ["query", "state"].')
    msg: str


class Invalid(Schema):
    """422: ``detail`` names each bad parameter and says what was wrong."""

    detail: str
    errors: list[ParamError]


class ListFile(Schema):
    """One ICE list (workbook) the numbers come from."""

    as_of: date = Field(description="The date the list describes.")
    file_name: str = Field(description="The file's name as ICE published it.")
    sha256: str = Field(description="SHA-256 of the archived file.")


class Source(Schema):
    """Which ICE lists the numbers come from."""

    as_of: date | None = Field(
        description="The date asked for; null means the latest lists."
    )
    participating: ListFile | None = Field(
        description="The latest participating list on or before that date."
    )
    pending: ListFile | None = Field(
        description="The latest pending list on or before that date."
    )


class AgreementRow(Schema):
    """An agreement as listed on a date: the columns of the CSV export."""

    agreement_id: str
    agency_id: str
    state: str
    agency: str
    agency_type: str
    county: str
    model: str
    status: str
    signed_date: date | None
    first_listed: date
    last_listed: date
    removed_on: date | None
    moa_url: str
    addendum_url: str
    county_fips: str
    place: str
    jurisdiction_level: str
    match_status: str
    ori: str
    source_list_date: date
    source_file: str
    source_row: int
    moa_signatory_name: str
    moa_signatory_title: str
    moa_signed_date: date | None


NoneIfBlank = Annotated[date | None, BeforeValidator(lambda v: v or None)]


class ChangeRow(Schema):
    """One event of the change log: the columns of ``tidewatch changes``."""

    date: dt.date
    kind: str
    agreement_id: str
    agency_id: str
    state: str
    agency: str
    model: str
    change: str
    old_signed_date: NoneIfBlank
    new_signed_date: NoneIfBlank
    previous_status: str
    source_file: str
    previous_list_date: NoneIfBlank


class PlaceOut(Schema):
    """Where an agency polices, how that was decided and why."""

    level: str
    kind: str
    state_fips: str
    county_fips: str
    county_name: str = Field(description="The Census name of county_fips.")
    counties: list[str] = Field(description="Every county policed or served.")
    place: str
    match_status: str
    reason: str
    ori: str


class AgencyOut(Schema):
    """An agency, under the name of ICE's latest list."""

    id: str
    state: str
    name: str
    agency_type: str
    county: str = Field(description="ICE's COUNTY cell, repaired.")
    first_listed: date
    last_listed: date


class AgreementBrief(Schema):
    """An agreement's current state (from the latest lists)."""

    id: str
    model: str
    status: str
    signed_date: date | None
    first_listed: date
    last_listed: date
    removed_on: date | None
    moa_url: str
    addendum_url: str


class AgencyRow(AgencyOut):
    """An agency in a list, with where it polices and its agreements."""

    level: str
    county_fips: str
    place: str
    match_status: str
    agreements: list[AgreementBrief]


class AliasOut(Schema):
    name: str
    match: str = Field(description="exact, moa or fuzzy:<score>.")
    first_seen: date


class AgencyDetail(AgencyOut):
    """An agency with its other names, its agreements and its place."""

    aliases: list[AliasOut]
    agreements: list[AgreementBrief]
    place: PlaceOut | None


class ListingOut(Schema):
    """An agreement's row in one ICE list, as ICE wrote it."""

    as_of: date
    status: str = Field(description="The list's kind: participating or pending.")
    file_name: str
    sheet: str
    row_number: int
    hidden: bool
    agency_name: str
    signed_raw: str
    signed_date: date | None
    moa_url: str


class EventOut(Schema):
    """A change in an agreement's history."""

    date: dt.date
    kind: str
    details: dict[str, Any]
    file_name: str = Field(description="The list that showed the change.")


class AgreementDetail(AgreementBrief):
    """An agreement with its agency, place, every listing and every event."""

    agency: AgencyOut
    place: PlaceOut | None
    listings: list[ListingOut]
    events: list[EventOut]


class CountyOut(Schema):
    fips: str
    name: str
    state: str


class CountyAgency(AgencyOut):
    """An agency resolved to a county, with its agreements on the latest lists."""

    level: str
    place: str
    match_status: str
    main_county: bool = Field(description="Whether this is the agency's main county.")
    agreements: list[AgreementRow]


class CountyDetail(Schema):
    county: CountyOut
    agencies: list[CountyAgency]
    source: Source


class Stats(Schema):
    """Counts by model and by state, participating and pending."""

    as_of: date | None
    participating_list: date | None
    pending_list: date | None
    by_model: dict[str, dict[str, int]]
    by_state: dict[str, dict[str, int]]
    source: Source


class _Page(Schema):
    count: int = Field(description="Rows matching, on every page.")
    limit: int
    offset: int


class AgreementPage(_Page):
    results: list[AgreementRow]
    source: Source


class AgencyPage(_Page):
    results: list[AgencyRow]
    source: Source


class ChangePage(_Page):
    results: list[ChangeRow]
    source: Source
